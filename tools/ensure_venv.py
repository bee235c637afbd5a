"""Make sure DIR is a working virtual environment of the Python running this script.

    python tools/ensure_venv.py DIR                  create DIR, or re-create it when it is broken
    python tools/ensure_venv.py --replace-if-other DIR
                                                     remove DIR when another Python made it

The Makefile runs the first before installing packages, so an interrupted or failed first run is
repaired by the next one, and the second when PYTHON is named, so `make test PYTHON=python3.12`
never reuses an environment of another interpreter. Written for any Python 3, so that an old
interpreter still gets a readable message.
"""

import os
import shutil
import subprocess
import sys

MINIMUM = (3, 11)


def base_executable(venv):
    """The interpreter that made the venv, from its pyvenv.cfg (None when it cannot be read)."""
    try:
        with open(os.path.join(venv, "pyvenv.cfg"), encoding="utf-8") as cfg:
            lines = cfg.read().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() == "executable":
            return os.path.realpath(value.strip())
    return None


def works(venv):
    """The venv's own python starts and can run pip (a venv interrupted while created cannot)."""
    python = os.path.join(venv, "bin", "python")
    if not os.access(python, os.X_OK) or base_executable(venv) is None:
        return False
    return (
        subprocess.run([python, "-c", "import pip"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        == 0
    )


def create(venv):
    if sys.version_info < MINIMUM:
        sys.exit(
            "Python {}.{} or newer is needed; {} is {}. Run: make PYTHON=python3.11 ... (or a newer one)".format(
                *MINIMUM, sys.executable, sys.version.split()[0]
            )
        )
    try:
        import ensurepip  # noqa: F401  (Debian and Ubuntu ship it separately, in python3-venv)
    except ImportError:
        sys.exit(
            f"{sys.executable} cannot create virtual environments (no ensurepip module). On Debian or Ubuntu: "
            "sudo apt-get install python3-venv"
        )
    if os.path.exists(venv):
        print(
            f"==> {venv} is incomplete (an earlier run was interrupted or failed): re-creating it",
            file=sys.stderr,
        )
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)


def main(argv):
    replace_if_other = "--replace-if-other" in argv
    paths = [a for a in argv if a != "--replace-if-other"]
    if len(paths) != 1:
        sys.exit(__doc__)
    venv = paths[0]
    if replace_if_other:
        made_by = base_executable(venv)
        if made_by is not None and made_by != os.path.realpath(sys.executable):
            print(
                f"==> {venv} was made by {made_by}; PYTHON is {sys.executable}: it will be rebuilt",
                file=sys.stderr,
            )
            shutil.rmtree(venv)
        return
    if not works(venv):
        create(venv)


if __name__ == "__main__":
    main(sys.argv[1:])
