"""Mutation testing of the modules whose mistakes cost most, with the fast tests that cover them.

    python tools/mutate.py                       every module, one after the other (hours)
    python tools/mutate.py --module log_delivery --module handler
    python tools/mutate.py --list                the mutants, without running anything
    python tools/mutate.py --rev HEAD~1 --json results.json

Each mutant is one small change to one module: a comparison or boolean operator swapped, a
constant changed, a ``not`` removed, a return value replaced by None, an arithmetic operator
swapped. The driver writes it into a scratch copy of the repository at ``--rev`` (default HEAD,
from ``git archive``, so a figure belongs to a commit) and runs tests there with ``-x``: killed when
a test fails or the run exceeds its time limit, survived when every test passes. The working tree
is never touched.

Which tests: the module's subset runs once, unmutated, with a tracer (tools/mutate_trace.py) that
records which tests run each line. A mutant then runs the tests that run its statement; a mutant
in code run at import (constants, defaults, decorators) runs the tests that use the module and,
if they pass, the whole subset; a mutant whose statement no test runs survives without a run.

Not mutated: docstrings, annotations, imports and ``__all__``, which do not change what the code
does, and the inside of f-strings (the f-string as a whole is). A mutant whose source does not
compile is dropped before it runs, and counted.

Why not mutmut: mutmut 3 runs the tests in-process and forks per mutant, and a forked child would
share the parent's jsii Node.js process (the CDK runs in it) over the same pipes; the EKS handler
also lives outside any package. Here each job has a pytest worker (tools/mutate_worker.py) that
imports our code and tests afresh for every mutant, in the same process: no fork, and jsii's Node.js
process is its own. See docs/testing.md.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

#: The fast subsets (slow-marked tests are deselected: none runs the CDK CLI or a scanner). The stack
#: tests hold the snapshots, the only tests that see every construct id (a changed id replaces a resource).
HANDLER_TESTS = ("tests/handlers",)
CONSTRUCT_TESTS = ("tests/constructs", "tests/config", "tests/stacks")


@dataclass(frozen=True)
class Target:
    """A module to mutate and its test subset, the tests that cover it most closely first."""

    name: str
    path: str
    tests: tuple[str, ...]


TARGETS: tuple[Target, ...] = (
    # Policy statements: what AWS is allowed to do, and to whom.
    Target(
        "discovery_role",
        "onboarding_constructs/discovery_role.py",
        ("tests/constructs/test_discovery_role.py", *CONSTRUCT_TESTS),
    ),
    Target(
        "bedrock_models",
        "onboarding_constructs/_bedrock_models.py",
        (
            "tests/constructs/test_bedrock_models_catalogue.py",
            "tests/constructs/test_bedrock_invoker_instance_role.py",
            "tests/constructs/test_pod_bedrock_access.py",
            *CONSTRUCT_TESTS,
        ),
    ),
    Target(
        "log_delivery",
        "onboarding_constructs/_log_delivery.py",
        ("tests/constructs/test_flow_log_bucket.py", "tests/constructs/test_flow_logs.py", *CONSTRUCT_TESTS),
    ),
    Target(
        "bedrock_audit_trail",
        "onboarding_constructs/bedrock_audit_trail.py",
        ("tests/constructs/test_bedrock_audit_trail.py", *CONSTRUCT_TESTS),
    ),
    Target(
        "eks_handler_policy",
        "onboarding_constructs/eks_cluster_access_handler.py",
        ("tests/constructs/test_eks_discovery_access.py", *CONSTRUCT_TESTS),
    ),
    # Config rules: what a config file may say.
    Target(
        "identifiers",
        "onboarding_constructs/_identifiers.py",
        ("tests/constructs/test_identifiers.py", *CONSTRUCT_TESTS),
    ),
    Target("config_types", "onboarding_config/value_types.py", ("tests/config", "tests/constructs", "tests/stacks")),
    Target("config", "onboarding_config/model.py", ("tests/config", "tests/constructs", "tests/stacks")),
    # Others are adding tests for these two: run them last.
    Target(
        "flow_log_fields",
        "onboarding_constructs/_flow_log_fields.py",
        ("tests/constructs/test_flow_logs.py", *CONSTRUCT_TESTS),
    ),
    Target("handler", "lambda/eks_cluster_access/index.py", HANDLER_TESTS),
)

PYTEST_FLAGS = ("-x", "-q", "-n", "0", "-p", "no:cacheprovider", "-m", "not slow")


# --- mutation generation (pure) --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """One change: the bytes ``start:end`` of the module replaced by ``replacement``. ``scope`` is
    the first and last line of the innermost statement around it: the lines whose tests can see it."""

    line: int
    start: int
    end: int
    replacement: str
    description: str
    scope: tuple[int, int] = (0, 0)


COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
}
SYMBOLS: dict[type[ast.AST], str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.And: "and",
    ast.Or: "or",
}


def mutated_constant(value: object) -> object | None:
    """The constant a mutant puts in place of ``value``; None when it is not mutated."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return f"XX{value}XX"
    return None


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Collector(ast.NodeVisitor):
    def __init__(self, source: bytes) -> None:
        self.source = source
        starts = [0]
        for line in source.splitlines(keepends=True):
            starts.append(starts[-1] + len(line))
        self.line_starts = starts
        self.mutants: list[Mutant] = []
        self.skipped: set[int] = set()
        self.statements: list[ast.stmt] = []

    def visit(self, node: ast.AST) -> None:
        if not isinstance(node, ast.stmt):
            return super().visit(node)
        self.statements.append(node)
        try:
            return super().visit(node)
        finally:
            self.statements.pop()

    # positions are (line, UTF-8 byte column): exactly what ast gives
    def span(self, node: ast.AST) -> tuple[int, int]:
        return (
            self.line_starts[node.lineno - 1] + node.col_offset,  # type: ignore[attr-defined]
            self.line_starts[node.end_lineno - 1] + node.end_col_offset,  # type: ignore[attr-defined]
        )

    def text(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.source[start:end].decode("utf-8")

    def add(self, node: ast.AST, replacement: str, description: str) -> None:
        start, end = self.span(node)
        statement = self.statements[-1]
        scope = (statement.lineno, statement.end_lineno or statement.lineno)
        self.mutants.append(Mutant(node.lineno, start, end, replacement, description, scope))  # type: ignore[attr-defined]

    # what is not code that runs
    def _skip_docstring(self, body: list[ast.stmt]) -> None:
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            self.skipped.add(id(body[0].value))

    def visit_Module(self, node: ast.Module) -> None:
        self._skip_docstring(node.body)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._skip_docstring(node.body)
        for child in (*node.decorator_list, *node.bases, *node.keywords, *node.body):
            self.visit(child)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._skip_docstring(node.body)
        arguments = node.args
        for default in (*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)):
            self.visit(default)
        for child in (*node.decorator_list, *node.body):
            self.visit(child)

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for default in (*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)):
            self.visit(default)
        self.visit(node.body)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        return

    # the operators
    def visit_Constant(self, node: ast.Constant) -> None:
        if id(node) in self.skipped:
            return
        new = mutated_constant(node.value)
        if new is not None:
            self.add(node, repr(new), f"{short(repr(node.value))} -> {short(repr(new))}")

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        # The parts of an f-string have no reliable positions before Python 3.12: change the whole.
        original = self.text(node)
        self.add(node, f"('XX' + {original})", f"{short(original)} -> 'XX' + ...")

    def visit_Compare(self, node: ast.Compare) -> None:
        for index, op in enumerate(node.ops):
            swap = COMPARE_SWAPS.get(type(op))
            if swap is None:
                continue
            ops = [*node.ops]
            ops[index] = swap()
            mutated = ast.Compare(left=node.left, ops=ops, comparators=node.comparators)
            self.add(node, f"({ast.unparse(mutated)})", f"{SYMBOLS[type(op)]} -> {SYMBOLS[swap]}")
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        swap = ast.Or if isinstance(node.op, ast.And) else ast.And
        mutated = ast.BoolOp(op=swap(), values=node.values)
        self.add(node, f"({ast.unparse(mutated)})", f"{SYMBOLS[type(node.op)]} -> {SYMBOLS[swap]}")
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self.add(node, f"({ast.unparse(node.operand)})", f"not removed: {short(self.text(node))}")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        swap = BINOP_SWAPS.get(type(node.op))
        if swap is not None:
            mutated = ast.BinOp(left=node.left, op=swap(), right=node.right)
            self.add(node, f"({ast.unparse(mutated)})", f"{SYMBOLS[type(node.op)]} -> {SYMBOLS[swap]}")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        swap = BINOP_SWAPS.get(type(node.op))
        if swap is not None:
            mutated = ast.AugAssign(target=node.target, op=swap(), value=node.value)
            self.add(node, ast.unparse(mutated), f"{SYMBOLS[type(node.op)]}= -> {SYMBOLS[swap]}=")
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        value = node.value
        if value is not None and not (isinstance(value, ast.Constant) and value.value is None):
            self.add(node, "return None", f"return {short(ast.unparse(value), 40)} -> return None")
        self.generic_visit(node)


