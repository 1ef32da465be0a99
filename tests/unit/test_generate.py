"""generate writes every file, never clobbers a hand edit, and --check catches drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.cli import EXIT_FAILED, main
from builder.generate import Action, write_artifacts
from builder.project import load_project
from builder.targets import artifacts_for as plan_artifacts
from builder.templates import HEADER, Artifact

REPO = Path(__file__).resolve().parents[2]
GOLDEN = sorted(p.parent for p in (REPO / "tests" / "golden").glob("*/builder.yaml"))
GENERATED = ["Dockerfile", "Dockerfile.render", "builder_image.py", ".dockerignore", "gunicorn.conf.py", "compose.yaml",
             "render.yaml",
             *(f"k8s/{name}.yaml" for name in ("namespace", "configmap", "deployment", "service", "pdb",
                                               "networkpolicy", "hpa", "release-job", "kustomization")),
             ".github/workflows/builder.yml", "builder.mk", "Makefile"]


def artifacts_for(root: Path) -> list[Artifact]:
    return plan_artifacts(load_project(root).plan)


@pytest.mark.parametrize("root", [REPO / "app_sample", *GOLDEN], ids=lambda p: p.name)
def test_committed_files_match_the_templates(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Golden snapshots: a template change shows up here as a diff; refresh with `builder --spec DIR generate`."""
    code = main(["--spec", str(root), "generate", "--check"])
    assert code == 0, capsys.readouterr().out


def test_generate_writes_every_file_with_a_header(sample_copy: Path) -> None:
    for name in GENERATED:
        (sample_copy / name).unlink()
    (sample_copy / "k8s").rmdir()  # generate makes the folder too
    outcomes = write_artifacts(sample_copy, artifacts_for(sample_copy))
    assert [o.action for o in outcomes] == [Action.CREATED] * len(GENERATED)
    for name in GENERATED:
        assert (sample_copy / name).read_text().startswith(HEADER)


def test_generate_keeps_a_hand_edited_file(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = sample_copy / "Dockerfile"
    edited = dockerfile.read_text().replace("EXPOSE 8000", "EXPOSE 8000\nENV TEAM_SETTING=1")
    dockerfile.write_text(edited)
    spec = sample_copy / "builder.yaml"
    spec.write_text(spec.read_text().replace("port: 8000", "port: 8001"))
    assert main(["--spec", str(sample_copy), "generate"]) == 0
    out = capsys.readouterr().out
    assert dockerfile.read_text() == edited, "the person's edit must survive"
    assert "Dockerfile         kept: edited by hand" in out
    assert "Dockerfile.render  updated" in out or "Dockerfile.render  unchanged" in out
    assert "--force" in out
    assert "EXPOSE 8001" not in dockerfile.read_text()


def test_generate_keeps_a_file_builder_did_not_write(sample_copy: Path) -> None:
    (sample_copy / "render.yaml").write_text("services: []  # ours\n")
    outcomes = {o.path.name: o.action for o in write_artifacts(sample_copy, artifacts_for(sample_copy))}
    assert outcomes["render.yaml"] is Action.KEPT_FOREIGN
    assert (sample_copy / "render.yaml").read_text() == "services: []  # ours\n"


def test_force_overwrites_an_edit(sample_copy: Path) -> None:
    (sample_copy / "Dockerfile").write_text((sample_copy / "Dockerfile").read_text() + "# mine\n")
    outcomes = {o.path.name: o.action for o in write_artifacts(sample_copy, artifacts_for(sample_copy), force=True)}
    assert outcomes["Dockerfile"] is Action.FORCED
    assert "# mine" not in (sample_copy / "Dockerfile").read_text()


def test_check_reports_drift_with_a_diff(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = sample_copy / "builder.yaml"
    spec.write_text(spec.read_text().replace("maxmemory: 128mb", "maxmemory: 256mb"))
    assert main(["--spec", str(sample_copy), "generate", "--check"]) == EXIT_FAILED
    out = capsys.readouterr().out
    assert "compose.yaml: stale" in out
    assert '-    command: ["redis-server", "--maxmemory", "128mb"' in out
    assert '+    command: ["redis-server", "--maxmemory", "256mb"' in out
    assert "1 generated file(s) out of date" in out


def test_check_names_a_hand_edit(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = sample_copy / "gunicorn.conf.py"
    path.write_text(path.read_text().replace("keepalive = 5", "keepalive = 2"))
    assert main(["--spec", str(sample_copy), "generate", "--check"]) == EXIT_FAILED
    assert "gunicorn.conf.py: edited by hand since it was generated" in capsys.readouterr().out


def test_build_without_a_lock_says_to_run_builder_lock(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Checked before any engine is needed, so it runs here without one."""
    (sample_copy / "requirements.lock").unlink()
    assert main(["--spec", str(sample_copy), "build", "--no-generate"]) == 2
    err = capsys.readouterr().err
    assert "no requirements.lock in" in err and "hint: run `builder lock`" in err


def test_build_refuses_a_lock_its_inputs_outgrew(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A package added to requirements.txt but not locked would be missing from the image: say so, engine or not."""
    requirements = sample_copy / "requirements.txt"
    requirements.write_text(requirements.read_text() + "six==1.17.0\n")
    assert main(["--spec", str(sample_copy), "build"]) == 2
    err = capsys.readouterr().err
    assert "error: requirements.lock is stale" in err and "hint: run `builder lock`" in err
