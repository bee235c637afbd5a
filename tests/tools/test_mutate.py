"""tools/mutate.py: the mutants it makes, the tests it picks for each, its report, and whole runs over toy modules."""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

_SPEC = importlib.util.spec_from_file_location("mutate_tool", REPO_ROOT / "tools" / "mutate.py")
assert _SPEC is not None and _SPEC.loader is not None
mutate = importlib.util.module_from_spec(_SPEC)
sys.modules["mutate_tool"] = mutate  # dataclasses look their module up
_SPEC.loader.exec_module(mutate)

SOURCE = '''"""Module docstring."""
from __future__ import annotations

__all__ = ["check"]
LIMIT: int = 40


def check(value: str, count: int = 2) -> bool:
    """Function docstring."""
    if not value or count >= LIMIT:
        return False
    count += 1
    return value in ("a", "b") and count * 2 == 6
'''


def mutated_lines(source: str) -> list[tuple[int, str, str]]:
    """(line, description, the mutated line) of every mutant of ``source``."""
    mutants, dropped = mutate.generate(source)
    assert dropped == 0
    return [
        (m.line, m.description, mutate.apply(source.encode(), m).decode().splitlines()[m.line - 1]) for m in mutants
    ]


def test_each_operator_is_applied_once_where_it_occurs() -> None:
    assert mutated_lines(SOURCE) == [
        (5, "40 -> 41", "LIMIT: int = 41"),
        (8, "2 -> 3", "def check(value: str, count: int = 3) -> bool:"),
        (10, "not removed: not value", "    if (value) or count >= LIMIT:"),
        (10, "or -> and", "    if (not value and count >= LIMIT):"),
        (10, ">= -> >", "    if not value or (count > LIMIT):"),
        (11, "return False -> return None", "        return None"),
        (11, "False -> True", "        return True"),
        (12, "+= -> -=", "    count -= 1"),
        (12, "1 -> 2", "    count += 2"),
        (13, "return value in ('a', 'b') and count * 2 == 6 -> return None", "    return None"),
        (13, "in -> not in", "    return (value not in ('a', 'b')) and count * 2 == 6"),
        (13, "and -> or", "    return (value in ('a', 'b') or count * 2 == 6)"),
        (13, "'a' -> 'XXaXX'", "    return value in ('XXaXX', \"b\") and count * 2 == 6"),
        (13, "'b' -> 'XXbXX'", "    return value in (\"a\", 'XXbXX') and count * 2 == 6"),
        (13, "* -> /", '    return value in ("a", "b") and (count / 2) == 6'),
        (13, "== -> !=", '    return value in ("a", "b") and (count * 2 != 6)'),
        (13, "2 -> 3", '    return value in ("a", "b") and count * 3 == 6'),
        (13, "6 -> 7", '    return value in ("a", "b") and count * 2 == 7'),
    ]


def test_docstrings_annotations_imports_and_all_are_not_mutated() -> None:
    descriptions = " ".join(description for _, description, _ in mutated_lines(SOURCE))
    for untouched in ("docstring", "annotations", "check", "str", "int", "bool"):
        assert untouched not in descriptions


def test_every_comparison_and_binary_operator_has_its_swap() -> None:
    lines = mutated_lines("a < b; a <= b; a > b; a >= b; a == b; a != b; a in b; a not in b; a is b; a is not b\n")
    assert [description for _, description, _ in lines] == [
        "< -> <=",
        "<= -> <",
        "> -> >=",
        ">= -> >",
        "== -> !=",
        "!= -> ==",
        "in -> not in",
        "not in -> in",
        "is -> is not",
        "is not -> is",
    ]
    lines = mutated_lines("a + b; a - b; a * b; a / b; a // b; a % b\n")
    assert [description for _, description, _ in lines] == [
        "+ -> -",
        "- -> +",
        "* -> /",
        "/ -> *",
        "// -> /",
        "% -> //",
    ]


def test_a_chained_comparison_gets_one_mutant_per_operator() -> None:
    mutants = [m for m in mutate.generate("ok = 0 < x <= 9\n")[0] if "<" in m.description]
    assert [mutate.apply(b"ok = 0 < x <= 9\n", m).decode() for m in mutants] == [
        "ok = (0 <= x <= 9)\n",
        "ok = (0 < x < 9)\n",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, False),
        (False, True),
        (0, 1),
        (41, 42),
        (1.5, 2.5),
        ("", "XXXX"),
        ("s3:*", "XXs3:*XX"),
        (None, None),
        (b"x", None),
    ],
)
def test_constants(value: object, expected: object) -> None:
    assert mutate.mutated_constant(value) == expected


