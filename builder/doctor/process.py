"""Process model: how the server binds, which worker runs the app, memory per plan, shutdown, exec-form start."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable

from builder.doctor import rules
from builder.doctor.base import Where
from builder.doctor.context import DoctorContext
from builder.doctor.sources import EnvValue
from builder.doctor.startup import GUNICORN_DEFAULTS, Setting, flags, gunicorn_flags
from builder.findings import Finding, Severity

# Render web service instance types, in MB of memory.
PLAN_MEMORY_MB = {"free": 512, "starter": 512, "standard": 2048, "pro": 4096, "pro plus": 8192, "pro max": 16384,
                  "pro ultra": 32768}
# Resident memory of one gunicorn worker with a typical Flask/FastAPI + SQLAlchemy app loaded, and of the master.
WORKER_MB = {"wsgi": 80, "asgi": 100}
MASTER_MB = 40
MEMORY_HEADROOM = 0.8  # leave a fifth for request peaks, the page cache and worker recycling overlap
DEFAULT_SHUTDOWN_DELAY = 30  # Render's maxShutdownDelaySeconds default
# gunicorn worker class (prefix) -> the distribution that provides it.
WORKER_PACKAGES = {"gevent": "gevent", "eventlet": "eventlet", "tornado": "tornado",
                   "uvicorn_worker.": "uvicorn-worker", "uvicorn.workers.": "uvicorn"}
PSYCOPG_GEVENT = (3, 1, 14)  # psycopg 3 cooperates with gevent on its own from this release


def check(ctx: DoctorContext) -> list[Finding]:
    """Process model findings for the command Render starts."""
    return [f for process_check in PROCESS_CHECKS for f in process_check(ctx)]


def _bind(ctx: DoctorContext) -> list[Finding]:
    program, args, shell = ctx.server
    if program == "uvicorn":
        # uvicorn also reads UVICORN_HOST and UVICORN_PORT; flags win over them.
        from_env = {key.lower(): v.value for v in ctx.env if v.committed
                    for key in ("HOST", "PORT") if v.name == f"UVICORN_{key}"}
        return _uvicorn_bind(ctx, {**from_env, **flags(args, {"--host": "host", "--port": "port"})}, shell)
    setting = ctx.gunicorn_setting("bind")
    overriding = _cmd_args_bind(ctx) if program == "gunicorn" and not (setting and setting.from_command) else None
    if overriding:
        return _env_bind(*overriding)
    # No bind at all is fine: gunicorn binds 0.0.0.0:$PORT by itself when PORT is set, as Render sets it.
    if program != "gunicorn" or setting is None:
        return []
    text = setting.source
    if "127.0.0.1" in text or "localhost" in text:
        return [_loopback(text, setting.where)]
    # Only a shell expands $PORT: a config file never does, a command only when a shell reads it.
    expanded = shell if setting.from_command else False
    if "$PORT" in text.replace("${PORT}", "$PORT") and expanded is False:
        return [_unexpanded("the exec-form command" if setting.from_command else ctx.gunicorn_file, setting.where)]
    if any(host in text for host in ("0.0.0.0", "[::]")) and "PORT" not in text:
        return [rules.PROC_PORT.finding(
            f"gunicorn binds a fixed port ({text}); Render sends "
            "traffic to $PORT (10000 unless set)", "bind to f\"0.0.0.0:{os.environ.get('PORT', "
            "'8000')}\" in gunicorn.conf.py", setting.where, severity=Severity.MEDIUM)]
    return []


def _cmd_args_bind(ctx: DoctorContext) -> tuple[EnvValue, str] | None:
    """GUNICORN_CMD_ARGS's --bind, which wins over gunicorn.conf.py (only the command line wins over it)."""
    for value in ctx.env:
        if value.name == "GUNICORN_CMD_ARGS" and value.committed:
            try:
                bind = gunicorn_flags(tuple(shlex.split(value.value))).get("bind")
            except ValueError:  # an unclosed quote: gunicorn would fail on it too
                continue
            if bind:
                return value, bind
    return None


def _env_bind(value: EnvValue, bind: str) -> list[Finding]:
    where = f"GUNICORN_CMD_ARGS's --bind {bind} overrides the bind in gunicorn.conf.py"
    if "127.0.0.1" in bind or "localhost" in bind:
        problem = "binds to loopback: nothing outside the container, Render's proxy included, can reach it"
    elif "$" in bind:
        problem = "passes `$PORT` literally: nothing expands an environment value, so gunicorn gets the text"
    elif "PORT" not in bind:
        problem = "binds a fixed port; Render sends traffic to $PORT (10000 unless set)"
    else:
        return []
    fix = (f"remove --bind from GUNICORN_CMD_ARGS in {value.where.file or 'the environment'}: gunicorn.conf.py "
           "binds 0.0.0.0:$PORT")
    return [rules.PROC_PORT.finding(f"{where}, and {problem}", fix, value.where)]


