"""Framework, kind and module: what the start command names, else the one entry point the code offers."""

from __future__ import annotations

from builder.errors import BuilderError
from builder.intake.commands import Command, commands
from builder.intake.deps import dependency_source
from builder.intake.entry import SRC, Candidate, candidates, framework_of, module_file
from builder.intake.files import AppFiles
from builder.intake.model import Detection, Evidence, Found, Intake
from builder.plan import APP_DIR

_ASGI_SERVERS = ("uvicorn", "daphne", "hypercorn")
_ASGI_PACKAGES = ("channels", "daphne", "uvicorn", "hypercorn")


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    web = next((c for c in commands(app) if c.process == "web" and c.serves and c.module()), None)
    if chosen := so_far.value("app.module"):  # given on the command line
        return _named(app, chosen, None)
    if web and module_file(app, web.module() or ""):
        return _named(app, web.module() or "", web)
    return _from_code(app)


def _named(app: AppFiles, module: str, web: Command | None) -> list[Detection]:
    """A module the start command (or --module) names: the code only says which framework it is."""
    rel = module_file(app, module)
    if rel is None:
        raise BuilderError(f"module {module.split(':')[0]} not found in the app", file=app.root,
                           hint="name it as package.module:callable, relative to the app's directory")
    code = next((c for c in candidates(app) if c.module.split(":")[0] == module.split(":")[0]), None)
    framework = code.framework if code else framework_of(app.text(rel) or "")
    kind = _kind(framework, web, code)
    evidence = (web.evidence,) if web else ((code.evidence,) if code else (Evidence("builder init --module"),))
    return _found(module, framework, kind, evidence, guess=False) + _src_path(rel, module)


def _kind(framework: str, web: Command | None, code: Candidate | None) -> str:
    worker = (web.options.get("worker-class", "") if web else "").lower()
    if web and (web.program in ("uvicorn", "fastapi", "hypercorn", "daphne") or "uvicorn" in worker):
        return "asgi"
    if code:
        return code.kind
    return "asgi" if framework == "fastapi" else "wsgi"


def _from_code(app: AppFiles) -> list[Detection]:
    found = candidates(app)
    if not found:
        raise BuilderError("cannot tell the app's framework or entry point: no Flask(, FastAPI(, create_app(), "
                           "Django wsgi.py or WSGI/ASGI callable in its Python files", file=app.root,
                           hint="run init in the app's directory, or name the callable: "
                                "builder init --module package.module:app")
    best = [c for c in found if c.rank == found[0].rank]
    if django := _django_pair(best):
        return _django_choice(app, *django)
    modules = list(dict.fromkeys(c.module for c in best))
    if len(modules) > 1:
        listed = ", ".join(f"{c.module} ({c.evidence.where()})" for c in best[:4])
        raise BuilderError(f"two entry points, and nothing says which one the app serves: {listed}",
                           file=app.root, hint=f"choose one: builder init --module {modules[0]} (or add a Procfile "
                                               f"line `web: {_server_for(best[0])} {modules[0]}`)")
    top = best[0]
    return _found(top.module, top.framework, top.kind, (top.evidence,), guess=False) + \
        _src_path(top.evidence.file, top.module)


def _server_for(candidate: Candidate) -> str:
    # Plain gunicorn speaks WSGI only: an ASGI callable needs uvicorn's worker under it.
    return "gunicorn -k uvicorn.workers.UvicornWorker" if candidate.kind == "asgi" else "gunicorn"


def _django_pair(best: list[Candidate]) -> tuple[Candidate, Candidate] | None:
    """(wsgi, asgi) when the tie is startproject's own pair of files in one package."""
    by_kind = {c.kind: c for c in best if c.framework == "django"}
    if len(best) != 2 or set(by_kind) != {"wsgi", "asgi"}:
        return None
    wsgi, asgi = by_kind["wsgi"], by_kind["asgi"]
    return (wsgi, asgi) if wsgi.module.rsplit(".", 1)[0] == asgi.module.rsplit(".", 1)[0] else None


def _django_choice(app: AppFiles, wsgi: Candidate, asgi: Candidate) -> list[Detection]:
    """startproject writes both files; only an ASGI server or package in the app makes asgi.py the one served."""
    if says := _asgi_evidence(app):
        note = f"{says.where()} names an ASGI server; the alternative: {wsgi.module}"
        return _found(asgi.module, "django", "asgi", (asgi.evidence, says), guess=False, note=note) + \
            _src_path(asgi.evidence.file, asgi.module)
    note = f"no ASGI server named (channels, daphne, uvicorn), so WSGI; the alternative: {asgi.module}"
    return _found(wsgi.module, "django", "wsgi", (wsgi.evidence,), guess=True, note=note) + \
        _src_path(wsgi.evidence.file, wsgi.module)


def _asgi_evidence(app: AppFiles) -> Evidence | None:
    for command in commands(app):
        if command.program in _ASGI_SERVERS or "uvicorn" in command.options.get("worker-class", "").lower():
            return command.evidence
    packages = dependency_source(app).packages
    return next((packages[name] for name in _ASGI_PACKAGES if name in packages), None)


def _found(module: str, framework: str, kind: str, evidence: tuple[Evidence, ...], *,
           guess: bool, note: str = "") -> list[Detection]:
    return [Found("app.kind", kind, evidence, guess=guess), Found("app.module", module, evidence, guess=guess,
                                                                  note=note),
            Found("app.framework", framework, evidence, guess=guess)]


def _src_path(rel: str, module: str) -> list[Detection]:
    """A src layout imports its packages from src/: the image's copy of it goes on the path."""
    if not rel.startswith(f"{SRC}/") or module.startswith(f"{SRC}.") or module.startswith(f"{SRC}:"):
        return []
    return [Found("env.PYTHONPATH", {"value": f"{APP_DIR}/{SRC}"}, (Evidence(rel),),
                  note=f"a src layout: its packages import from {SRC}/")]
