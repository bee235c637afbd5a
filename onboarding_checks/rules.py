"""What a check is: a ``Rule``, one function declared with its title, which reads AWS and yields
findings (each warning and failure with its fix) for one target the config names: a subnet, a cluster.

``doctor.DOCTOR_CHECKS`` and ``verify.VERIFY_CHECKS`` list the rules in the order they run; the runner,
the table, the JSON and docs/checks.md follow those lists, so a title is written once, beside its rule.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .results import Result, Status

if TYPE_CHECKING:  # the config model loads the CDK (and Node.js): only what runs the checks needs it
    from onboarding_config.model import OnboardingConfig

    from .aws import Aws

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Context:
    """What a rule reads: the config, AWS, the account of the credentials, and for verify the deployed
    stack's outputs by key (``OutputValue``, ``Description``); None for doctor."""

    config: OnboardingConfig
    aws: Aws
    account: str
    outputs: Mapping[str, Mapping[str, str]] | None = None
    _answers: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    def once(self, key: Hashable, read: Callable[[], R]) -> R:
        """``read()``, asked once per run: rules that look at one thing (a cluster) share one AWS call.
        An error is not kept: the rule that meets it reports it."""
        if key not in self._answers:
            self._answers[key] = read()
        answer: R = self._answers[key]
        return answer

    def output(self, key: str) -> str | None:
        """The value of the stack output ``key``, if the stack has it."""
        return (self.outputs or {}).get(key, {}).get("OutputValue")


@dataclass(frozen=True)
class Finding:
    """What a rule says about its target; the runner adds the rule's title and the target's name.
    ``stop``: the target's later rules have nothing to check (no such cluster, say). ``on``: what of the
    target the finding is about, shown instead of the target's name (a VPC of the region, say), for a rule
    that finds its targets by reading AWS: targets come from the config, before any call."""

    status: Status
    detail: str
    fix: str = ""
    stop: bool = False
    on: str = ""

    def __post_init__(self) -> None:
        if self.status is not Status.PASS and not self.fix:
            raise ValueError(f"a finding that does not pass says how to fix it: {self.detail!r} has no fix")

    def result(self, check: str, target: str) -> Result:
        return Result(check, self.on or target, self.status, self.detail, self.fix)


def ok(detail: str, *, on: str = "") -> Finding:
    return Finding(Status.PASS, detail, on=on)


def warning(detail: str, fix: str, *, stop: bool = False, on: str = "") -> Finding:
    return Finding(Status.WARN, detail, fix, stop, on)


def failure(detail: str, fix: str, *, stop: bool = False, on: str = "") -> Finding:
    return Finding(Status.FAIL, detail, fix, stop, on)


@dataclass(frozen=True)
class Targets(Generic[T]):
    """What rules run on, one target after another: ``each`` reads them from the context (the config,
    the stack's outputs), ``name`` is what the table shows in its "on" column, ``what`` says it in the
    docs."""

    what: str
    each: Callable[[Context], Iterable[T]]
    name: Callable[[T], str] = str


@dataclass(frozen=True)
class Rule(Generic[T]):
    """One check: ``run`` yields the findings on one target; ``checks`` says what it checks (docs)."""

    title: str
    on: Targets[T]
    checks: str
    run: Callable[[Context, T], Iterable[Finding]]


def rule(title: str, *, on: Targets[T], checks: str) -> Callable[[Callable[[Context, T], Iterable[Finding]]], Rule[T]]:
    """Declares the function below as the rule ``title``, run on each of ``on``."""

    def declare(run: Callable[[Context, T], Iterable[Finding]]) -> Rule[T]:
        return Rule(title=title, on=on, checks=checks, run=run)

    return declare


def catalogue(rules: Sequence[Rule[Any]]) -> str:
    """The rules as the Markdown table docs/checks.md shows: title, what it runs on, what it checks."""
    lines = ["| check | on | what it checks |", "| --- | --- | --- |"]
    lines += [f"| {r.title} | {r.on.what} | {r.checks} |" for r in rules]
    return "\n".join(lines)