def apply(source: bytes, mutant: Mutant) -> bytes:
    return source[: mutant.start] + mutant.replacement.encode("utf-8") + source[mutant.end :]


def generate(source: str | bytes) -> tuple[list[Mutant], int]:
    """The mutants of a module, in source order, and how many were dropped for not compiling."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    collector = _Collector(data)
    collector.visit(ast.parse(data))
    kept: list[Mutant] = []
    dropped = 0
    for mutant in sorted(collector.mutants, key=lambda m: (m.start, m.end, m.description)):
        try:
            compile(apply(data, mutant), "<mutant>", "exec", dont_inherit=True)
        except SyntaxError:
            dropped += 1
        else:
            kept.append(mutant)
    return kept, dropped


def covering_tests(hits: dict[int, list[str]], scope: tuple[int, int]) -> list[str] | None:
    """The tests that run a line of ``scope``, in the order they first did; None when a line of it
    runs outside any test (import or collection: every test may depend on it)."""
    tests: dict[str, None] = {}
    for line in range(scope[0], scope[1] + 1):
        for test in hits.get(line, ()):
            if test == "":
                return None
            tests[test] = None
    return list(tests)


def _bound_names(statement: ast.stmt) -> set[str]:
    """The names a statement binds at its own level: assignment targets, a def's or class's name."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        targets = [statement.target]
    return {node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)}


