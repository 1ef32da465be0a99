"""Candidate entry points in the app's code: framework instances, factories, Django's wsgi/asgi, bare callables."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from builder.intake.files import AppFiles, Line
from builder.intake.model import Evidence

# (framework, kind, pattern): a module-level assignment of a framework instance. Indented lines are inside a
# function or class, so they are not importable names.
_INSTANCES = (
    ("flask", "wsgi", re.compile(r"^(\w+)\s*(?::\s*\w+\s*)?=\s*(?:flask\.)?Flask\(")),
    ("fastapi", "asgi", re.compile(r"^(\w+)\s*(?::\s*\w+\s*)?=\s*(?:fastapi\.)?FastAPI\(")),
    ("other", "asgi", re.compile(r"^(\w+)\s*(?::\s*\w+\s*)?=\s*(?:starlette\.applications\.)?Starlette\(")),
)
_FACTORY = re.compile(r"^def (create_app|make_app|app_factory|get_app)\(([^)]*)\)")
_FACTORY_CALL = re.compile(r"^(\w+)\s*=\s*(?:[\w.]+\.)?(create_app|make_app|app_factory|get_app)\(")
_DJANGO_APP = re.compile(r"^(application)\s*=\s*get_(wsgi|asgi)_application\(")
SRC = "src"
_BARE = (("wsgi", re.compile(r"^def (\w+)\(\s*environ\s*,\s*start_response\s*\)")),
         ("asgi", re.compile(r"^async def (\w+)\(\s*scope\s*,\s*receive\s*,\s*send\s*\)")))


@dataclass(frozen=True)
class Candidate:
    module: str  # module:callable as the spec writes it
    framework: str
    kind: str
    rank: int  # 3 Django's own, 2 an instance, 1 a factory, 0 a bare callable
    evidence: Evidence


def candidates(app: AppFiles) -> list[Candidate]:
    """Every entry point the code offers, strongest first."""
    found: list[Candidate] = []
    for rel in app.python():
        module = module_of(rel, src_layout=src_layout(app))
        if module is None:
            continue
        text = app.text(rel) or ""
        for line in app.lines(rel):
            found += _at(line, module, text)
    return sorted(_factories_known(found), key=lambda c: -c.rank)


def _factories_known(found: list[Candidate]) -> list[Candidate]:
    """`app = create_app()` in a file that imports only the factory: the factory's module says the framework."""
    factories = {c.module.split(":")[1].removesuffix("()"): c for c in found if c.rank == 1}
    return [replace(c, framework=f.framework, kind=f.kind)
            if c.framework == "other" and (f := factories.get(_called(c))) else c for c in found]


def _called(candidate: Candidate) -> str:
    match = _FACTORY_CALL.match(candidate.evidence.text)
    return match.group(2) if match else ""


def _at(line: Line, module: str, text: str) -> list[Candidate]:
    evidence = Evidence(line.file, line.number, line.text.strip()[:200])
    if match := _DJANGO_APP.match(line.text):
        return [Candidate(f"{module}:application", "django", match.group(2), 3, evidence)]
    for framework, kind, pattern in _INSTANCES:
        if match := pattern.match(line.text):
            return [Candidate(f"{module}:{match.group(1)}", framework, kind, 2, evidence)]
    if match := _FACTORY_CALL.match(line.text):
        return [Candidate(f"{module}:{match.group(1)}", _framework_in(text), _kind_of(text), 2, evidence)]
    if (match := _FACTORY.match(line.text)) and _no_required_args(match.group(2)) and _framework_in(text) != "other":
        return [Candidate(f"{module}:{match.group(1)}()", _framework_in(text), _kind_of(text), 1, evidence)]
    for kind, pattern in _BARE:
        if match := pattern.match(line.text):
            return [Candidate(f"{module}:{match.group(1)}", "other", kind, 0, evidence)]
    return []


def framework_of(text: str) -> str:
    """The framework a module's text uses, by what it imports."""
    return _framework_in(text)


def _framework_in(text: str) -> str:
    if re.search(r"(?m)^\s*(from|import) django\b", text):
        return "django"
    if re.search(r"(?m)^\s*(from|import) fastapi\b", text):
        return "fastapi"
    if re.search(r"(?m)^\s*(from|import) flask\b", text):
        return "flask"
    return "other"


def _kind_of(text: str) -> str:
    return "asgi" if _framework_in(text) == "fastapi" or "Starlette(" in text else "wsgi"


def _no_required_args(params: str) -> bool:
    words = [p.strip() for p in params.split(",") if p.strip() and p.strip() not in ("*", "/")]
    return all("=" in p or p.startswith("*") for p in words)


def module_of(rel: str, *, src_layout: bool = False) -> str | None:
    """`app/__init__.py` -> `app`, `src/x/main.py` -> `x.main` in a src layout (else `src.x.main`); None when a
    part is no Python identifier."""
    parts = rel.removesuffix(".py").split("/")
    if src_layout and parts[0] == SRC and len(parts) > 1:
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


def src_layout(app: AppFiles) -> bool:
    """The app's packages live under src/ (no src/__init__.py), so they import as `x`, with src/ on the path."""
    return not app.has(f"{SRC}/__init__.py") and any(p.startswith(f"{SRC}/") for p in app.python())


def module_file(app: AppFiles, module: str) -> str | None:
    """The file that holds `package.module[:callable]`: at the app's top, or under src/ in a src layout."""
    path = module.split(":", 1)[0].replace(".", "/")
    roots = ("", f"{SRC}/") if src_layout(app) else ("",)
    return next((f"{root}{rel}" for root in roots for rel in (f"{path}.py", f"{path}/__init__.py")
                 if app.has(f"{root}{rel}")), None)
