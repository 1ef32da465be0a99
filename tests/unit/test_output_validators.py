"""Every golden's generated files pass their own ecosystem's validators: compose.yaml the compose-spec schema and
Compose v2's `config`, render.yaml the Blueprint facts schema (see its $comment for why not Render's own file)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from builder.cli import main
from builder.validate.compose import find_compose_tool

REPO = Path(__file__).resolve().parents[2]
APPS = [REPO / "app_sample", *sorted(p for p in (REPO / "tests" / "golden").iterdir() if p.is_dir())]
COMPOSE_APPS = [app for app in APPS if (app / "compose.yaml").is_file()]
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
RENDER_FACTS = REPO / "tests" / "schemas" / "render-blueprint-facts.schema.json"


def check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECK_JSONSCHEMA), *args], capture_output=True, text=True)


@pytest.mark.parametrize("app", COMPOSE_APPS, ids=lambda p: p.name)
def test_compose_yaml_matches_the_compose_spec_schema(app: Path) -> None:
    done = check_jsonschema("--builtin-schema", "vendor.compose-spec", str(app / "compose.yaml"))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("app", COMPOSE_APPS, ids=lambda p: p.name)
def test_compose_v2_config_accepts_compose_yaml(app: Path) -> None:
    text = (app / "compose.yaml").read_text()
    # Secrets are `${NAME:?...}`: compose refuses to go on without them, as it should; give each a stand-in.
    required = dict.fromkeys(re.findall(r"\$\{([A-Z_][A-Z0-9_]*):\?", text), "stand-in")
    env = {**os.environ, **required}
    done = subprocess.run([*find_compose_tool().argv, "-f", "compose.yaml", "config", "--quiet"], cwd=app,
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr


def test_compose_v2_config_is_a_real_check(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    image: x\n    depends_on: {db: {condition: up}}\n")
    done = subprocess.run([*find_compose_tool().argv, "-f", "compose.yaml", "config", "--quiet"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_render_yaml_matches_the_blueprint_facts(app: Path) -> None:
    done = check_jsonschema("--schemafile", str(RENDER_FACTS), str(app / "render.yaml"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_blueprint_facts_refuse_the_api_spelling() -> None:
    schema = json.loads(RENDER_FACTS.read_text())
    blueprint = {"services": [{"type": "web", "name": "a", "runtime": "docker", "plan": "pro_plus"}]}
    assert not jsonschema.Draft202012Validator(schema).is_valid(blueprint)
    blueprint["services"][0]["plan"] = "pro plus"
    assert jsonschema.Draft202012Validator(schema).is_valid(blueprint)


@pytest.mark.parametrize("spelling", ["pro_plus", "pro plus"])
def test_render_plans_are_written_as_a_blueprint_spells_them(sample_copy: Path, spelling: str,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    spec = sample_copy / "builder.yaml"
    text = spec.read_text().replace("  plan: starter\n", f"  plan: {spelling}\n  keyvalue_plan: {spelling}\n")
    assert spelling in text
    spec.write_text(text)
    assert main(["--spec", str(sample_copy), "generate"]) == 0
    blueprint = yaml.safe_load((sample_copy / "render.yaml").read_text())
    plans = {service["type"]: service["plan"] for service in blueprint["services"]}
    assert plans["web"] == "pro plus"
    assert plans["keyvalue"] == "pro plus"
    done = check_jsonschema("--schemafile", str(RENDER_FACTS), str(sample_copy / "render.yaml"))
    assert done.returncode == 0, done.stdout