def _innermost(body: list[ast.stmt], line: int) -> list[ast.stmt]:
    """The statements around ``line``, outermost first."""
    for statement in body:
        if statement.lineno <= line <= (statement.end_lineno or statement.lineno):
            inner: list[ast.stmt] = []
            for field_name in ("body", "orelse", "finalbody", "handlers"):
                inner = _innermost(getattr(statement, field_name, []), line)
                if inner:
                    break
            return [statement, *inner]
    return []


def import_time_tests(source: str | bytes, hits: dict[int, list[str]], scope: tuple[int, int]) -> list[str]:
    """The tests most likely to see a mutant in code that runs at import.

    A def's default or decorator: the tests that run the function's body. A module or class constant,
    or a statement of a function called at import: the tests that run a line naming the constant or
    the function (as a name or an attribute), following the module-level statements built from it.
    Only an ordering for a quick kill: a mutant these tests do not kill still runs the whole subset."""
    tree = ast.parse(source)
    around = _innermost(tree.body, scope[0])
    if not around:
        return []
    statement = around[-1]
    lines: set[int] = set()
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.lineno == scope[0]:
        first = statement.body[0].lineno
        lines = set(range(first, (statement.end_lineno or first) + 1))
    else:
        # The statement's own names, else those of the def or class around it (a function called at import).
        names: set[str] = set()
        for enclosing in reversed(around):
            names = _bound_names(enclosing)
            if names:
                break
        changed = True
        while changed:  # CONSTANT_B = f(CONSTANT_A): a change to A reaches B's users too
            changed = False
            for other in tree.body:
                if other is around[0] or _bound_names(other) <= names:
                    continue
                if any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(other)):
                    names |= _bound_names(other)
                    changed = True
        for node in ast.walk(tree):
            if (isinstance(node, ast.Name) and node.id in names) or (
                isinstance(node, ast.Attribute) and node.attr in names
            ):
                lines.add(node.lineno)
    tests: dict[str, None] = {}
    for line in sorted(lines):
        for test in hits.get(line, ()):
            if test:
                tests[test] = None
    return list(tests)


