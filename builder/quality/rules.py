"""builder's own policy rules: one stable ID each, with its severity, fix, and the IDs other tools give it.

The `same_as` IDs drive de-duplication (merge.py): when hadolint or trivy reports one of them for the same place, the
two findings become one, kept under builder's ID with the others listed in `also`.
"""

from __future__ import annotations

from dataclasses import dataclass

from builder.findings import Finding, Severity


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    message: str  # the default one-line message; a check may give a more precise one
    fix: str
    same_as: tuple[str, ...] = ()
    # A rule about something missing from a whole file (no HEALTHCHECK, no USER) has no one line to compare, so
    # another tool's report of it folds in wherever in the file that tool put it.
    whole_file: bool = False

    def finding(self, *, file: str | None, line: int | None = None, message: str | None = None) -> Finding:
        return Finding(id=self.id, severity=self.severity, message=message or self.message, fix=self.fix,
                       file=file, line=line, source="builder")


_H, _M, _L, _C = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.CRITICAL

DOCKERFILE_RULES = [
    Rule("BLD-DF-001", _H, "the final stage runs as root", "end the final stage with `USER <uid>:<gid>`, a numeric"
         " non-root user created in the image", ("DL3002", "DS-0002"), whole_file=True),
    Rule("BLD-DF-002", _M, "the final USER is a name, not a numeric UID", "use the numeric UID (`USER 10001:10001`)"
         " so a platform can verify the user is not root without reading /etc/passwd", ("DL3066",)),
    Rule("BLD-DF-003", _M, "the final stage has no HEALTHCHECK", "add `HEALTHCHECK CMD [...]` that probes the app"
         " (exec form, no curl needed)", ("DL3057", "DS-0026"), whole_file=True),
    Rule("BLD-DF-004", _H, "the base image is not pinned", "name a tag (e.g. python:3.11-slim-bookworm), optionally"
         " with @sha256:<digest>; never `latest`", ("DL3006", "DL3007", "DS-0001")),
    Rule("BLD-DF-005", _M, "ADD copies local files", "use COPY; ADD also fetches URLs and unpacks archives,"
         " which a plain copy should never do by surprise", ("DL3020", "DS-0005")),
    Rule("BLD-DF-006", _M, "shell-form CMD/ENTRYPOINT", 'use exec form (`CMD ["gunicorn", ...]`) so the server is'
         " PID 1 and receives SIGTERM", ("DL3025",)),
    Rule("BLD-DF-007", _H, "a secret-looking value in ENV, ARG or LABEL", "pass secrets at run time (environment,"
         " mounted file) or to RUN with `--mount=type=secret`; ENV, ARG and LABEL values stay in the image",
         ("DL3064", "DS-0031")),
    Rule("BLD-DF-008", _M, "a piped RUN without pipefail", 'add `SHELL ["/bin/bash", "-o", "pipefail", "-c"]`'
         " before it (or `set -o pipefail;`), so a failing command before the pipe fails the build", ("DL4006",)),
    Rule("BLD-DF-009", _M, "apt-get update and install in separate RUN steps", "run `apt-get update && apt-get"
         " install ...` in one RUN, so a cached update layer never serves stale package lists", ("DS-0017",)),
    Rule("BLD-DF-010", _M, "apt-get install without --no-install-recommends", "add --no-install-recommends;"
         " recommended packages are rarely needed in an image", ("DL3015", "DS-0029")),
    Rule("BLD-DF-011", _L, "apt lists left in the final image", "end the RUN with `rm -rf /var/lib/apt/lists/*`"
         " (or mount a cache at /var/lib/apt/lists)", ("DL3009",)),
    Rule("BLD-DF-012", _M, "the build context is not protected by .dockerignore", "add a .dockerignore beside the"
         " Dockerfile that excludes at least .env, .git and .venv (`builder generate` writes one)", whole_file=True),
]

COMPOSE_RULES = [
    Rule("BLD-CO-001", _M, "service has no healthcheck", "add a `healthcheck:` with a `test:` that probes the"
         " service, so dependents can wait for it"),
    Rule("BLD-CO-002", _M, "depends_on does not wait for health", "use the long form: `depends_on: {db: {condition:"
         " service_healthy}}` (or service_completed_successfully for a one-shot job)"),
    Rule("BLD-CO-003", _H, "database or cache published on all interfaces", "drop `ports:` (the app reaches it over"
         " the compose network) or bind it to 127.0.0.1 (`127.0.0.1:5432:5432`)"),
    Rule("BLD-CO-004", _C, "the Docker socket is mounted", "remove the docker.sock volume: it gives the container"
         " root on the host"),
    Rule("BLD-CO-005", _C, "privileged container", "remove `privileged: true`; add only the capabilities it needs"
         " with cap_add"),
    Rule("BLD-CO-006", _L, "root filesystem is writable", "set `read_only: true` and mount a tmpfs (or a volume) at"
         " each path the service writes"),
    Rule("BLD-CO-007", _L, "capabilities not dropped", "add `cap_drop: [ALL]` (and cap_add only what it needs)"),
    Rule("BLD-CO-008", _M, "no-new-privileges not set", "add `security_opt: [\"no-new-privileges:true\"]`"),
    Rule("BLD-CO-009", _H, "shares a host namespace", "remove `network_mode: host`, `pid: host` or `ipc: host`;"
         " publish ports instead"),
]