def test_f_strings_are_changed_whole_and_unicode_positions_hold() -> None:
    source = 'message = f"café {name!r}: é"  # é\n'
    (mutant,) = mutate.generate(source)[0]
    assert mutant.description == "f\"café {name!r}: é\" -> 'XX' + ..."
    assert mutate.apply(source.encode(), mutant).decode() == "message = ('XX' + f\"café {name!r}: é\")  # é\n"


def test_return_none_is_not_mutated_to_itself() -> None:
    assert mutated_lines("def f():\n    return None\n\ndef g():\n    return\n") == []


@pytest.mark.parametrize("name", ["log_delivery", "flow_log_fields", "config_types"])
def test_every_mutant_of_a_target_compiles_and_differs_from_the_original(name: str) -> None:
    for target in (t for t in mutate.TARGETS if t.name == name):
        source = (REPO_ROOT / target.path).read_bytes()
        mutants, dropped = mutate.generate(source)
        assert mutants and dropped == 0, target.name
        for mutant in mutants:
            assert mutate.apply(source, mutant) != source, (target.name, mutant)


def test_scope_is_the_innermost_statement() -> None:
    source = "def f(x=1):\n    if x:\n        y = [\n            2,\n        ]\n    return y\n"
    scopes = {m.description: m.scope for m in mutate.generate(source)[0]}
    assert scopes["1 -> 2"] == (1, 6)  # a default is evaluated where the function is defined
    assert scopes["2 -> 3"] == (3, 5)
    assert scopes["return y -> return None"] == (6, 6)


def test_covering_tests_in_first_run_order_none_when_run_outside_a_test() -> None:
    hits = {3: ["t::b", "t::a"], 4: ["t::a", "t::c"], 7: ["", "t::a"]}
    assert mutate.covering_tests(hits, (3, 5)) == ["t::b", "t::a", "t::c"]
    assert mutate.covering_tests(hits, (5, 6)) == []
    assert mutate.covering_tests(hits, (6, 7)) is None


def test_subsets_with_the_same_roots_share_a_trace() -> None:
    construct = mutate.TARGETS[0].tests  # its own test file first, then the directories
    assert mutate.test_roots(construct) == frozenset({"tests/constructs", "tests/config", "tests/stacks"})
    roots = {mutate.test_roots(target.tests) for target in mutate.TARGETS}
    assert roots == {frozenset({"tests/constructs", "tests/config", "tests/stacks"}), frozenset({"tests/handlers"})}
    assert mutate.test_roots(("tests/a", "tests/ab/test_x.py")) == frozenset({"tests/a", "tests/ab/test_x.py"})


def test_the_quickest_tests_run_first_and_an_untimed_one_counts_as_quickest() -> None:
    traced = mutate.Traced(hits={}, failing=[], durations={"t::slow": 3.0, "t::quick": 0.1, "t::mid": 1.0}, seconds=4)
    assert traced.fastest_first(["t::slow", "t::mid", "t::new", "t::quick"]) == [
        "t::new",
        "t::quick",
        "t::mid",
        "t::slow",
    ]


def test_report_gives_counts_score_time_and_each_survivor() -> None:
    first = mutate.ModuleResult("first", "pkg/first.py", generated=3, seconds=75)
    first.outcomes = [
        mutate.Outcome(3, "< -> <=", "killed", 1.0),
        mutate.Outcome(4, "'a' -> 'XXaXX'", "survived", 2.0, "2 test(s)"),
        mutate.Outcome(9, "True -> False", "timeout", 9.0),
    ]
    second = mutate.ModuleResult("second", "pkg/second.py", generated=1, seconds=5)
    second.outcomes = [mutate.Outcome(1, "1 -> 2", "killed", 1.0)]
    text = mutate.report([first, second], rev="0123456789ab")
    assert text.splitlines()[0] == "Mutation score at 0123456789ab"
    assert "first                      3      2        1   66.7%    1m15s" in text
    assert "second                     1      1        0  100.0%    0m05s" in text
    assert "total                      4      3        1   75.0%" in text
    assert "Survivors in first (pkg/first.py):\n  pkg/first.py:4: 'a' -> 'XXaXX' (2 test(s))" in text
    assert "Survivors in second" not in text
    assert "Left out" not in text
    first.failing = ["tests/x.py::test_broken"]
    assert "Left out of first's runs, failing without any mutant:\n  tests/x.py::test_broken" in mutate.report(
        [first], rev="0"
    )
    assert first.score == pytest.approx(2 / 3)
    assert mutate.ModuleResult("empty", "x.py").score is None


