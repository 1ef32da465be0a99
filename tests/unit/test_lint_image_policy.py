"""builder's image policy on image facts built here (config, history, tar members): no engine needed."""

from __future__ import annotations

import tarfile

import pytest

from builder.quality.image_fs import ImageFiles
from builder.quality.image_policy import ImageConfig, check_config, check_files

HEALTHY = ["CMD", "python", "-c", "pass"]


def config(**changes: object) -> ImageConfig:
    fields: dict[str, object] = {"user": "10001:10001", "healthcheck": HEALTHY, "env": ["PATH=/usr/bin", "PORT=8000"],
                                 "labels": {"org.opencontainers.image.title": "app"}, "history": ["COPY . /app"]}
    fields.update(changes)
    return ImageConfig(**fields)  # type: ignore[arg-type]


def config_ids(cfg: ImageConfig) -> list[str]:
    return [f.id for f in check_config(cfg, shown_as="app:1")]


def files(*members: tuple[str, str, int, bytes | None]) -> ImageFiles:
    """ImageFiles fed with tar members (name, kind, mode, content) as an export stream would."""
    found = ImageFiles()
    for name, kind, mode, content in members:
        info = tarfile.TarInfo(name)
        info.type = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "link": tarfile.SYMTYPE}[kind]
        info.mode = mode
        found.note(info, content)
    return found


def test_a_clean_config_has_no_findings() -> None:
    assert config_ids(config()) == []


@pytest.mark.parametrize(("user", "expected"), [("", "BLD-IM-001"), ("root", "BLD-IM-001"), ("0:0", "BLD-IM-001"),
                                                ("app", "BLD-IM-002"), ("app:app", "BLD-IM-002")])
def test_the_user_must_be_numeric_and_not_root(user: str, expected: str) -> None:
    assert config_ids(config(user=user)) == [expected]


@pytest.mark.parametrize("test", [[], ["NONE"]])
def test_a_missing_or_disabled_healthcheck(test: list[str]) -> None:
    assert config_ids(config(healthcheck=test)) == ["BLD-IM-003"]


def test_secrets_in_env_labels_and_build_args_in_history() -> None:
    cfg = config(env=["PATH=/usr/bin", "SECRET_KEY=abc", "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D"],
                 labels={"deploy.token": "t0k3n"},
                 history=["RUN |2 NPM_TOKEN=abc VERSION=1 /bin/sh -c make", "RUN /bin/sh -c echo ok | tee x"])
    found = check_config(cfg, shown_as="app:1")
    assert sorted(f.id for f in found) == ["BLD-IM-009", "BLD-IM-009", "BLD-IM-010"]
    assert "history step 1: NPM_TOKEN" in next(f.message for f in found if f.id == "BLD-IM-010")
    assert all("abc" not in f.message for f in found)  # a finding names the secret, never shows it


def test_file_facts_from_tar_members() -> None:
    found = files(("usr/bin/su", "file", 0o4755, None), ("usr/bin/true", "file", 0o755, None),
                  ("tmp", "dir", 0o1777, None), ("var/tmp", "dir", 0o1777, None), ("app/data", "dir", 0o777, None),
                  ("srv/drop", "dir", 0o1777, None), ("usr/bin/cc", "link", 0o777, None),
                  ("usr/bin/x86_64-linux-gnu-gcc-12", "file", 0o755, None), ("usr/bin/ccache", "file", 0o755, None),
                  ("opt/venv/bin/pip3", "file", 0o755, None), ("root/.cache/pip/http/abc", "file", 0o644, b"x"),
                  ("app/.env", "file", 0o644, b"DEBUG=1"), ("app/.env.example", "file", 0o644, b"DEBUG=1"),
                  ("app/key.pem", "file", 0o600, b"-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n"),
                  ("app/conf.py", "file", 0o644, b"TOKEN = 'xoxb-1234567890-abcdef'"),
                  ("app/docs.md", "file", 0o644, b"aws_access_key_id = AKIAIOSFODNN7EXAMPLE"))
    assert found.setid == ["/usr/bin/su"]
    assert found.world_writable == ["/app/data", "/srv/drop"]
    assert found.compilers == ["/usr/bin/cc", "/usr/bin/x86_64-linux-gnu-gcc-12"]
    assert found.pip == ["/opt/venv/bin/pip3"]
    assert found.caches == ["/root/.cache/pip"]
    assert found.env_files == ["/app/.env"]
    assert found.private_keys == ["/app/key.pem"]
    assert found.tokens == ["/app/conf.py (Slack token)"]