IMAGE_RULES = [
    Rule("BLD-IM-001", _H, "the image runs as root", "end the Dockerfile with `USER <uid>:<gid>` (numeric, not 0)",
         whole_file=True),
    Rule("BLD-IM-002", _M, "the image's user is a name, not a numeric UID", "use `USER <uid>:<gid>` with numbers",
         whole_file=True),
    Rule("BLD-IM-003", _M, "the image has no healthcheck", "add a HEALTHCHECK to the Dockerfile's final stage",
         whole_file=True),
    Rule("BLD-IM-004", _H, "setuid/setgid files in the image", "strip the bits in the final stage:"
         " `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`", whole_file=True),
    Rule("BLD-IM-005", _H, "a compiler is left in the image", "compile in a builder stage and copy only the result"
         " into the final stage", whole_file=True),
    Rule("BLD-IM-006", _M, "-dev packages (headers) are left in the image", "install -dev packages in the builder"
         " stage only; the final stage needs the runtime libraries", whole_file=True),
    Rule("BLD-IM-007", _L, "pip is left in the image", "remove pip from the final stage; the app needs none",
         whole_file=True),
    Rule("BLD-IM-008", _L, "a package build cache is left in the image", "use `--mount=type=cache` for the"
         " installer's cache (or --no-cache-dir), so it never lands in a layer", whole_file=True),
    Rule("BLD-IM-009", _H, "a secret-looking value in the image config", "pass secrets at run time; ENV and LABEL"
         " values are readable by anyone who pulls the image", whole_file=True),
    Rule("BLD-IM-010", _H, "a secret-looking build argument in the image history", "pass build secrets with"
         " `RUN --mount=type=secret`; build-arg values used by RUN are recorded in the history", whole_file=True),
    Rule("BLD-IM-011", _C, "a private key file is in the image", "keep keys out of the build context"
         " (.dockerignore) and mount them at run time", ("private-key",), whole_file=True),
    Rule("BLD-IM-012", _H, "an .env file is in the image", "add .env and .env.* to .dockerignore; pass settings at"
         " run time", whole_file=True),
    Rule("BLD-IM-013", _H, "a token is in a file in the image", "remove it from the build context and rotate it;"
         " pass it at run time", ("aws-access-key-id", "github-pat", "github-oauth", "github-app-token",
                                  "github-refresh-token", "github-fine-grained-pat", "gitlab-pat", "slack-access-token",
                                  "stripe-secret-token", "gcp-api-key"), whole_file=True),
    Rule("BLD-IM-015", _L, "a private key ships inside an installed package", "it came with the package (most often"
         " a test fixture), not from the build context: when the app never reads it, acknowledge it in builder.yaml"
         " with `ignore: [{id: BLD-IM-015, path: '<its path>', reason: ...}]`", whole_file=True),
    Rule("BLD-IM-014", _M, "world-writable directories outside /tmp", "remove the world-writable bit (`chmod o-w`);"
         " give the app user ownership of the paths it writes instead", whole_file=True),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in (*DOCKERFILE_RULES, *COMPOSE_RULES, *IMAGE_RULES)}


def rule(rule_id: str) -> Rule:
    return RULES[rule_id]


def builder_rule_for(tool_id: str) -> Rule | None:
    """The builder rule another tool's ID means, if any."""
    return _BY_TOOL_ID.get(tool_id)


# Each tool ID names one problem, so it belongs to exactly one rule.
_BY_TOOL_ID: dict[str, Rule] = {tool_id: r for r in RULES.values() for tool_id in r.same_as}


# The same problem named by two other tools where builder has no rule of its own: folded together the same way.
TOOL_ALIASES: tuple[tuple[str, ...], ...] = (
    ("DL3014", "DS-0021"),  # apt-get install without -y
    ("DL3000", "DS-0009"),  # WORKDIR not absolute
)
_ALIAS_OF: dict[str, tuple[str, ...]] = {tool_id: group for group in TOOL_ALIASES for tool_id in group}


def alias_group(tool_id: str) -> tuple[str, ...] | None:
    """The other tools' IDs that name the same problem as `tool_id`, when builder has no rule for it."""
    return _ALIAS_OF.get(tool_id)
