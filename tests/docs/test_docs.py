"""The README and docs/: the README stays a first screen, every link resolves, the make targets it
lists exist, no page promises a PyPI install before the first release, and the release path exists.

Reads files only: no CDK, no network.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
README = REPO_ROOT / "README.md"
LIBRARY_README = REPO_ROOT / "onboarding_constructs" / "README.md"
DOCS = sorted((REPO_ROOT / "docs").glob("*.md"))
CHANGELOG = REPO_ROOT / "CHANGELOG.md"
RELEASE_WORKFLOW = REPO_ROOT / ".github" / "workflows" / "release.yml"
MAKEFILE = REPO_ROOT / "Makefile"

MAX_README_BYTES = 12_288
FIRST_SCREEN_LINES = 40
#: The single-account onboarding path, in the order the README's first screen must give it.
ONBOARDING_STEPS = (
    ("copy the example", r"cp config/example\.yaml config/\S+\.yaml"),
    ("synth", r"make synth\b"),
    ("bootstrap", r"make bootstrap\b"),
    ("doctor", r"make doctor\b"),
    ("deploy", r"make deploy\b"),
    ("verify", r"make verify\b"),
)
#: A pip install of the library by its PyPI name (any spelling pip normalizes), not of a file.
PYPI_INSTALL = re.compile(r"pip install\s+(?:-\S+\s+)*airs[-_.]onboarding[-_.]constructs(?![-_.\w/])", re.IGNORECASE)
#: A sentence may name that command only to say it works after the first release.
NOT_YET = re.compile(r"once released|once it is released|after the first release", re.IGNORECASE)

LINK = re.compile(r"\[(?:[^\]]|\][^(])*?\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def markdown_files() -> list[Path]:
    return [README, *DOCS]


def lines_outside_code(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of every line that is not inside a fenced code block."""
    in_code = False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            in_code = not in_code
            continue
        if not in_code:
            yield number, line


def code_lines(text: str) -> list[str]:
    outside = {number for number, _ in lines_outside_code(text)}
    return [
        line
        for number, line in enumerate(text.splitlines(), start=1)
        if number not in outside and not FENCE.match(line)
    ]


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped (but - and _), spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for _, line in lines_outside_code(path.read_text(encoding="utf-8")):
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        slug = github_slug(match.group(1))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def relative_links(path: Path) -> list[tuple[int, str]]:
    links = []
    for number, line in lines_outside_code(path.read_text(encoding="utf-8")):
        for target in LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # https:, mailto:
                continue
            links.append((number, target))
    return links


def test_readme_is_at_most_12_kib() -> None:
    size = len(README.read_bytes())
    assert size <= MAX_README_BYTES, f"README.md is {size} bytes (at most {MAX_README_BYTES}): move detail into docs/"


def test_docs_pages_exist_and_the_readme_links_each() -> None:
    assert DOCS, "docs/ holds no page"
    linked = {(README.parent / target.partition("#")[0]).resolve() for _, target in relative_links(README)}
    missing = [page.name for page in DOCS if page.resolve() not in linked]
    assert not missing, f"README.md links no docs page {missing}"


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_relative_link_points_to_a_file_and_heading_that_exist(path: Path) -> None:
    broken = []
    for number, target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"line {number}: {target} (no such file)")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"line {number}: {target} (no heading #{anchor} in {destination.relative_to(REPO_ROOT)})")
    assert not broken, f"{path.relative_to(REPO_ROOT)}:\n" + "\n".join(broken)


def test_github_slug_matches_githubs_anchors() -> None:
    assert github_slug("Checking an account: `make doctor` before, `make verify` after") == (
        "checking-an-account-make-doctor-before-make-verify-after"
    )
    assert github_slug("Organization rollout (StackSets)") == "organization-rollout-stacksets"
    assert github_slug("1-2. Your config") == "1-2-your-config"


def test_first_screen_gives_the_onboarding_steps_in_order() -> None:
    first_screen = "\n".join(README.read_text(encoding="utf-8").splitlines()[:FIRST_SCREEN_LINES])
    position = 0
    for step, pattern in ONBOARDING_STEPS:
        match = re.compile(pattern).search(first_screen, position)
        assert match, (
            f"the README's first {FIRST_SCREEN_LINES} lines lack the step {step!r} ({pattern})"
            " after the steps before it"
        )
        position = match.end()


def test_first_screen_has_the_two_commands_that_need_no_aws_account() -> None:
    first_screen = README.read_text(encoding="utf-8").splitlines()[:60]
    assert any(line.startswith("make synth ") for line in first_screen)
    assert any(line.startswith("make test ") for line in first_screen)


def makefile_targets() -> set[str]:
    targets: set[str] = set()
    for line in MAKEFILE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.][A-Za-z0-9_. -]*?)\s*:(?![=:])", line)
        if match and not match.group(1).startswith("."):
            targets.update(match.group(1).split())
    return targets


