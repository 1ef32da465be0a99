"""The app's name: the project's own name where it declares one, else its directory's."""

from __future__ import annotations

import re
import tomllib

from builder.intake.files import AppFiles
from builder.intake.model import Detection, Evidence, Found, Intake


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    declared = _pyproject_name(app)
    if declared and (name := spec_name(declared[0])):
        return [Found("name", name, (declared[1],))]
    name = spec_name(app.root.resolve().name) or "app"
    return [Found("name", name, (), guess=True, note="from the directory's name")]


def spec_name(text: str) -> str | None:
    """`My_App 2` -> `my-app-2`: lowercase letters, digits and dashes, starting with a letter, at most 41."""
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    name = re.sub(r"^[^a-z]+", "", name)[:41].rstrip("-")
    return name if len(name) >= 2 else None


def _pyproject_name(app: AppFiles) -> tuple[str, Evidence] | None:
    text = app.text("pyproject.toml")
    if not text:
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    name = (data.get("project") or {}).get("name") or data.get("tool", {}).get("poetry", {}).get("name")
    if not isinstance(name, str):
        return None
    line = next((ln for ln in app.lines("pyproject.toml") if re.match(r"\s*name\s*=", ln.text)), None)
    return name, Evidence("pyproject.toml", line.number if line else None, line.text.strip() if line else "")
