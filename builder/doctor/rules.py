"""Doctor's rules: one stable ID each, with its severity, what it looks for, and the usual fix.

A check makes its finding from the rule (`rules.CONN_NOT_A_URL.finding(message, where=...)`), so an ID, its
severity and its help live here only. The message always comes from the check (it names the variable, the file,
the numbers); the fix does too where the check knows a more precise one than the rule's help.
"""

from __future__ import annotations

from dataclasses import dataclass

from builder.doctor.base import NOWHERE, SOURCE, Where
from builder.findings import Finding, Severity


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str  # what the rule looks for, in a few words
    help: str  # the usual fix; a check may give a more precise one

    def finding(self, message: str, fix: str = "", where: Where = NOWHERE, *,
                severity: Severity | None = None) -> Finding:
        """One finding of this rule at `where`; `severity` only where the rule admits a milder (or worse) case."""
        return Finding(id=self.id, severity=severity or self.severity, message=message, fix=fix or self.help,
                       file=where.file, line=where.line, source=SOURCE)


_H, _M, _L = Severity.HIGH, Severity.MEDIUM, Severity.LOW

# Connection values (connections.py)
CONN_PASTED_NAME = Rule("DOC-CONN-001", _H, "a connection value starts with a variable name and `=`",
                        "set the variable to only what follows `NAME=`")
CONN_POSTGRES_SCHEME = Rule("DOC-CONN-002", _H, "a `postgres://` URL, which SQLAlchemy 1.4 and later reject",
                            "write it as postgresql+<driver>://, or rewrite the scheme in the app")
# LOW when no driver is named and the default one is not installed: the app may rewrite the scheme itself.
CONN_DRIVER = Rule("DOC-CONN-003", _H, "the URL's database driver is unknown or not installed",
                   "name a driver SQLAlchemy has, and install it")
CONN_NO_SSL = Rule("DOC-CONN-004", _M, "an external Postgres URL without sslmode=require",
                   "append ?sslmode=require (or &sslmode=require) to the URL")
CONN_SUPABASE_DIRECT = Rule("DOC-CONN-005", _H, "Supabase's direct host, which Render cannot reach (IPv6 only)",
                            "use Supabase's session pooler, with sslmode=require")
CONN_MIGRATIONS_POOLER = Rule("DOC-CONN-006", _H, "migrations through the transaction pooler (port 6543)",
                              "give migrations the session pooler or the direct connection (port 5432), e.g. in "
                              "MIGRATIONS_DATABASE_URL, and keep 6543 for the app")
CONN_PREPARED_STATEMENTS = Rule("DOC-CONN-007", _H, "prepared statements through the transaction pooler",
                                "turn prepared statements off in the driver, or use the session pooler")
CONN_REDIS_PLAIN_TEXT = Rule("DOC-CONN-008", _H, "Redis in plain text outside the private network",
                             "use TLS: rediss://")
CONN_NOT_A_URL = Rule("DOC-CONN-009", _H, "a connection value that is not a well-formed URL",
                      "percent-encode special characters in the user and password (@ %40, # %23, / %2F, ? %3F, "
                      ": %3A)")

# The connection budget (budget.py)
BUDGET_EXCEEDED = Rule("DOC-BUDGET-001", _H, "more database connections than the Postgres plan allows",
                       "fewer workers, threads or instances, a smaller pool, or a larger plan")
BUDGET_UNKNOWN_PLAN = Rule("DOC-BUDGET-002", _L, "a Postgres plan doctor does not know",
                           "use a plan name such as basic-256mb, basic-1gb, pro-4gb or pro-16gb")
BUDGET_KUBERNETES = Rule("DOC-BUDGET-003", _H, "more connections at the most replicas than the database takes",
                         "fewer replicas, a smaller pool, or raise kubernetes.database_max_connections")
BUDGET_POOL_MISMATCH = Rule("DOC-BUDGET-004", _M, "builder.yaml's pool is not the pool the app's create_engine opens",
                            "make pool in builder.yaml what the app opens: the budget is counted from builder.yaml")

# The process model (process.py)
# MEDIUM for a fixed port (the app answers, on the wrong port); HIGH when nothing outside can reach it at all.
PROC_PORT = Rule("DOC-PROC-001", _H, "the server does not listen on 0.0.0.0 and $PORT",
                 "bind to 0.0.0.0 and the port in $PORT")
PROC_WORKER_KIND = Rule("DOC-PROC-002", _H, "the gunicorn worker does not speak the app's protocol (WSGI or ASGI)",
                        "use a worker class for the app's protocol")
PROC_DEPRECATED_WORKER = Rule("DOC-PROC-003", _M, "uvicorn's deprecated gunicorn worker",
                              "use worker_class = \"uvicorn_worker.UvicornWorker\" and add uvicorn-worker to the "
                              "requirements")