def readme_table_targets() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Make targets\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert section, "the README has no '## Make targets' section"
    targets = []
    for line in section.group(1).splitlines():
        if line.startswith("|") and not re.match(r"^\|\s*-", line):
            first_cell = line.split("|")[1]
            targets += re.findall(r"\bmake ([a-z][a-z0-9-]*)", first_cell)
    assert targets, "the README's make targets table lists no target"
    return targets


def test_every_make_target_in_the_readme_table_exists_in_the_makefile() -> None:
    defined = makefile_targets()
    missing = [target for target in readme_table_targets() if target not in defined]
    assert not missing, f"the README lists make targets the Makefile does not define: {missing}"


def test_makefile_parsing_finds_multi_target_rules() -> None:
    assert {"doctor", "verify", "synth", "test"} <= makefile_targets()


def sentences(paragraph: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+(?=[A-Z`\[(])", paragraph)


def pypi_install_claims(text: str) -> list[str]:
    """Every place that gives `pip install airs-onboarding-constructs` as if it worked today: in a
    code block (a command to copy), or in a sentence that does not say it works once released."""
    claims = [line.strip() for line in code_lines(text) if PYPI_INSTALL.search(line)]
    paragraph: list[str] = []
    outside = [line for _, line in lines_outside_code(text)] + [""]
    for line in outside:
        if line.strip():
            paragraph.append(line.strip())
            continue
        for sentence in sentences(" ".join(paragraph)):
            if PYPI_INSTALL.search(sentence) and not NOT_YET.search(sentence):
                claims.append(sentence)
        paragraph = []
    return claims


@pytest.mark.parametrize("path", [README, LIBRARY_README, *DOCS], ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_page_gives_a_pypi_install_before_the_first_release(path: Path) -> None:
    claims = pypi_install_claims(path.read_text(encoding="utf-8"))
    assert not claims, (
        f"{path.relative_to(REPO_ROOT)} gives `pip install airs-onboarding-constructs` as if it were on PyPI;"
        " until the first release, install the wheel of `make dist`, and name the PyPI command only in a sentence"
        f" that says 'once released' or 'after the first release': {claims}"
    )


def test_the_pypi_install_rule_tells_a_promise_from_a_future_tense() -> None:
    assert pypi_install_claims("```sh\npip install airs-onboarding-constructs\n```\n")
    assert pypi_install_claims("Install it with `pip install airs_onboarding_constructs`.\n")
    assert pypi_install_claims(
        "Use `pip install -U airs-onboarding-constructs==0.1.0`. Once released, it is on PyPI.\n"
    )
    assert not pypi_install_claims("Once released, `pip install airs-onboarding-constructs` installs it.\n")
    assert not pypi_install_claims("After the first release,\n`pip install airs-onboarding-constructs` works.\n")
    assert not pypi_install_claims("```sh\npip install dist/airs_onboarding_constructs-0.1.0-py3-none-any.whl\n```\n")


def release_workflow() -> dict:
    assert RELEASE_WORKFLOW.is_file(), "no .github/workflows/release.yml"
    workflow = yaml.safe_load(RELEASE_WORKFLOW.read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as true
    return workflow


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def test_release_workflow_builds_checks_and_publishes_on_a_version_tag() -> None:
    workflow = release_workflow()
    tags = workflow["on"]["push"]["tags"]
    assert any(str(tag).startswith("v") for tag in tags), tags

    jobs = workflow["jobs"]
    runs = "\n".join(step.get("run", "") for job in jobs.values() for step in steps(job))
    assert "python -m build" in runs
    assert "twine check --strict" in runs
    assert "pyproject.toml" in runs and "GITHUB_REF_NAME" in runs, (
        "the tag is not compared with the version in pyproject.toml"
    )
    assert "-c constraints.txt" in runs, "the build tools are not the pinned ones"

    publishers = [
        name
        for name, job in jobs.items()
        if any("pypa/gh-action-pypi-publish" in step.get("uses", "") for step in steps(job))
    ]
    assert len(publishers) == 1, publishers
    publish = jobs[publishers[0]]
    assert publish.get("needs"), "the publish job does not wait for the build"
    environment = publish["environment"]
    assert (environment["name"] if isinstance(environment, dict) else environment) == "pypi"
    assert publish["permissions"]["id-token"] == "write"
    for step in steps(publish):
        assert "password" not in step.get("with", {}), "trusted publishing needs no token"
    assert not any("twine upload" in step.get("run", "") for step in steps(publish))


def test_release_workflow_pins_actions_by_major_version() -> None:
    uses = [step["uses"] for job in release_workflow()["jobs"].values() for step in steps(job) if "uses" in step]
    assert uses
    loose = [use for use in uses if not re.search(r"@(v\d+|release/v\d+)$", use)]
    assert not loose, f"actions not pinned by a major version tag: {loose}"


def test_changelog_has_an_unreleased_section_and_the_current_version() -> None:
    text = CHANGELOG.read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", text, re.MULTILINE)
    assert headings[:1] == ["Unreleased"], f"CHANGELOG.md must start with '## [Unreleased]', found {headings[:1]}"
    version = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert version in headings, f"CHANGELOG.md has no '## [{version}]' section for the version in pyproject.toml"
