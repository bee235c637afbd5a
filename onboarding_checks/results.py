"""What a check finds: one line each, pass / warn / fail, with the fix in one sentence."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Result:
    """One finding: ``check`` says what was checked, ``target`` on what (a subnet id, a cluster)."""

    check: str
    target: str
    status: Status
    detail: str
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status.value}


def passed(check: str, target: str, detail: str) -> Result:
    return Result(check, target, Status.PASS, detail)


def warned(check: str, target: str, detail: str, fix: str) -> Result:
    return Result(check, target, Status.WARN, detail, fix)


def failed(check: str, target: str, detail: str, fix: str) -> Result:
    return Result(check, target, Status.FAIL, detail, fix)


def exit_code(results: list[Result]) -> int:
    """1 when anything failed; warnings alone do not fail the run."""
    return 1 if any(r.status is Status.FAIL for r in results) else 0