# --- results and report (pure) ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    line: int
    description: str
    status: str  # "killed", "timeout" (counted as killed) or "survived"
    seconds: float
    tests: str = ""  # which tests ran


@dataclass
class ModuleResult:
    name: str
    path: str
    generated: int = 0
    baseline_seconds: float = 0.0
    seconds: float = 0.0
    dropped: int = 0
    failing: list[str] = field(default_factory=list)  # tests that fail without any mutant, left out
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def killed(self) -> int:
        return sum(o.status != "survived" for o in self.outcomes)

    @property
    def survivors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "survived"]

    @property
    def score(self) -> float | None:
        return self.killed / len(self.outcomes) if self.outcomes else None


def report(results: list[ModuleResult], *, rev: str) -> str:
    lines = [f"Mutation score at {rev}", ""]
    header = f"{'module':<20} {'mutants':>7} {'killed':>6} {'survived':>8} {'score':>7} {'time':>8}"
    lines += [header, "-" * len(header)]
    for result in results:
        score = "-" if result.score is None else f"{result.score:.1%}"
        lines.append(
            f"{result.name:<20} {len(result.outcomes):>7} {result.killed:>6} {len(result.survivors):>8}"
            f" {score:>7} {_minutes(result.seconds):>8}"
        )
    total = [o for r in results for o in r.outcomes]
    if total:
        killed = sum(o.status != "survived" for o in total)
        lines.append(f"{'total':<20} {len(total):>7} {killed:>6} {len(total) - killed:>8} {killed / len(total):>7.1%}")
    for result in results:
        if result.survivors:
            lines += ["", f"Survivors in {result.name} ({result.path}):"]
            lines += [f"  {result.path}:{o.line}: {o.description} ({o.tests})" for o in result.survivors]
    for result in results:
        if result.failing:
            lines += ["", f"Left out of {result.name}'s runs, failing without any mutant:"]
            lines += [f"  {test}" for test in result.failing]
    dropped = sum(r.dropped for r in results)
    if dropped:
        lines += ["", f"{dropped} mutant(s) dropped because they do not compile."]
    return "\n".join(lines)


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


# --- running (impure) ------------------------------------------------------------------------------------------


