"""pytest plugin of tools/mutate.py: which tests run each line of the modules being mutated.

Loaded with ``-p mutate_trace`` (tools/ on PYTHONPATH). ``MUTATE_TRACE_TARGET`` names the modules'
files (separated by os.pathsep), ``MUTATE_TRACE_OUT`` the JSON file written at the end: ``{"lines":
{file: {line: [test ids]}}, "failed": [test ids], "durations": {test id: seconds}}``, where the id ""
stands for a line run outside any test (at import or collection), which every test may depend on,
"failed" lists the tests that fail without any mutant, and "durations" is each test's setup, call and
teardown, traced.

The tracer is installed when pytest loads the plugin, before the tests and conftest files import
anything, and only follows frames of the target files. It is put back before each test when something
turned it off: CPython unsets a trace function that raises, as one does when a test recurses until
RecursionError on purpose, and every later test would otherwise go unrecorded.
"""

from __future__ import annotations

import json
import os
import sys
import threading

import pytest

_TARGETS = os.environ["MUTATE_TRACE_TARGET"].split(os.pathsep)
_OUT = os.environ["MUTATE_TRACE_OUT"]
#: Each file name a frame may carry (as given, and resolved) -> the target as named.
_FILES = {**{target: target for target in _TARGETS}, **{os.path.realpath(target): target for target in _TARGETS}}
_current: list[str] = [""]
_hits: dict[str, dict[int, dict[str, None]]] = {target: {} for target in _TARGETS}
_failed: dict[str, None] = {}
_durations: dict[str, float] = {}


def _local(frame, event, arg):
    if event == "line":
        _hits[_FILES[frame.f_code.co_filename]].setdefault(frame.f_lineno, {})[_current[0]] = None
    return _local


def _global(frame, event, arg):
    target = _FILES.get(frame.f_code.co_filename)
    if target is not None:
        _hits[target].setdefault(frame.f_lineno, {})[_current[0]] = None
        return _local
    return None


sys.settrace(_global)
threading.settrace(_global)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if sys.gettrace() is not _global:
        sys.settrace(_global)
    _current[0] = item.nodeid
    yield
    _current[0] = ""


def pytest_runtest_logreport(report):
    if report.failed:
        _failed[report.nodeid] = None
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration  # setup, call, teardown


def pytest_unconfigure(config):
    sys.settrace(None)
    threading.settrace(None)
    lines = {target: {str(line): list(tests) for line, tests in sorted(hits.items())} for target, hits in _hits.items()}
    with open(_OUT, "w", encoding="utf-8") as out:
        json.dump({"lines": lines, "failed": list(_failed), "durations": _durations}, out)