def _uvicorn_bind(ctx: DoctorContext, given: dict[str, str], shell: bool | None) -> list[Finding]:
    where = ctx.start.where if ctx.start else Where()
    host, port = given.get("host", "127.0.0.1"), given.get("port")
    if host in ("127.0.0.1", "localhost"):
        return [_loopback(f"--host {host}" if "host" in given else "uvicorn's default host 127.0.0.1", where)]
    if port is None:
        return [rules.PROC_PORT.finding(
            "uvicorn listens on its default port 8000; Render sends "
            "traffic to $PORT (10000 unless set)", "pass --port from $PORT (in a shell: "
            "`exec uvicorn ... --port \"$PORT\"`), or serve through gunicorn with a config file", where,
            severity=Severity.MEDIUM)]
    if "$" in port and shell is False:
        return [_unexpanded("the exec-form command", where)]
    return []


def _loopback(text: str, where: Where) -> Finding:
    return rules.PROC_PORT.finding(
        f"the server binds to loopback ({text}): nothing outside the "
        "container, Render's proxy included, can reach it", where=where)


def _unexpanded(what: str, where: Where) -> Finding:
    return rules.PROC_PORT.finding(
        f"{what} passes `$PORT` literally: without a shell nothing "
        "expands it, so the server gets the text `$PORT` as its port",
        "read PORT in gunicorn.conf.py (bind = f\"0.0.0.0:{os.environ['PORT']}\"), or start through "
        "`sh -c 'exec ...'`", where)


def _worker_class(ctx: DoctorContext) -> tuple[str, Where] | None:
    """gunicorn's worker class as a literal, and where it is set; None when not gunicorn or not a literal."""
    if ctx.server[0] != "gunicorn":
        return None
    setting = ctx.gunicorn_setting("worker_class")
    if setting is None:
        return str(GUNICORN_DEFAULTS["worker_class"]), _settings_where(ctx)
    return (setting.value, setting.where) if isinstance(setting.value, str) else None


def _settings_where(ctx: DoctorContext) -> Where:
    """Where a setting that is absent belongs: the config file if gunicorn reads one, else the start command."""
    if ctx.gunicorn:
        return Where(ctx.gunicorn_file)
    return ctx.start.where if ctx.start else Where()


def _worker_fits_app(ctx: DoctorContext) -> list[Finding]:
    found = _worker_class(ctx)
    if found is None:
        return []
    worker, where = found
    kind, asgi_worker = ctx.plan.framework.kind, "uvicorn" in worker.lower()
    if kind == "asgi" and not asgi_worker:
        return [rules.PROC_WORKER_KIND.finding(
            f"an asgi app ({ctx.plan.app_module}) cannot run on "
            f"gunicorn's `{worker}` worker, which speaks WSGI", "use worker_class = "
            "\"uvicorn_worker.UvicornWorker\" and add uvicorn-worker to the requirements", where)]
    if kind == "wsgi" and asgi_worker:
        return [rules.PROC_WORKER_KIND.finding(
            f"a wsgi app ({ctx.plan.app_module}) cannot run on the "
            f"asgi worker `{worker}`", "use worker_class = \"gthread\"", where)]
    if worker.startswith("uvicorn.workers."):
        return [rules.PROC_DEPRECATED_WORKER.finding(
            f"`{worker}` is deprecated: uvicorn moved its gunicorn "
            "worker to the uvicorn-worker package", where=where)]
    return []


def _worker_packages(ctx: DoctorContext) -> list[Finding]:
    program = ctx.server[0]
    if not program or not ctx.requirements.found:
        return []
    needed = [(program, f"the start command runs {program}", ctx.start.where if ctx.start else Where())]
    found = _worker_class(ctx)
    if found:
        worker, where = found
        needed += [(package, f"gunicorn's `{worker}` worker", where)
                   for prefix, package in WORKER_PACKAGES.items() if worker.startswith(prefix)]
        # gunicorn's gevent worker imports packaging, which only gunicorn[gevent] pulls in; a lock lists every
        # distribution, so its word is final (a requirements file may get packaging through another package).
        if worker.startswith("gevent") and ctx.requirements.file == ctx.plan.dependencies.lock:
            needed.append(("packaging", f"gunicorn's `{worker}` worker (it imports packaging.version)", where))
    return [rules.PROC_MISSING_PACKAGE.finding(
        f"{why} needs the {package} package, which "
        f"{ctx.requirements.file} does not install", _add_package(ctx, package), where)
        for package, why, where in needed if not ctx.requirements.has(package)]


