"""One ``cdk synth`` with the pinned CLI: wall time, the peak memory of its largest process, and what
it produced (stacks, the largest template, the most resources in one stack)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CDK = REPO_ROOT / "node_modules" / ".bin" / "cdk"
#: Runs a command and prints the peak resident memory (KiB) of the largest process it waited for.
_PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"  # stderr passes through, for errors
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)


@dataclass(frozen=True)
class Synth:
    seconds: float
    peak_mib: float
    stacks: int
    largest_template_bytes: int
    most_resources: int


def environment() -> dict[str, str]:
    """The pinned Node.js and CDK CLI on PATH, no version check and no AWS credentials (synth needs none)."""
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    env.update(
        CDK_DISABLE_VERSION_CHECK="1", JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION="1", AWS_EC2_METADATA_DISABLED="true"
    )
    for variable in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(variable, None)
    return env


def cdk_synth(app_dir: Path, outdir: Path, *context: str) -> Synth:
    """``cdk synth`` of the app in ``app_dir`` (its cdk.json), into ``outdir``."""
    if not CDK.exists():
        raise SystemExit(f"{CDK} is missing: run `make bench`, which installs the pinned CDK CLI")
    shutil.rmtree(outdir, ignore_errors=True)
    command = [
        str(CDK),
        "synth",
        "--quiet",
        "--no-notices",
        "--output",
        str(outdir),
        *(f"--context={c}" for c in context),
    ]
    started = time.perf_counter()
    measured = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, *command],
        cwd=app_dir,
        env=environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    peak_kib, code = measured.stdout.split()
    if code != "0":
        raise SystemExit(f"cdk synth failed in {app_dir} ({' '.join(context)}):\n{measured.stderr}")
    return Synth(seconds, int(peak_kib) / 1024, *assembly_stats(outdir))


def assembly_stats(outdir: Path) -> tuple[int, int, int]:
    """(stacks, largest template in bytes, most resources in one template) of a cloud assembly."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    templates = [
        outdir / artifact["properties"]["templateFile"]
        for artifact in manifest["artifacts"].values()
        if artifact["type"] == "aws:cloudformation:stack"
    ]
    sizes = [path.stat().st_size for path in templates]
    resources = [len(json.loads(path.read_text()).get("Resources", {})) for path in templates]
    return len(templates), max(sizes), max(resources)


def empty_app(directory: Path) -> Path:
    """A CDK Python app with one empty stack, run by this project's Python: the floor every Python
    CDK app pays (Python, the jsii runtime, Node.js and the CLI)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "app.py").write_text(
        "from aws_cdk import App, Stack\n\napp = App()\nStack(app, 'Empty')\napp.synth()\n"
    )
    (directory / "cdk.json").write_text(
        json.dumps({"app": f"{sys.executable} app.py", "notices": False, "versionReporting": False})
    )
    return directory


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, cwd=REPO_ROOT, env=environment(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - started
