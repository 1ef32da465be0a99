"""builder init's refusals: each a message with a hint and exit 2, no traceback; and hostile files stay data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from builder.cli import main
from builder.load import load_spec

CORPUS = Path(__file__).resolve().parents[1] / "intake"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["init", *argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


def app_with(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_an_existing_spec_is_kept_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = tmp_path / "app"
    shutil.copytree(CORPUS / "no-health", app)
    (app / "builder.yaml").write_text("# mine\n")
    code, err = run(capsys, str(app))
    assert code == 2
    assert "builder.yaml already exists" in err and "--force" in err
    assert (app / "builder.yaml").read_text() == "# mine\n"
    assert main(["init", str(app), "--force"]) == 0
    assert load_spec(app).spec.app.module == "server:application"


def test_two_entry_points_name_both_and_how_to_choose(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = app_with(tmp_path, {"requirements.txt": "flask\n",
                              "site.py": "from flask import Flask\napp = Flask(__name__)\n",
                              "admin.py": "from flask import Flask\nadmin = Flask(__name__)\n"})
    code, err = run(capsys, str(app))
    assert code == 2
    assert "two entry points" in err and "admin:admin (admin.py:2)" in err and "site:app (site.py:2)" in err
    assert "--module" in err
    assert not (app / "builder.yaml").exists()
    assert main(["init", str(app), "--module", "site:app"]) == 0
    assert load_spec(app).spec.app.module == "site:app"


def test_a_framework_it_cannot_tell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = app_with(tmp_path, {"requirements.txt": "requests\n", "tool.py": "print('hi')\n"})
    code, err = run(capsys, str(app))
    assert code == 2
    assert "cannot tell the app's framework or entry point" in err and "hint:" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = app_with(tmp_path, {"requirements.txt": "flask\n", "app.py": "from flask import Flask\napp = Flask(1)\n"})
    (app / "app.py").chmod(0)
    code, err = run(capsys, str(app))
    assert code == 2
    assert "cannot read app.py" in err


def test_a_source_file_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = app_with(tmp_path, {"requirements.txt": "flask\n"})
    (app / "app.py").write_bytes(b"from flask import Flask\napp = Flask(__name__)  # \xff\xfe\n")
    code, err = run(capsys, str(app))
    assert code == 2
    assert "cannot read app.py: it is not UTF-8 text" in err


def test_no_dependency_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = app_with(tmp_path, {"Pipfile": "[packages]\nflask = '*'\n", "app.py": "from flask import Flask\n"
                              "app = Flask(__name__)\n"})
    code, err = run(capsys, str(app))
    assert code == 2
    assert "Pipfile but no Pipfile.lock" in err and "pipenv lock" in err


def test_hostile_values_stay_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Procfile line built to break out of a YAML comment or value changes nothing but its own string."""
    procfile = ('web: gunicorn app:app\nrelease: echo "x\\"\n" #\u2028name: pwned\r\nenv: {A: 1}\n')
    app = app_with(tmp_path, {"requirements.txt": "flask\ngunicorn\n", "Procfile": procfile,
                              "app.py": "from flask import Flask\napp = Flask(__name__)\n"
                                        "@app.route('/health')\ndef h():\n    return 'ok'\n"})
    assert main(["init", str(app)]) == 0
    data = yaml.safe_load((app / "builder.yaml").read_text())
    assert data["name"] != "pwned" and "env" not in data
    assert set(data) <= {"name", "python", "app", "health", "dependencies", "release", "processes"}
    # Procfile lines `env: {A: 1}` and `name: pwned` are process types: their commands stay plain strings
    assert data["processes"] == {"env": {"command": "{A: 1}"}, "name": {"command": "pwned"}}
    assert load_spec(app).spec.name == data["name"]