def test_targets_exist_and_their_subsets_are_fast_tests() -> None:
    names = [target.name for target in mutate.TARGETS]
    assert len(set(names)) == len(names)
    assert names[-2:] == ["flow_log_fields", "handler"]
    for target in mutate.TARGETS:
        assert (REPO_ROOT / target.path).is_file(), target.path
        for test_path in target.tests:
            assert (REPO_ROOT / test_path).exists(), test_path
            assert not test_path.startswith(("tests/e2e", "tests/package", "tests/gates", "tests/bench"))
    assert {"-x", "not slow", "no:cacheprovider"} <= set(mutate.PYTEST_FLAGS)


def test_make_mutate_runs_the_driver_and_is_not_part_of_make_test() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    recipe = makefile.split("\nmutate:", 1)[1].split("\n\n", 1)[0]
    assert "tools/mutate.py" in recipe and "$(DEV_STAMP)" in recipe.splitlines()[0]
    test_recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "mutate" not in test_recipe


IMPORT_TIME = """LIMIT = 40
DOUBLE_LIMIT = LIMIT * 2


class Rules:
    WIDTH = 3

    def wide(self, text):
        return len(text) > self.WIDTH


def check(value, count=2):
    if value:
        return count < DOUBLE_LIMIT
    return False


def build():
    return [1, 2]


TABLE = build()


def table():
    return TABLE
"""


def _scope_of(description: str, line: int) -> tuple[int, int]:
    mutants = [m for m in mutate.generate(IMPORT_TIME)[0] if m.description == description and m.line == line]
    assert len(mutants) == 1, (description, line)
    return mutants[0].scope


def test_likely_tests_of_a_mutant_run_at_import() -> None:
    hits = {
        1: [""],
        2: [""],
        6: [""],
        9: ["t::wide"],
        12: [""],
        13: ["t::check", "t::check_false"],
        14: ["t::check"],
        15: ["t::check_false"],
        18: [""],
        19: [""],
        22: [""],
        25: [""],
        26: ["t::table"],
    }
    # A constant: the tests that run a line naming it, and those naming what is built from it.
    assert mutate.import_time_tests(IMPORT_TIME, hits, _scope_of("40 -> 41", 1)) == ["t::check"]
    # A class attribute, read as an attribute.
    assert mutate.import_time_tests(IMPORT_TIME, hits, _scope_of("3 -> 4", 6)) == ["t::wide"]
    # A default: the tests that run the function's body.
    assert mutate.import_time_tests(IMPORT_TIME, hits, _scope_of("2 -> 3", 12)) == ["t::check", "t::check_false"]
    # A function called at import: what is built from its result.
    assert mutate.import_time_tests(IMPORT_TIME, hits, _scope_of("1 -> 2", 19)) == ["t::table"]
    # Outside any statement of the module: nothing likelier than the rest.
    assert mutate.import_time_tests(IMPORT_TIME, hits, (40, 40)) == []