PROC_MISSING_PACKAGE = Rule("DOC-PROC-004", _H, "the start command needs a package the requirements lack",
                            "add the package (pinned) to the requirements")
# HIGH for psycopg2 (every query blocks); MEDIUM for a psycopg 3 too old to cooperate.
PROC_GEVENT_DATABASE = Rule("DOC-PROC-005", _H, "gevent workers with a database driver that blocks them",
                            "patch psycopg2 with psycogreen, or use psycopg 3.1.14 or later")
PROC_MEMORY = Rule("DOC-PROC-006", _M, "more workers than the instance's memory holds",
                   "fewer workers (more threads instead), or a plan with more memory")
PROC_GRACEFUL_TIMEOUT = Rule("DOC-PROC-007", _M, "graceful_timeout not below Render's shutdown delay",
                             "lower graceful_timeout, or raise maxShutdownDelaySeconds (up to 300)")
PROC_SHELL_PID1 = Rule("DOC-PROC-008", _M, "a shell is PID 1, so the server never gets SIGTERM",
                       "use the exec form, CMD [\"gunicorn\", ...], or start the server with `exec`")

# The Blueprint, render.yaml (blueprint.py)
BP_DEPRECATED = Rule("DOC-BP-001", _L, "a Blueprint field Render may stop accepting", "use the current field")
BP_REFERENCE = Rule("DOC-BP-002", _H, "an env var reference that gives no value",
                    "see the Blueprint reference: render.com/docs/blueprint-spec")
BP_REGIONS = Rule("DOC-BP-003", _H, "services and databases in different regions",
                  "put every service and database in one region")
BP_KEYVALUE_ALLOW_LIST = Rule("DOC-BP-004", _H, "a Key Value without the ipAllowList Render requires",
                              "add `ipAllowList: []` (reachable only from your services on the private network)")
BP_FREE_PLAN = Rule("DOC-BP-005", _H, "a free-plan service with a feature only paid plans have",
                    "remove the feature, or choose a paid plan (starter and up)")
BP_DISK_INSTANCES = Rule("DOC-BP-006", _H, "a disk on a service with several instances",
                         "keep one instance with the disk, or move the files to object storage and drop the disk")
BP_COMMITTED_SECRET = Rule("DOC-BP-007", _H, "a secret-looking literal value committed to the repository",
                           "let Render generate it, or set it in the dashboard; then rotate the secret")
BP_ENV_SOURCES = Rule("DOC-BP-008", _H, "an env var with more or fewer than one source", "keep exactly one")
BP_INVALID = Rule("DOC-BP-009", _H, "render.yaml is not a valid Blueprint",
                  "fix it (Render rejects the whole Blueprint), or delete it and run `builder generate`")
BP_FREE_DATABASE = Rule("DOC-BP-010", _H, "a free Render Postgres: it expires after 30 days and has no backups",
                        "choose a paid database plan (basic-256mb and up)")

# Render Key Value (keyvalue.py)
KV_MEMORY = Rule("DOC-KV-001", _M, "a Redis maxmemory above the Key Value plan's memory",
                 "lower services.redis.maxmemory, or choose a larger Key Value plan. Assumed plan memory (Render's "
                 "pricing page): free 25 MB, starter 256 MB, standard 1 GB, pro 5 GB, pro plus 10 GB")

# Files at run time (runtime_files.py; image.py checks inside the built image)
FILES_SQLITE = Rule("DOC-FILES-001", _M, "a SQLite database on the container's ephemeral filesystem",
                    "use Postgres (services.postgres in builder.yaml), or keep the file on a disk")
FILES_EPHEMERAL = Rule("DOC-FILES-002", _M, "files written to the container's ephemeral filesystem",
                       "store them elsewhere (object storage, the database), or on a disk")
FILES_NOT_WRITABLE = Rule("DOC-FILES-003", _H, "a path the app writes is not writable by its user in the image",
                          "list it under writable_paths in builder.yaml, or chown it in the Dockerfile")
FILES_ROOT_IMAGE = Rule("DOC-FILES-004", _H, "the image runs as root, so doctor does not run it",
                        "run the app as a non-root user (builder's Dockerfiles do: USER 10001:10001)")
FILES_APP_WRITES = Rule("DOC-FILES-005", _H, "the app's code writes a directory its user cannot write in the image",
                       "list the directory under writable_paths in builder.yaml, or log to stdout instead")

# The Python version (python_version.py)
PY_MISMATCH = Rule("DOC-PY-001", _M, "a Python version other than the spec's",
                   "make the versions agree, in the file or in builder.yaml's python")

# Every rule above, by ID.
RULES: dict[str, Rule] = {value.id: value for value in list(globals().values()) if isinstance(value, Rule)}
