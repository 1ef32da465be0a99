"""builder ci without an engine: a stale lock stops it with exit 10 and the reports still appear; tags, cache
sources and registry credentials."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from builder.ci.tags import Commit, cache_sources, push_tags, this_commit
from builder.cli import main
from builder.registry import PASSWORD_ENV, USER_ENV, registry_for, registry_host, tag_word, without_credentials


def test_a_stale_lock_exits_10_and_the_job_summary_still_appears(sample_copy: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    requirements = sample_copy / "requirements.txt"
    requirements.write_text(requirements.read_text() + "six==1.17.0\n")
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step's summary\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["--spec", str(sample_copy), "ci"]) == 10
    out, err = capsys.readouterr()
    assert out.splitlines()[0].startswith("FAILED   lock ") and "requirements.lock is stale" in out
    assert "SKIPPED  build " in out and "not run: lock failed" in out
    assert "builder ci: lock failed (exit 10)" in err
    text = summary.read_text()
    assert text.startswith("earlier step's summary\n## builder ci: gradebook"), "appended, never replaced"
    assert "**failed: lock** (exit 10)" in text and "no image was built" in text
    junit = (sample_copy / "builder-ci" / "junit.xml").read_text()
    assert 'failures="1" skipped="6"' in junit and '<failure message="requirements.lock is stale' in junit


def test_stale_generated_files_exit_11(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (sample_copy / "compose.yaml").unlink()
    assert main(["--spec", str(sample_copy), "ci", "--out", str(sample_copy / "out")]) == 11
    assert "compose.yaml (missing)" in capsys.readouterr().out
    assert (sample_copy / "out" / "summary.md").is_file()


def test_push_without_a_repository_is_a_user_error(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--spec", str(sample_copy), "ci", "--push"]) == 2
    assert "--push needs a registry repository" in capsys.readouterr().err


def test_tags_follow_the_commit() -> None:
    commit = Commit(sha="0123456789abcdef0123", branch="feature/login", version="v1.2.0")
    assert push_tags("ghcr.io/acme/app", commit) == [
        "ghcr.io/acme/app:0123456789ab", "ghcr.io/acme/app:feature-login", "ghcr.io/acme/app:v1.2.0"]
    assert cache_sources("ghcr.io/acme/app", commit, "main") == ["ghcr.io/acme/app:feature-login",
                                                                 "ghcr.io/acme/app:main"]
    assert push_tags("r/app", Commit(None, None, None)) == []
    assert tag_word(".-weird name/") == "weird-name-"


def test_the_commit_comes_from_the_ci_systems_variables(tmp_path: Path) -> None:
    github = {"GITHUB_SHA": "a" * 40, "GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v2.0.0"}
    assert this_commit(tmp_path, github) == Commit("a" * 40, None, "v2.0.0")
    pull_request = {"GITHUB_SHA": "b" * 40, "GITHUB_HEAD_REF": "fix-it", "GITHUB_REF_NAME": "7/merge"}
    assert this_commit(tmp_path, pull_request).branch == "fix-it"
    gitlab = {"CI_COMMIT_SHA": "c" * 40, "CI_COMMIT_BRANCH": "trunk"}
    assert this_commit(tmp_path, gitlab) == Commit("c" * 40, "trunk", None)


def test_registry_hosts() -> None:
    assert registry_host("127.0.0.1:5000/app") == "127.0.0.1:5000"
    assert registry_host("ghcr.io/acme/app") == "ghcr.io"
    assert registry_host("acme/app") == "https://index.docker.io/v1/"


def test_env_credentials_live_only_in_a_private_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(USER_ENV, "bot")
    monkeypatch.setenv(PASSWORD_ENV, "tok3n")
    (tmp_path / "config.json").write_text(json.dumps({"credsStore": "desktop", "auths": {"docker.io": {}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    with registry_for("ghcr.io/acme/app:main", "docker") as registry:
        assert registry.config_dir is not None
        config_file = registry.config_dir / "config.json"
        assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
        config = json.loads(config_file.read_text())
        assert config["auths"]["ghcr.io"] == {"auth": "Ym90OnRvazNu"}  # base64 of bot:tok3n
        assert "docker.io" in config["auths"] and "credsStore" not in config
        env = registry.env()
        assert env["DOCKER_CONFIG"] == str(registry.config_dir)
        assert "tok3n" not in json.dumps(env), "the token reaches the CLI through the config file only"
    assert not config_file.exists(), "removed when the run ends"
    assert PASSWORD_ENV not in without_credentials(dict(os.environ))


def test_one_credential_without_the_other_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_ENV, "bot")
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(Exception, match=f"only one of {USER_ENV} and {PASSWORD_ENV} is set"), \
            registry_for("ghcr.io/acme/app", "docker"):
        pass
