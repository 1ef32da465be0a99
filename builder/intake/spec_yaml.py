"""What intake found -> builder.yaml text: each value serialized by PyYAML, each comment stripped to plain text.

Values come from the app's files, which are untrusted: none is ever pasted into the YAML. Keys are builder's own
(or checked variable names), scalars go through yaml.safe_dump, comments lose every character that could end the
comment, and the text is parsed back and compared with the data before anyone sees it.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from builder.intake.model import FACT, Found, Intake

_ORDER = ("name", "python", "app", "port", "health", "dockerfile", "server", "dependencies", "build_steps",
          "release", "services", "processes", "env")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*")  # variable and process names
_HEADER = [
    "builder.yaml proposed by `builder init`. Each value's comment says where it came from (file:line);",
    "`guess` marks a value the app does not state: check those. `builder plan` shows every decision;",
    "`builder schema` lists every field.",
]


def spec_data(intake: Intake) -> dict[str, Any]:
    """The spec as plain data, keys in the README's order."""
    data: dict[str, Any] = {}
    for found in _spec_fields(intake):
        top, _, rest = found.field.partition(".")
        if top == "build_steps" and rest:  # one step; a Found for `build_steps` itself is the whole list
            data.setdefault(top, []).append(found.value)
        elif rest:
            data.setdefault(top, {})[rest] = found.value
        else:
            data[top] = found.value
    return {key: data[key] for key in _ORDER if key in data}


def spec_text(intake: Intake) -> str:
    """The commented YAML; parsing it gives exactly spec_data(intake)."""
    data = spec_data(intake)
    comments = {f.field: f.comment() for f in _spec_fields(intake)}
    lines = [f"# {line}" for line in _HEADER]
    for key, value in data.items():
        lines += _entry(key, value, comments, key)
    lines += _trailer(intake)
    text = "\n".join(lines) + "\n"
    if yaml.safe_load(text) != data:
        raise AssertionError("builder init composed YAML that does not read back as its data")  # a bug of ours
    return text


def _entry(key: str, value: Any, comments: dict[str, str], field: str) -> list[str]:
    if isinstance(value, dict) and not field.startswith(("services.", "processes.", "env.")):
        lines = [f"{_key(key)}:"]
        for sub, item in value.items():
            lines += [f"  {line}" for line in _entry(sub, item, comments, f"{field}.{sub}")]
        return lines
    if isinstance(value, list) and not value:  # an empty list says "none": not builder's default
        return [_with_comment(f"{_key(key)}: []", comments.get(field, ""))]
    if isinstance(value, list):
        items = [f"  - {_scalar(item)}" for item in value]
        steps = [c for name, c in comments.items() if name.startswith(f"{field}.")]
        return [f"{_key(key)}:"] + [_with_comment(line, c) for line, c in zip(items, steps, strict=False)]
    return [_with_comment(f"{_key(key)}: {_scalar(value)}", comments.get(field, ""))]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return str(yaml.safe_dump(value, default_style='"', width=1 << 30, allow_unicode=False)).strip()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"builder init does not write {type(value).__name__} values")


def _key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError(f"refusing to write the key {key!r}")  # detectors only produce identifier keys
    return key


def _with_comment(line: str, comment: str) -> str:
    clean = plain(comment)
    return f"{line}  # {clean}" if clean else line


def plain(text: str, *, limit: int = 180) -> str:
    """Printable ASCII only: no newline, carriage return or Unicode line break can end a comment early."""
    text = "".join(ch if " " <= ch <= "~" else "?" for ch in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _trailer(intake: Intake) -> list[str]:
    lines: list[str] = []
    left_out = [f for f in intake.fields() if f.field.startswith(f"{FACT}left_out.")]
    if left_out:
        lines += ["", "# Left out, so builder's defaults apply:"]
        lines += [f"#   {plain(str(f.value), limit=400)}" + (f" ({plain(f.comment())})" if f.comment() else "")
                  for f in left_out]
    optional = [f for f in intake.fields() if f.field.startswith(f"{FACT}optional_env.")]
    if optional:
        lines += ["", "# Read with a default in the code, so left unset here:"]
        lines += [f"#   {plain(f.field.rsplit('.', 1)[1])} ({plain(f.comment())})" for f in optional]
    if intake.unexpressed:
        lines += ["", "# Not expressible in builder.yaml yet (builder init found these; handle them by hand):"]
        lines += [f"#   - {plain(u.comment(), limit=400)}" for u in intake.unexpressed]
    return lines


def _spec_fields(intake: Intake) -> list[Found]:
    return [f for f in intake.fields() if not f.field.startswith(FACT)]
