"""builder's compose policy on small compose files: what counts as published, one-shot, hardened."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import BuilderError
from builder.quality.compose_policy import check_compose, read_compose

HARDENED = ("    read_only: true\n    cap_drop: [ALL]\n    security_opt: [\"no-new-privileges:true\"]\n"
            "    healthcheck:\n      test: [\"CMD\", \"probe\"]\n")


def ids(text: str, tmp_path: Path) -> list[tuple[str, int | None]]:
    path = tmp_path / "compose.yaml"
    path.write_text(text)
    return sorted((f.id, f.line) for f in check_compose(read_compose(path, shown_as="compose.yaml")))


@pytest.mark.parametrize(("port", "flagged"), [
    ('"5432:5432"', True), ('"5432"', True), ('"0.0.0.0:5432:5432"', True), ('"127.0.0.1:5432:5432"', False),
    ('"[::1]:5432:5432"', False), ("{target: 5432, published: 5432}", True),
    ("{target: 5432, published: 5432, host_ip: 127.0.0.1}", False), ('"127.0.0.1:${PG_PORT:-5432}:5432"', False)])
def test_data_services_must_not_listen_on_all_interfaces(port: str, flagged: bool, tmp_path: Path) -> None:
    text = f"services:\n  db:\n    image: postgres:16\n    ports:\n      - {port}\n{HARDENED}"
    assert (("BLD-CO-003", 4) in ids(text, tmp_path)) == flagged


def test_an_app_may_publish_its_port(tmp_path: Path) -> None:
    assert ids(f"services:\n  app:\n    image: me/app:1\n    ports: ['8000:8000']\n{HARDENED}", tmp_path) == []


def test_a_data_service_is_known_by_its_image_behind_a_default(tmp_path: Path) -> None:
    text = "services:\n  store:\n    image: ${REDIS_IMAGE:-redis:7}\n    ports: ['6379:6379']\n" + HARDENED
    assert ids(text, tmp_path) == [("BLD-CO-003", 4)]


def test_data_services_need_not_be_read_only_or_drop_capabilities(tmp_path: Path) -> None:
    text = ("services:\n  postgres:\n    image: postgres:16\n    security_opt: [no-new-privileges]\n"
            "    healthcheck: {test: [CMD, pg_isready]}\n")
    assert ids(text, tmp_path) == []


def test_a_one_shot_job_needs_no_healthcheck_and_may_be_awaited_to_complete(tmp_path: Path) -> None:
    job = "  migrate:\n    image: me/app:1\n" + HARDENED.split("    healthcheck:")[0]
    app = ("  app:\n    image: me/app:1\n    depends_on:\n      migrate:\n"
           "        condition: service_completed_successfully\n" + HARDENED)
    assert ids("services:\n" + app + job, tmp_path) == []


def test_healthcheck_disabled_counts_as_missing(tmp_path: Path) -> None:
    text = "services:\n  app:\n    image: me/app:1\n" + HARDENED.replace('test: ["CMD", "probe"]', "disable: true")
    assert ids(text, tmp_path) == [("BLD-CO-001", 7)]


def test_hardening_can_come_from_a_yaml_anchor(tmp_path: Path) -> None:
    text = ("x-hardening: &hardening\n  read_only: true\n  cap_drop: [ALL]\n  security_opt: [no-new-privileges:true]\n"
            "services:\n  app:\n    <<: *hardening\n    image: me/app:1\n    healthcheck: {test: [CMD, probe]}\n")
    assert ids(text, tmp_path) == []


def test_long_form_socket_mount_and_host_namespaces(tmp_path: Path) -> None:
    text = ("services:\n  agent:\n    image: me/agent:1\n    pid: host\n    volumes:\n"
            "      - {type: bind, source: /run/docker.sock, target: /var/run/docker.sock}\n" + HARDENED)
    assert ids(text, tmp_path) == [("BLD-CO-004", 5), ("BLD-CO-009", 4)]


def test_a_yaml_file_without_services_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text("version: '3'\n")
    with pytest.raises(BuilderError, match="no `services:` mapping"):
        read_compose(path, shown_as="compose.yaml")