def test_dev_packages_come_from_the_dpkg_status_file() -> None:
    status = (b"Package: libc6-dev\nStatus: install ok installed\nVersion: 2.36\n\n"
              b"Package: libpq-dev\nStatus: deinstall ok config-files\n\n"
              b"Package: libpq5\nStatus: install ok installed\n")
    assert files(("var/lib/dpkg/status", "file", 0o644, status)).dev_packages == ["libc6-dev"]


def test_file_findings_list_the_paths_one_finding_per_rule() -> None:
    found = files(*((f"usr/bin/tool{i}", "file", 0o2755, None) for i in range(7)))
    [finding] = check_files(found, shown_as="app:1")
    assert finding.id == "BLD-IM-004" and finding.file == "app:1"
    assert finding.message.endswith("(7): /usr/bin/tool0, /usr/bin/tool1, /usr/bin/tool2, /usr/bin/tool3,"
                                    " /usr/bin/tool4 and 2 more")


KEY = b"-----BEGIN RSA PRIVATE KEY-----\nabc\n"
SITE = "app/.venv/lib/python3.11/site-packages"


def test_a_key_inside_a_dependency_is_low_and_says_where_it_came_from() -> None:
    found = files((f"{SITE}/tornado/test/test.key", "file", 0o644, KEY), ("app/deploy.pem", "file", 0o600, KEY))
    by_id = {f.id: f for f in check_files(found, shown_as="app:1")}
    assert by_id["BLD-IM-011"].message.endswith("(1): /app/deploy.pem")
    shipped = by_id["BLD-IM-015"]
    assert shipped.severity.name == "LOW"
    assert "(from tornado)" in shipped.message and "test.key" in shipped.message
    assert "keep keys out of the build context" not in shipped.fix and "ignore:" in shipped.fix


def test_pip_that_a_dependency_requires_is_not_a_finding() -> None:
    needs_pip = b"Metadata-Version: 2.1\nName: pipdeptree\nRequires-Dist: pip>=23.1.2\n"
    optional = b"Metadata-Version: 2.1\nName: other\nRequires-Dist: pip; extra == 'dev'\n"
    venv = files(("app/.venv/bin/pip", "file", 0o755, None), (f"{SITE}/pip/__init__.py", "file", 0o644, b""),
                 (f"{SITE}/pipdeptree-2.23.dist-info/METADATA", "file", 0o644, needs_pip),
                 ("usr/local/bin/pip3", "file", 0o755, None))
    [pip] = [f for f in check_files(venv, shown_as="app:1") if f.id == "BLD-IM-007"]
    assert pip.message.endswith("(1): /usr/local/bin/pip3")  # the base image's own pip: nothing needs it
    only_extra = files(("app/.venv/bin/pip", "file", 0o755, None),
                       (f"{SITE}/other-1.0.dist-info/METADATA", "file", 0o644, optional))
    assert [f.id for f in check_files(only_extra, shown_as="app:1")] == ["BLD-IM-007"]


def test_ignored_paths_make_a_suppressed_finding_of_their_own() -> None:
    from builder.spec import IgnoreEntry

    found = files((f"{SITE}/tornado/test/test.key", "file", 0o644, KEY),
                  (f"{SITE}/requests/tests/server.key", "file", 0o644, KEY))
    entry = IgnoreEntry(id="BLD-IM-015", path="/app/.venv/lib/*/site-packages/tornado/test/*", reason="test fixture")
    kept, ignored = check_files(found, shown_as="app:1", ignore=[entry])
    assert (kept.suppressed, kept.message.endswith("server.key")) == (None, True)
    assert (ignored.suppressed, ignored.message.endswith("test.key")) == ("test fixture", True)
