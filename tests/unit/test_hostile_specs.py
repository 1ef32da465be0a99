"""Issue 17's reproducers, one test each: refused with exit 2 naming the field and line, or generated safely."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from builder.cli import EXIT_INTERNAL, EXIT_USER_ERROR, main
from builder.dockerfile import parse_dockerfile

BASE = """\
name: shop
app:
  module: shop.wsgi:app
health:
  liveness: /health
"""


def app_dir(tmp_path: Path, extra: str = "", *, base: str = BASE) -> Path:
    root = tmp_path / "app"
    (root / "shop").mkdir(parents=True, exist_ok=True)
    (root / "shop" / "wsgi.py").write_text("app = None\n")
    (root / "requirements.txt").write_text("flask==3.1.3\n")
    (root / "builder.yaml").write_text(base + extra)
    return root


def run(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--spec", str(root), *(args or ("generate",))])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, field: str, *,
            base: str = BASE, command: tuple[str, ...] = ("generate",)) -> str:
    """The spec is refused with exit 2, the message naming the field and its line; nothing is generated."""
    root = app_dir(tmp_path, extra, base=base)
    code, out = run(root, capsys, *command)
    assert code == EXIT_USER_ERROR, out
    assert f"({field})" in out, out
    assert "builder.yaml:" in out, out  # file:line
    assert "Traceback" not in out
    assert not (root / "Dockerfile").exists()
    return out


def generated(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str) -> Path:
    root = app_dir(tmp_path, extra)
    code, out = run(root, capsys)
    assert code == 0, out
    return root


def runtime_instructions(dockerfile: Path) -> list[tuple[str, str]]:
    parsed = parse_dockerfile(dockerfile.read_text(), path=dockerfile)
    return [(ins.keyword, ins.args) for ins in parsed.stages[-1].instructions]


# --- strings that reached a file as structure --------------------------------------------------------------------

@pytest.mark.parametrize("step", ['echo hi\nUSER 0:0\nENTRYPOINT ["/bin/sh"]', "echo done \\", "cat <<USER",
                                  'echo "$HOME" # fine'])
def test_a_build_step_is_one_run_and_user_stays(tmp_path: Path, capsys: pytest.CaptureFixture[str], step: str) -> None:
    """A newline, a trailing backslash or a heredoc stays inside the step: one exec-form RUN, the same USER."""
    root = generated(tmp_path, capsys, f"build_steps: [{json.dumps(step)}]\n")
    instructions = runtime_instructions(root / "Dockerfile")
    runs = [args for keyword, args in instructions if keyword == "RUN"]
    assert [json.loads(args)[-1] for args in runs if args.startswith("[")] == [step]
    assert [args for keyword, args in instructions if keyword == "USER"] == ["10001:10001"]
    assert "ENTRYPOINT" not in [keyword for keyword, _ in instructions]


def test_the_lock_path_cannot_inject_mount_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = "requirements.lock,from=attacker/image:latest,source=/requirements.lock \\\\\\n true\\nUSER 0:0"
    refused(tmp_path, capsys, f'dependencies: {{lock: "{lock}"}}\n', "dependencies.lock")


@pytest.mark.parametrize(("extra", "field"), [
    ("services: {postgres: {database: \"gradebook\\n    ports: ['0.0.0.0:5432:5432']\"}}\n",
     "services.postgres.database"),
    ('render: {database_plan: "basic-256mb\\n    diskSizeGB: 4000"}\n', "render.database_plan"),
    ("services: {postgres: {database: 'gradebook # prod'}}\n", "services.postgres.database"),
    ("services: {postgres: {database: '[a, b]'}}\n", "services.postgres.database"),
    ("services: {postgres: {user: 'app\", \"-h\", \"evil.example.com'}}\n", "services.postgres.user"),
])
def test_service_names_are_identifiers(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str,
                                       field: str) -> None:
    refused(tmp_path, capsys, extra, field)


def test_a_yaml_word_stays_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = generated(tmp_path, capsys, "services: {postgres: {user: 'yes', database: 'null'}}\n")
    compose = yaml.safe_load((root / "compose.yaml").read_text())
    assert compose["services"]["postgres"]["environment"]["POSTGRES_USER"] == "yes"
    assert compose["services"]["postgres"]["environment"]["POSTGRES_DB"] == "null"
    database = yaml.safe_load((root / "render.yaml").read_text())["databases"][0]
    assert (database["user"], database["databaseName"]) == ("yes", "null")


def test_an_emoji_keeps_compose_and_render_parseable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = generated(tmp_path, capsys, "release: alembic upgrade 😀\nenv: {GREETING: 'héllo 😀'}\n")
    compose = yaml.safe_load((root / "compose.yaml").read_text())
    assert compose["services"]["release"]["command"] == ["alembic", "upgrade", "😀"]
    assert compose["services"]["app"]["environment"]["GREETING"] == "héllo 😀"
    render = yaml.safe_load((root / "render.yaml").read_text())
    assert render["services"][0]["envVars"][0]["value"] == "héllo 😀"


def test_dollars_in_env_values_are_literal_for_compose(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = generated(tmp_path, capsys, "env: {SALT: 'pa$word-${HOME}', STRICT: '${MUST_BE_SET:?boom}'}\n")
    environment = yaml.safe_load((root / "compose.yaml").read_text())["services"]["app"]["environment"]
    assert environment["SALT"] == "pa$$word-$${HOME}"  # compose reads $$ as one literal $
    assert environment["STRICT"] == "$${MUST_BE_SET:?boom}"
    compose_bin = Path(sys.executable).parent / "docker-compose"
    if compose_bin.exists():  # the real interpreter of compose files, when the dev extra brought it
        env = {k: v for k, v in os.environ.items() if k != "MUST_BE_SET"}
        shown = subprocess.run([str(compose_bin), "-f", str(root / "compose.yaml"), "config", "--format", "json"],
                               capture_output=True, text=True, env=env, check=True).stdout
        app_env = json.loads(shown)["services"]["app"]["environment"]
        # Interpolated without $HOME's value and without `:?boom` firing; `config` prints a literal $ as $$ again.
        assert (app_env["SALT"], app_env["STRICT"]) == ("pa$$word-$${HOME}", "$${MUST_BE_SET:?boom}")
        assert os.environ.get("HOME", "/") not in app_env["SALT"]


@pytest.mark.parametrize("path", ["/..", "/usr/bin", "/app/../../etc", "/app", "/etc/app", "/var/lib/other"])
def test_writable_paths_stay_under_the_allowed_roots(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     path: str) -> None:
    refused(tmp_path, capsys, f"writable_paths: ['{path}']\n", "writable_paths.0")


def test_allowed_writable_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = generated(tmp_path, capsys, "writable_paths: [/app/data, /data, /tmp/cache, /var/lib/shop]\n")
    assert "RUN mkdir -p /app/data /data /tmp/cache /var/lib/shop" in (root / "Dockerfile").read_text()


@pytest.mark.parametrize("lock", ["builder.yaml", "shop/wsgi.py", "../../ESCAPED.lock", "/tmp/x.lock",
                                  "a" * 300 + ".lock"])
def test_the_lock_is_a_lock_file_inside_the_app(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                lock: str) -> None:
    refused(tmp_path, capsys, f"dependencies: {{lock: '{lock}'}}\n", "dependencies.lock")
    assert not (tmp_path / "ESCAPED.lock").exists()


@pytest.mark.parametrize("field", ["source", "requirements"])
def test_long_or_escaping_input_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str) -> None:
    refused(tmp_path, capsys, f"dependencies: {{{field}: '{'r' * 300}.txt'}}\n", f"dependencies.{field}")
    refused(tmp_path, capsys, f"dependencies: {{{field}: ../outside.txt}}\n", f"dependencies.{field}")


# --- what used to end in a traceback ------------------------------------------------------------------------------

@pytest.mark.parametrize(("extra", "field"), [
    ("release: \"alembic 'upgrade\"\n", "release"),
    ("services: {redis: {maxmemory: " + "9" * 400 + "mb}}\n", "services.redis.maxmemory"),
    ('env: {KEY: "a\\0b"}\n', "env.KEY"),
    ("smoke: &s [*s]\n", "smoke.0"),
    ("budgets: {image_mb: .inf}\n", "budgets.image_mb"),
    ("port: !!int abc\n", "port"),
    ("port: " + "9" * 5000 + "\n", "port"),
])
def test_former_tracebacks_are_spec_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str,
                                           field: str) -> None:
    refused(tmp_path, capsys, extra, field)


def test_a_raw_control_character_names_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = app_dir(tmp_path, "env: {KEY: a\x01b}\n")
    code, out = run(root, capsys)
    assert code == EXIT_USER_ERROR
    assert "builder.yaml:6" in out and "U+0001" in out


def test_deep_nesting_is_refused_at_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for deep in ("smoke: " + "[" * 5000 + "]" * 5000 + "\n", "smoke:\n" + "".join("  " * i + "-\n" for i in range(60))):
        root = app_dir(tmp_path, deep)
        code, out = run(root, capsys)
        assert code == EXIT_USER_ERROR, out
        assert "builder.yaml:" in out and "nesting" in out


def test_an_alias_bomb_is_refused_quickly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bomb = "x: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    bomb += "".join(f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
    root = app_dir(tmp_path, "smoke:\n  - path: /\n    json: {bomb: *a8}\n", base=BASE + bomb)
    started = time.monotonic()
    code, out = run(root, capsys)
    assert code == EXIT_USER_ERROR, out
    assert "aliases" in out
    assert time.monotonic() - started < 5, "a hang guard, not a speed test"


def test_a_long_spec_path_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--spec", str(tmp_path / ("x" * 300)), "plan"])
    assert code == EXIT_USER_ERROR
    assert "Traceback" not in capsys.readouterr().err
    assert main(["lint", str(tmp_path / ("x" * 300))]) in (EXIT_USER_ERROR, 1)


def test_a_huge_input_is_not_repeated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = app_dir(tmp_path, base=BASE.replace("name: shop", "name: " + "A" * 100_000))
    code, out = run(root, capsys)
    assert code == EXIT_USER_ERROR
    assert len(out) < 2000


def test_a_huge_key_is_not_repeated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = app_dir(tmp_path, "k" * 100_000 + ": 1\n")
    code, out = run(root, capsys)
    assert code == EXIT_USER_ERROR
    assert len(out) < 2000


def test_an_internal_error_is_one_line_with_its_own_exit_code(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from builder.spec import AppSpec

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something builder did not expect")

    monkeypatch.setattr(AppSpec, "model_json_schema", broken)
    assert main(["schema"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: something builder did not expect" in err
    assert "bug in builder" in err and "Traceback" not in err
    assert main(["--debug", "schema"]) == EXIT_INTERNAL
    assert "Traceback (most recent call last)" in capsys.readouterr().err


@pytest.mark.parametrize("pipeline", ["schema | true", "--spec {sample} generate --check | head -c1 >/dev/null"])
def test_a_closed_pipe_exits_quietly(pipeline: str) -> None:
    sample = Path(__file__).resolve().parents[2] / "app_sample"
    command = f"{sys.executable} -m builder " + pipeline.format(sample=sample)
    result = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], capture_output=True, text=True,
                            check=False)
    assert result.stderr == ""
    assert result.returncode in (0, 141)
