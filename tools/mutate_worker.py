"""The pytest process of tools/mutate.py: one per copy of the tree, running pytest again and again.

Started in the copy's directory. It reads a JSON list of pytest arguments per line on stdin and
answers each run with pytest's exit code, on a line of its own on what was its stdout (the tests'
own output goes to /dev/null). Before each run it forgets every module imported from the copy (the
project's and the tests'), so each run imports the code as it is on disk now, mutant included. The
libraries stay loaded: starting them (the CDK's jsii runtime above all) is most of what a new pytest
process costs, several seconds against the second or two most mutants' tests take.
"""

from __future__ import annotations

import gc
import json
import os
import sys


def forget_modules_under(root: str) -> None:
    """Drop from sys.modules every module whose file is under ``root``; the next import reads it again."""
    prefix = os.path.join(root, "")
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(prefix):
            del sys.modules[name]


def main() -> None:
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, sys.stdout.fileno())
    os.dup2(quiet, sys.stderr.fileno())
    root = os.getcwd()
    sys.path.insert(0, root)  # as `python -m pytest` run here would have it

    import pytest

    for line in sys.stdin:
        forget_modules_under(root)
        code = pytest.main(json.loads(line))
        gc.unfreeze()  # the suite's conftest freezes what each run collects: let the last run's go
        answers.write(f"{int(code)}\n")


if __name__ == "__main__":
    main()