def scratch_copy(rev: str, destination: Path) -> str:
    """The tree of ``rev`` in ``destination``; returns the commit id."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=REPO_ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=REPO_ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        # The "data" filter exists from Python 3.11.4 on; the archive is our own commit either way.
        if hasattr(tarfile, "data_filter"):
            tar.extractall(destination, filter="data")
        else:
            tar.extractall(destination)
    return commit


#: pytest's exit codes: 0 every test passed, 1 some failed, 2 interrupted (a collection error, such
#: as a mutant that does not import), 3 internal error, 4 usage error (a test id not found), 5 none collected.
PASSED, FAILED, INTERRUPTED = 0, 1, 2


class _Children:
    """The pytest processes running now, so a stopped run can stop them too."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self.stopping = threading.Event()

    def add(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._running.add(process)
        if self.stopping.is_set():
            self.kill(process)

    def discard(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._running.discard(process)

    def stop(self) -> None:
        self.stopping.set()
        with self._lock:
            for process in self._running:
                self.kill(process)

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        """The process and, when it leads a session of its own (a worker), everything it started."""
        try:
            if os.getsid(process.pid) == process.pid:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
        except ProcessLookupError:
            pass


CHILDREN = _Children()


def run_tests(
    tree: Path,
    tests: list[str] | tuple[str, ...],
    timeout: float | None,
    env: dict[str, str] | None = None,
    flags: tuple[str, ...] = PYTEST_FLAGS,
) -> tuple[int | None, float]:
    """pytest's exit code (None: stopped at ``timeout``) and the seconds it took."""
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", *tests, *flags],
        cwd=tree,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    CHILDREN.add(process)
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None, time.monotonic() - started
    finally:
        CHILDREN.discard(process)
    return code, time.monotonic() - started


class Worker:
    """A pytest process that stays up in one copy of the tree (tools/mutate_worker.py) and runs the
    tests of one mutant after another, importing the project and the tests afresh each time. A run
    that passes its time limit kills the process, and the next run starts a new one."""

    def __init__(self, tree: Path) -> None:
        self.tree = tree
        self._process: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "tools" / "mutate_worker.py")],
            cwd=self.tree,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # a kill reaches the Node.js process jsii started too
        )
        CHILDREN.add(process)
        return process

    def run(self, tests: list[str] | tuple[str, ...], timeout: float) -> tuple[int | None, float]:
        """pytest's exit code (None: stopped at ``timeout``) and the seconds it took."""
        started = time.monotonic()
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        answer: list[bytes] = []
        reader = threading.Thread(target=lambda: answer.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        try:
            process.stdin.write(json.dumps([*tests, *PYTEST_FLAGS]).encode() + b"\n")
            process.stdin.flush()
        except BrokenPipeError:
            answer.append(b"")
        else:
            reader.start()
            reader.join(timeout)
        timed_out = reader.is_alive()
        if timed_out or not answer or not answer[0].strip():
            self.stop()
            # No answer in time is a timeout; a process that died (a mutant that ends the interpreter) a failure.
            return (None if timed_out else INTERRUPTED), time.monotonic() - started
        return int(answer[0]), time.monotonic() - started

    def stop(self) -> None:
        if self._process is not None:
            CHILDREN.kill(self._process)
            self._process.wait()
            CHILDREN.discard(self._process)
            self._process = None


@dataclass
class Traced:
    """What the unmutated, traced run of a subset found."""

    hits: dict[int, list[str]]  # line -> the tests that ran it ("" for outside any test)
    failing: list[str]  # tests that fail without any mutant: left out of every mutant's run
    durations: dict[str, float]  # test -> seconds, traced
    seconds: float

    def fastest_first(self, tests: list[str]) -> list[str]:
        """With -x a run stops at the first test that fails, and a mutant is usually seen by several:
        the quick ones first."""
        return sorted(tests, key=lambda test: self.durations.get(test, 0.0))


def trace(tree: Path, tests: tuple[str, ...], paths: list[str]) -> dict[str, Traced]:
    """Run the subset ``tests`` once, unmutated and to the end, recording for each module of ``paths``
    which tests run each of its lines, and how long each test takes and which fail already. Modules
    with the same subset share one traced run."""
    out = tree / ".mutate-trace.json"
    env = {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT / "tools"), os.environ.get("PYTHONPATH")])),
        "MUTATE_TRACE_TARGET": os.pathsep.join(str(tree / path) for path in paths),
        "MUTATE_TRACE_OUT": str(out),
    }
    flags = tuple(flag for flag in PYTEST_FLAGS if flag != "-x")
    code, seconds = run_tests(tree, (*tests, "-p", "mutate_trace"), None, env, flags)
    if code not in (PASSED, FAILED) or not out.exists():
        raise SystemExit(f"the unmutated run of {' '.join(tests)} stopped (pytest exit code {code})")
    recorded = json.loads(out.read_text())
    out.unlink()
    failed = recorded["failed"]
    traced = {}
    for path in paths:
        lines = recorded["lines"][str(tree / path)]
        hits = {int(line): [t for t in ids if t not in failed] for line, ids in lines.items()}
        traced[path] = Traced(hits, failed, recorded["durations"], seconds)
    return traced


def test_roots(tests: tuple[str, ...]) -> frozenset[str]:
    """The paths of a subset that no other path of it contains: two subsets with the same roots run
    the same tests."""
    return frozenset(
        path for path in tests if not any(other != path and path.startswith(other.rstrip("/") + "/") for other in tests)
    )


