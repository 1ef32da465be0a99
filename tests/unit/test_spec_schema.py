"""`builder schema` and the loader are one truth: what one accepts the other accepts, what one refuses the other does
too, except the checks JSON Schema cannot say (listed below with why)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from builder.cli import main
from builder.errors import SpecError
from builder.load import load_spec
from tests.unit.test_spec import VALID, write_spec

REPO = Path(__file__).resolve().parents[2]
SPECS = [REPO / "app_sample", *sorted(p for p in (REPO / "tests" / "golden").iterdir() if p.is_dir())]
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


@pytest.fixture(scope="module")
def printed_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The schema exactly as `builder schema` prints it, in a file."""
    out = tmp_path_factory.mktemp("schema") / "builder.schema.json"
    done = subprocess.run([sys.executable, "-m", "builder", "schema"], capture_output=True, text=True, check=True)
    out.write_text(done.stdout)
    return out


def schema_errors(schema_file: Path, text: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(json.loads(schema_file.read_text()))
    return [error.message for error in validator.iter_errors(yaml.safe_load(text))]


def test_schema_names_its_dialect_and_itself(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("urn:builder:builder.yaml:")
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("spec_dir", SPECS, ids=lambda p: p.name)
def test_every_golden_and_the_sample_validate_with_check_jsonschema(printed_schema: Path, spec_dir: Path) -> None:
    done = subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile", str(printed_schema), str(spec_dir / "builder.yaml")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    load_spec(spec_dir)  # and the loader takes it too


ACCEPTED_BY_BOTH = {
    "env shorthand": VALID + "env:\n  LOG_LEVEL: info\n  WORKERS: 3\n  DEBUG: false\n",
    "unquoted postgres version": VALID + "services:\n  postgres: {version: 16}\n",
    "unquoted redis version": VALID + "services:\n  redis: {version: 7}\n",
    "unquoted python": VALID + "python: 3.12\n",
    "secret with validate_value": VALID + "env:\n  API_KEY: {secret: true, validate_value: x}\n",
    "part with from": VALID + "services: {postgres: {}}\nenv:\n  DB_HOST: {from: postgres, part: host}\n",
    "secret: false beside a value": VALID + "env:\n  A: {value: x, secret: false}\n",
}

REFUSED_BY_BOTH = {
    "two env sources": VALID + "env:\n  A: {value: x, secret: true}\n",
    "no env source": VALID + "env:\n  A: {}\n",
    "a null value is no source": VALID + "env:\n  A: {value: null}\n",
    "lowercase env name": VALID + "env:\n  log_level: info\n",
    "part without from": VALID + "env:\n  A: {value: x, part: host}\n",
    "optional without secret": VALID + "env:\n  A: {value: x, optional: true}\n",
    "unquoted python 3.10 reads 3.1": VALID + "python: 3.10\n",
    "one-digit postgres": VALID + "services:\n  postgres: {version: 9}\n",
    "quoted port": VALID + "port: '8000'\n",
    "text for a boolean": VALID + "render: {pre_deploy: 'yes'}\n",
    "bad process name": VALID + "processes:\n  Worker: {command: rq worker}\n",
    "unknown key": VALID + "colour: blue\n",
    "API plan spelling unknown": VALID + "render: {plan: pro-plus}\n",
}

# Two fields compared, or a file looked for: JSON Schema has no way to say these, so the loader alone refuses them.
LOADER_ONLY = {
    "min above max instances": VALID + "render: {scaling: {min_instances: 5, max_instances: 2}}\n",
    "graceful_timeout at the shutdown delay": VALID + "server: {graceful_timeout: 30}\n",
    "asgi app on gthread": VALID.replace("module:", "kind: asgi\n  module:") + "server: {worker_class: gthread}\n",
    "lock that is its input": VALID + "dependencies: {requirements: a.txt, lock: a.txt}\n",
    "module file missing": VALID.replace("shop.wsgi:app", "shop.other:app"),
}


def loader_refuses(tmp_path: Path, text: str) -> bool:
    try:
        load_spec(write_spec(tmp_path, text))
    except SpecError:
        return True
    return False


@pytest.mark.parametrize("text", ACCEPTED_BY_BOTH.values(), ids=ACCEPTED_BY_BOTH.keys())
def test_accepted_by_both(printed_schema: Path, tmp_path: Path, text: str) -> None:
    assert schema_errors(printed_schema, text) == []
    assert not loader_refuses(tmp_path, text)


@pytest.mark.parametrize("text", REFUSED_BY_BOTH.values(), ids=REFUSED_BY_BOTH.keys())
def test_refused_by_both(printed_schema: Path, tmp_path: Path, text: str) -> None:
    assert schema_errors(printed_schema, text) != []
    assert loader_refuses(tmp_path, text)


@pytest.mark.parametrize("text", LOADER_ONLY.values(), ids=LOADER_ONLY.keys())
def test_loader_only_checks_are_the_documented_ones(printed_schema: Path, tmp_path: Path, text: str) -> None:
    assert schema_errors(printed_schema, text) == [], "the schema learned this check: move the case to both"
    assert loader_refuses(tmp_path, text)


def test_module_docstring_lists_the_loader_only_checks() -> None:
    import builder.spec_schema

    doc: Any = builder.spec_schema.__doc__
    assert all(word in doc for word in ("min_instances", "graceful_timeout", "worker class", "files"))
