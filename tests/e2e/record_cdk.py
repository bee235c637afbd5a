"""A stand-in for the CDK CLI in tests of the Makefile: appends its arguments, as one JSON line, to
the file named by RECORD_CDK_TO, and exits with RECORD_CDK_EXIT (default 0)."""

import json
import os
import sys

with open(os.environ["RECORD_CDK_TO"], "a", encoding="utf-8") as record:
    record.write(json.dumps(sys.argv[1:]) + "\n")
sys.exit(int(os.environ.get("RECORD_CDK_EXIT", "0")))