def _add_package(ctx: DoctorContext, package: str) -> str:
    """Where a missing package goes: the requirements the lock is made from, when the image installs the lock."""
    dependencies = ctx.plan.dependencies
    if ctx.requirements.file != dependencies.lock:
        return f"add {package} (pinned) to {ctx.requirements.file}"
    wanted = "gunicorn[gevent] (which brings packaging)" if package == "packaging" else f"{package} (pinned)"
    return f"add {wanted} to {dependencies.requirements}, then run `builder lock`"


def _gevent_database(ctx: DoctorContext) -> list[Finding]:
    found = _worker_class(ctx)
    if found is None or found[0] != "gevent":
        return []
    reqs, where = ctx.requirements, found[1]
    if reqs.has("psycopg2", "psycopg2-binary") and not (reqs.has("psycogreen") or "patch_psycopg" in
                                                          ctx.source_markers):
        return [rules.PROC_GEVENT_DATABASE.finding(
            "gevent workers with psycopg2: every query blocks the "
            "whole worker, and all its greenlets with it", ctx.in_server(
                "add psycogreen and call psycogreen.gevent.patch_psycopg() in gunicorn's post_fork, or move to "
                "psycopg 3", "set `server.psycogreen: true` (builder adds psycogreen and patches psycopg2 in each "
                "worker), or move to psycopg 3"), where)]
    version = reqs.version("psycopg")
    if version and _version_tuple(version) < PSYCOPG_GEVENT:
        return [rules.PROC_GEVENT_DATABASE.finding(
            f"gevent workers with psycopg {version}: psycopg 3 "
            "cooperates with gevent only from 3.1.14 on", "pin psycopg 3.1.14 or later", where,
            severity=Severity.MEDIUM)]
    return []


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def _memory(ctx: DoctorContext) -> list[Finding]:
    plan = str(ctx.web_field("plan", "starter") if ctx.web else ctx.plan.render.plan)
    memory = PLAN_MEMORY_MB.get(plan)
    if memory is None or not ctx.server[0]:
        return []
    workers, per_worker = ctx.workers, WORKER_MB[ctx.plan.framework.kind]
    estimate = MASTER_MB + workers.count * per_worker
    if estimate <= memory * MEMORY_HEADROOM:
        return []
    fits = max(1, int((memory * MEMORY_HEADROOM - MASTER_MB) // per_worker))
    share = f"{MEMORY_HEADROOM:.0%}"
    return [rules.PROC_MEMORY.finding(
        f"{workers.count} workers (from {workers.source}) x "
        f"~{per_worker} MB + ~{MASTER_MB} MB master = ~{estimate} MB, more than {share} of the "
        f"{memory} MB a `{plan}` instance has: expect out-of-memory restarts",
        f"run at most {fits} workers on `{plan}` (more threads instead), or a plan with more memory",
        workers.where)]


def _graceful_timeout(ctx: DoctorContext) -> list[Finding]:
    if ctx.server[0] != "gunicorn":
        return []
    default = Setting(GUNICORN_DEFAULTS["graceful_timeout"], "gunicorn's default", _settings_where(ctx))
    timeout = ctx.gunicorn_setting("graceful_timeout") or default
    delay = ctx.web_field("maxShutdownDelaySeconds", DEFAULT_SHUTDOWN_DELAY)
    # A value computed at run time (an environment lookup) cannot be judged here.
    if not isinstance(timeout.value, int) or not isinstance(delay, int) or timeout.value < delay:
        return []
    return [rules.PROC_GRACEFUL_TIMEOUT.finding(
        f"graceful_timeout {timeout.value} s ({timeout.source}) is "
        f"not below Render's shutdown delay of {delay} s: workers still finishing requests get SIGKILL",
        f"set graceful_timeout = {max(1, delay - 5)} in {ctx.gunicorn_file}, or raise "
        "maxShutdownDelaySeconds (up to 300)", timeout.where)]


_EXEC = re.compile(r"(^|&&|;|\|\|)\s*exec\s")


def _exec_form(ctx: DoctorContext) -> list[Finding]:
    start = ctx.start
    if start is None:
        return []
    argv = start.argv
    shell_text = argv[2] if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in ("sh", "bash") and argv[1] == "-c" \
        else None
    if shell_text is None or _EXEC.search(shell_text):
        return []
    return [rules.PROC_SHELL_PID1.finding(
        f"the {start.origin} runs through a shell, so the shell is "
        "PID 1 and the server never gets Render's SIGTERM: in-flight requests die at SIGKILL", where=start.where)]


PROCESS_CHECKS: tuple[Callable[[DoctorContext], list[Finding]], ...] = (
    _bind, _worker_fits_app, _worker_packages, _gevent_database, _memory, _graceful_timeout, _exec_form,
)