def mutate_module(
    trees: list[Path],
    target: Target,
    *,
    log: Callable[[str], None] = print,
    on_outcome=None,
    timeout: float | None = None,
    traced: Traced | None = None,
) -> ModuleResult:
    """Each mutant runs the tests that run its statement with -x; a mutant in code run at import runs
    the tests most likely to see it, then, when they pass, all of the subset; a mutant whose statement
    no test runs survives without a run. One mutant at a time in each of ``trees`` (identical copies),
    each with a pytest worker; ``timeout``: the seconds a mutant's run may take (default: twice the
    traced run, plus a minute); ``traced``: the traced run of the module's subset (default: one now)."""
    path = trees[0] / target.path
    original = path.read_bytes()
    mutants, dropped = generate(original)
    result = ModuleResult(target.name, target.path, generated=len(mutants), dropped=dropped)
    started = time.monotonic()
    if traced is None:
        traced = trace(trees[0], target.tests, [target.path])[target.path]
    hits, result.failing, result.baseline_seconds = traced.hits, traced.failing, traced.seconds
    everything = [*target.tests, *(f"--deselect={test}" for test in result.failing)]
    for test in result.failing:
        log(f"==> {target.name}: left out, fails without any mutant: {test}")
    # A mutant that makes a test loop or wait is stopped and counted killed; tracing is the slow run.
    limit = 2 * result.baseline_seconds + 60 if timeout is None else timeout
    log(
        f"==> {target.name}: {len(mutants)} mutants; the subset takes {result.baseline_seconds:.0f}s traced;"
        f" {len(trees)} at a time"
    )
    free: queue.Queue[Worker] = queue.Queue()
    workers = [Worker(tree) for tree in trees]
    # Unmutated, the quickest tests must pass in each worker too: otherwise every mutant would look killed.
    users = traced.fastest_first([test for test in dict.fromkeys(t for ids in hits.values() for t in ids) if test])
    for worker in workers:
        if users:
            code, _ = worker.run(users[:5], max(limit, 120))  # the first run starts the worker
            if code != PASSED:
                for each in workers:
                    each.stop()
                raise SystemExit(
                    f"{target.name}: unmutated, {' '.join(users[:5])} did not pass in a pytest worker (exit code"
                    f" {code}) though they passed in the traced run; every mutant would look killed"
                )
        free.put(worker)

    def run(mutant: Mutant) -> Outcome:
        tests = covering_tests(hits, mutant.scope)
        if tests == []:
            return Outcome(mutant.line, mutant.description, "survived", 0.0, "no test runs it")
        # Code run at import can change any test: the likeliest tests first (a quick kill), then,
        # when they pass, the whole subset decides.
        if tests is None:
            likely = import_time_tests(original, hits, mutant.scope)
            # The second stage leaves out what the first ran and passed.
            rest = [*everything, *(f"--deselect={test}" for test in likely)]
            stages = [traced.fastest_first(likely), rest] if likely else [everything]
            note = f"run at import: {len(likely)} likely test(s), then the rest of the subset"
        else:
            stages = [traced.fastest_first(tests)]
            note = f"{len(tests)} test(s)"
        worker = free.get()
        mutated = worker.tree / target.path
        seconds = 0.0
        code: int | None = PASSED
        try:
            mutated.write_bytes(apply(original, mutant))
            for stage in stages:
                if CHILDREN.stopping.is_set():
                    break
                code, took = worker.run(stage, limit)
                seconds += took
                if code not in (PASSED, FAILED, INTERRUPTED, None):  # a test id pytest did not find
                    code, took = worker.run(everything, limit)
                    seconds += took
                    note = f"all of the subset (exit code {code} with the selection)"
                if code != PASSED:
                    break
        finally:
            mutated.write_bytes(original)
            free.put(worker)
        status = {PASSED: "survived", None: "timeout"}.get(code, "killed")
        return Outcome(mutant.line, mutant.description, status, round(seconds, 1), note)

    done: dict[int, Outcome] = {}
    pool = ThreadPoolExecutor(max_workers=len(trees))
    try:
        futures = {pool.submit(run, mutant): number for number, mutant in enumerate(mutants)}
        for future in as_completed(futures):
            number = futures[future]
            if CHILDREN.stopping.is_set():
                break
            outcome = future.result()
            done[number] = outcome
            result.outcomes = [done[n] for n in sorted(done)]
            result.seconds = time.monotonic() - started
            log(
                f"[{len(done)}/{len(mutants)}] {target.path}:{outcome.line}: {outcome.description}: {outcome.status}"
                f" ({outcome.tests}, {outcome.seconds:.0f}s)"
            )
            if on_outcome is not None:
                on_outcome(result)
    except BaseException:
        CHILDREN.stop()  # the pytest processes under way, and no new ones
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for worker in workers:
            worker.stop()
    result.seconds = time.monotonic() - started
    return result


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    names = [t.name for t in TARGETS]
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--module",
        action="append",
        choices=names,
        help="only this module (repeatable; default: all, in the listed order)",
    )
    parser.add_argument("--rev", default="HEAD", help="the commit to measure (default: HEAD)")
    parser.add_argument("--list", action="store_true", help="print the mutants and stop")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--jobs",
        type=_positive,
        default=os.cpu_count() or 1,
        help="mutants tested at once, each in its own copy of the tree (default: the number of CPUs)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    targets = [t for t in TARGETS if not args.module or t.name in args.module]

    if args.list:
        for target in targets:
            mutants, dropped = generate((REPO_ROOT / target.path).read_bytes())
            print(
                f"{target.name} ({target.path}): {len(mutants)} mutants, {dropped} dropped;"
                f" tests: {' '.join(target.tests)}"
            )
            for mutant in mutants:
                print(f"  {target.path}:{mutant.line}: {mutant.description}")
        return 0

    # Stopped with kill: unwind, so the scratch copy is removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="mutate-") as scratch:
        trees = [Path(scratch) / str(number) for number in range(args.jobs)]
        commit = scratch_copy(args.rev, trees[0])
        for tree in trees[1:]:
            shutil.copytree(trees[0], tree, symlinks=True)
        print(f"==> Mutating {', '.join(t.name for t in targets)} at {commit[:12]} in {scratch}", flush=True)
        done: list[ModuleResult] = []
        running: list[ModuleResult] = []

        def save(current: ModuleResult) -> None:
            # After every mutant, so an interrupted run keeps what it measured.
            running[:] = [current]
            if args.json:
                modules = [_as_json(r) for r in (*done, current)]
                args.json.write_text(json.dumps({"commit": commit, "modules": modules}, indent=2) + "\n")

        traces: dict[str, Traced] = {}
        try:
            for target in targets:
                if target.path not in traces:
                    # One traced run for every selected module with the same subset (most share one).
                    group = [t for t in targets if test_roots(t.tests) == test_roots(target.tests)]
                    print(f"==> Tracing {' '.join(target.tests)} for {', '.join(t.name for t in group)}", flush=True)
                    traces.update(trace(trees[0], target.tests, [t.path for t in group]))
                done.append(
                    mutate_module(
                        trees,
                        target,
                        log=lambda text: print(text, flush=True),
                        on_outcome=save,
                        traced=traces[target.path],
                    )
                )
                running.clear()
        except (KeyboardInterrupt, SystemExit) as stop:
            if not (done or running) or stop.args[:1] not in ((), (143,)):
                raise
            print(f"\nStopped during {running[0].name}." if running else f"\nStopped after {done[-1].name}.")
            for partial in running:
                partial.name += f" ({len(partial.outcomes)} of {partial.generated})"
            print(report([*done, *running], rev=commit[:12]))
            return 130
    print()
    print(report(done, rev=commit[:12]))
    return 0


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return number


def _as_json(result: ModuleResult) -> dict:
    return {
        **asdict(result),
        "mutants": len(result.outcomes),
        "killed": result.killed,
        "survived": len(result.survivors),
        "score": result.score,
    }


if __name__ == "__main__":
    sys.exit(main())