def test_jobs_must_be_a_whole_number_of_one_or_more(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("0", "-1", "two"):
        with pytest.raises(SystemExit) as stopped:
            mutate.main(["--list", "--jobs", bad])
        assert stopped.value.code == 2
        assert f"argument --jobs: expected a whole number of 1 or more, got '{bad}'" in capsys.readouterr().err


TOY = """LIMIT = 3
NAME = "toy"


def over(values):
    return len(values) > LIMIT


def label():
    print(NAME + "!")


def unused():
    return 1
"""

TOY_TESTS = """import toy


def test_over():
    assert toy.over([1, 2, 3, 4]) is True
    assert toy.over([1, 2, 3]) is False


def test_label_runs():
    toy.label()


def test_name():
    assert toy.NAME == "toy"


def test_broken():
    assert False
"""


def test_a_module_is_measured_two_mutants_at_a_time(tmp_path: Path) -> None:
    trees = [tmp_path / "0", tmp_path / "1"]
    for tree in trees:
        tree.mkdir()
        (tree / "toy.py").write_text(TOY)
        (tree / "test_toy.py").write_text(TOY_TESTS)
    logged: list[str] = []
    result = mutate.mutate_module(trees, mutate.Target("toy", "toy.py", ("test_toy.py",)), log=logged.append)
    outcomes = [(o.line, o.description, o.status, o.tests) for o in result.outcomes]
    assert outcomes == [
        (1, "3 -> 4", "killed", "run at import: 1 likely test(s), then the rest of the subset"),
        # test_label_runs names NAME and passes; test_name, in the rest of the subset, kills it.
        (2, "'toy' -> 'XXtoyXX'", "killed", "run at import: 1 likely test(s), then the rest of the subset"),
        (6, "return len(values) > LIMIT -> return None", "killed", "1 test(s)"),
        (6, "> -> >=", "killed", "1 test(s)"),
        (10, "+ -> -", "killed", "1 test(s)"),
        (10, "'!' -> 'XX!XX'", "survived", "1 test(s)"),
        (14, "return 1 -> return None", "survived", "no test runs it"),
        (14, "1 -> 2", "survived", "no test runs it"),
    ]
    assert result.failing == ["test_toy.py::test_broken"]
    assert (result.generated, result.killed, len(result.survivors)) == (8, 5, 3)
    assert logged[0] == "==> toy: left out, fails without any mutant: test_toy.py::test_broken"
    assert logged[1].startswith("==> toy: 8 mutants; the subset takes ") and logged[1].endswith("traced; 2 at a time")
    assert sorted(int(line.split("/")[0][1:]) for line in logged[2:]) == list(range(1, 9))
    for tree in trees:  # every mutant was taken out again
        assert (tree / "toy.py").read_text() == TOY


SPIN = """def count_down(n):
    while n > 0:
        n -= 1
    return n
"""

SPIN_TESTS = """import spin


def test_count_down():
    assert spin.count_down(3) == 0
"""


def test_a_mutant_that_never_ends_is_stopped_counted_killed_and_the_next_runs_in_a_new_worker(tmp_path: Path) -> None:
    (tmp_path / "spin.py").write_text(SPIN)
    (tmp_path / "test_spin.py").write_text(SPIN_TESTS)
    result = mutate.mutate_module(
        [tmp_path], mutate.Target("spin", "spin.py", ("test_spin.py",)), log=lambda _: None, timeout=3
    )
    outcomes = {o.description: o.status for o in result.outcomes}
    # n += 1 counts up for ever; the worker that ran it is killed, and a new one runs the rest.
    assert outcomes["-= -> +="] == "timeout"
    assert outcomes["> -> >="] == "killed"  # n -1 at the end
    assert outcomes["return n -> return None"] == "killed"
    assert result.killed == len(result.outcomes) == 5
    assert (tmp_path / "spin.py").read_text() == SPIN


def test_tests_that_pass_only_in_the_traced_run_stop_the_run_before_any_mutant(tmp_path: Path) -> None:
    (tmp_path / "toy.py").write_text(TOY)
    # Passes in the traced run (its environment names the trace file), fails in a worker.
    (tmp_path / "test_toy.py").write_text(
        "import os\n\nimport toy\n\n\ndef test_over():\n    assert toy.over([1, 2, 3, 4])\n"
        '    assert "MUTATE_TRACE_OUT" in os.environ\n'
    )
    logged: list[str] = []
    with pytest.raises(SystemExit) as stopped:
        mutate.mutate_module([tmp_path], mutate.Target("toy", "toy.py", ("test_toy.py",)), log=logged.append)
    assert str(stopped.value) == (
        "toy: unmutated, test_toy.py::test_over did not pass in a pytest worker (exit code 1) though they passed"
        " in the traced run; every mutant would look killed"
    )
    assert not any(line.startswith("[") for line in logged)
    assert (tmp_path / "toy.py").read_text() == TOY


def test_defaults_every_module_at_head_one_job_per_cpu_no_json() -> None:
    args = mutate.arguments([])
    assert (args.module, args.rev, args.list, args.json) == (None, "HEAD", False, None)
    assert args.jobs == (os.cpu_count() or 1)
    assert mutate.arguments(["--jobs", "3", "--module", "handler"]).jobs == 3


SLEEPER_TESTS = """import subprocess
import sys


def test_sleeps_with_a_child():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    with open("child.pid", "w") as out:
        out.write(str(child.pid))
    child.wait()
"""


def test_stopping_kills_each_worker_and_what_it_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mutate, "CHILDREN", mutate._Children())  # a stop is for good: not the module's own
    (tmp_path / "test_sleeper.py").write_text(SLEEPER_TESTS)
    worker = mutate.Worker(tmp_path)
    answers: list[tuple[int | None, float]] = []
    running = threading.Thread(target=lambda: answers.append(worker.run(["test_sleeper.py"], 120)))
    running.start()
    pid_file = tmp_path / "child.pid"
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the test never started its child"
        time.sleep(0.05)
    child = int(pid_file.read_text())

    mutate.CHILDREN.stop()  # what Ctrl-C or kill does
    running.join(30)

    assert not running.is_alive()
    assert answers[0][0] == mutate.INTERRUPTED and answers[0][1] < 30
    deadline = time.monotonic() + 10
    while _alive(child):
        assert time.monotonic() < deadline, "the test's child outlived the stop"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child of a killed worker is reparented and reaped; a zombie counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False
