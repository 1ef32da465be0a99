"""builder's Dockerfile policy: Dockerfile -> Findings (BLD-DF-*). Pure: reads only the Dockerfile's .dockerignore."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path

from builder.dockerfile import Dockerfile, Instruction, Stage, expand
from builder.findings import Finding
from builder.quality.dockerignore import ignore_file_for, not_excluded
from builder.quality.rules import rule
from builder.quality.secrets import secret_assignment, secret_name

Check = Callable[[Dockerfile, str], Iterator[Finding]]

_APT = r"\bapt(?:-get)?\s+(?:-\S+\s+)*"
_APT_UPDATE = re.compile(_APT + r"update\b")
_APT_INSTALL = re.compile(_APT + r"install\b")
_NO_RECOMMENDS = re.compile(r"--no-install-recommends|APT::Install-Recommends=(?:false|0)")
_LISTS_REMOVED = re.compile(r"\brm\s+(?:-\S+\s+)*/var/lib/apt/lists")
_QUOTED = re.compile(r"'[^']*'|\"(?:\\.|[^\"\\])*\"")
_PIPE = re.compile(r"(?<![|>])\|(?!\|)")
_SET_PIPEFAIL = re.compile(r"\bset\s+(?:-\w+\s+)*-\w*o\s+pipefail|-o\s+pipefail")
_REMOTE = re.compile(r"^(?:https?://|git@|git://)")
_ARCHIVE = re.compile(r"\.(?:tar|tar\.\w+|tgz|tbz2?|txz|zst)$")


def check_dockerfile(dockerfile: Dockerfile, *, shown_as: str) -> list[Finding]:
    """Every BLD-DF check on one parsed Dockerfile; `shown_as` is the path findings name."""
    return [finding for check in CHECKS for finding in check(dockerfile, shown_as)]


def _final_user(df: Dockerfile, file: str) -> Iterator[Finding]:
    final = df.stages[-1]
    found = _last(df, final, "USER")
    if found is None:
        yield rule("BLD-DF-001").finding(file=file, line=final.line, message="the final stage sets no USER, so it"
                                         " runs as the base image's user: root for nearly every base")
        return
    user = expand(found.args.strip(), _values(df, final)) or found.args.strip()
    name = user.split(":")[0]
    if name in ("root", "0"):
        yield rule("BLD-DF-001").finding(file=file, line=found.line, message=f"the final stage runs as {user}")
    elif not name.isdigit():
        yield rule("BLD-DF-002").finding(file=file, line=found.line,
                                         message=f"the final USER is {user!r}, not a numeric UID")


def _healthcheck(df: Dockerfile, file: str) -> Iterator[Finding]:
    final = df.stages[-1]
    found = _last(df, final, "HEALTHCHECK")
    if found is None or found.args.strip().upper() == "NONE":
        yield rule("BLD-DF-003").finding(file=file, line=final.line)


def _base_pinned(df: Dockerfile, file: str) -> Iterator[Finding]:
    for stage in df.stages:
        if stage.base.lower() == "scratch" or df.parent(stage) is not None:
            continue
        image = expand(stage.base, df.global_args)
        if not image:
            continue  # an ARG without a default: the build decides, and nothing here can be checked
        name = image.rsplit("/", 1)[-1]
        if "@" in image or (":" in name and not name.endswith(":latest")):
            continue
        why = f"{image} uses `latest`" if name.endswith(":latest") else f"{image} has no tag, so it means `latest`"
        yield rule("BLD-DF-004").finding(file=file, line=stage.line, message=f"the base image is not pinned: {why}")


def _add(df: Dockerfile, file: str) -> Iterator[Finding]:
    for ins in _all(df, "ADD"):
        words = ins.exec_form() or ins.args.split()
        sources = words[:-1]
        if any(not _REMOTE.match(s) and not _ARCHIVE.search(s) for s in sources):
            yield rule("BLD-DF-005").finding(file=file, line=ins.line)


def _exec_form(df: Dockerfile, file: str) -> Iterator[Finding]:
    for ins in [*_all(df, "CMD"), *_all(df, "ENTRYPOINT")]:
        if ins.exec_form() is None:
            yield rule("BLD-DF-006").finding(file=file, line=ins.line,
                                             message=f"shell-form {ins.keyword}: the shell, not the server, is PID 1")


def _secrets(df: Dockerfile, file: str) -> Iterator[Finding]:
    for ins in [*_all(df, "ENV"), *_all(df, "ARG"), *_all(df, "LABEL")]:
        for name, value in _pairs(ins):
            if ins.keyword == "ARG" and secret_name(name):
                reason: str | None = f"{name} is named like a secret; build-arg values are kept in the image history"
            else:
                reason = secret_assignment(name, value)
            if reason:
                yield rule("BLD-DF-007").finding(file=file, line=ins.line, message=f"{ins.keyword} {reason}")


def _pipefail(df: Dockerfile, file: str) -> Iterator[Finding]:
    for stage in df.stages:
        shell = _last(df, stage, "SHELL")
        if shell is not None and "pipefail" in shell.args:
            continue
        for ins in stage.instructions:
            if ins.keyword == "RUN" and ins.exec_form() is None and _pipes_without_pipefail(ins.args):
                yield rule("BLD-DF-008").finding(file=file, line=ins.line)


def _apt(df: Dockerfile, file: str) -> Iterator[Finding]:
    final_layers = {id(stage) for stage in df.lineage(df.stages[-1])}
    for stage in df.stages:
        for ins in (i for i in stage.instructions if i.keyword == "RUN"):
            yield from _apt_run(ins, file, final=id(stage) in final_layers)


def _apt_run(ins: Instruction, file: str, *, final: bool) -> Iterator[Finding]:
    update, install = _APT_UPDATE.search(ins.args), _APT_INSTALL.search(ins.args)
    if bool(update) != bool(install):
        alone = "apt-get update without an install" if update else "apt-get install without an update"
        yield rule("BLD-DF-009").finding(file=file, line=ins.line, message=f"{alone} in the same RUN")
    if install and not _NO_RECOMMENDS.search(ins.args):
        yield rule("BLD-DF-010").finding(file=file, line=ins.line)
    lists_cached = any("type=cache" in f and "/var/lib/apt" in f for f in ins.flags)
    if final and update and not _LISTS_REMOVED.search(ins.args) and not lists_cached:
        yield rule("BLD-DF-011").finding(file=file, line=ins.line)


def _dockerignore(df: Dockerfile, file: str) -> Iterator[Finding]:
    ignore = ignore_file_for(df.path)
    if ignore is None:
        copies = "`COPY .` copies them" if _copies_the_context(df) else "a later `COPY .` would copy them"
        yield rule("BLD-DF-012").finding(file=file, message=f"no .dockerignore beside {df.path.name}: .env, .git and"
                                         f" .venv in the context reach the engine, and {copies}")
        return
    if missing := not_excluded(ignore.read_text(encoding="utf-8", errors="replace")):
        shown = str(Path(file).with_name(ignore.name))
        yield rule("BLD-DF-012").finding(file=shown, message=f"{ignore.name} lets {', '.join(missing)} into the"
                                         " build context")


def _copies_the_context(df: Dockerfile) -> bool:
    """Whether a COPY or ADD takes the whole context (`.` or `./` as a source, not from another stage)."""
    copies = [ins for stage in df.stages for ins in stage.instructions if ins.keyword in ("COPY", "ADD")
              and not any(flag.startswith("--from") for flag in ins.flags)]
    return any(source in (".", "./") for ins in copies for source in ins.args.split()[:-1])


CHECKS: tuple[Check, ...] = (_final_user, _healthcheck, _base_pinned, _add, _exec_form, _secrets, _pipefail, _apt,
                             _dockerignore)


def _last(df: Dockerfile, stage: Stage, keyword: str) -> Instruction | None:
    """The instruction in force at the end of a stage, inherited from its parents when it sets none itself."""
    for ancestor in df.lineage(stage):
        found = [ins for ins in ancestor.instructions if ins.keyword == keyword]
        if found:
            return found[-1]
    return None


def _all(df: Dockerfile, keyword: str) -> list[Instruction]:
    return [ins for stage in df.stages for ins in stage.instructions if ins.keyword == keyword]


def _values(df: Dockerfile, stage: Stage) -> dict[str, str]:
    """What ${VAR} means at the end of a stage: global ARG defaults, then the stage's own ARG and ENV."""
    values = dict(df.global_args)
    for ins in stage.instructions:
        if ins.keyword in ("ARG", "ENV"):
            values.update((name, value) for name, value in _pairs(ins) if value)
    return values


def _pairs(ins: Instruction) -> list[tuple[str, str]]:
    """NAME=value pairs of ENV, ARG or LABEL; also the legacy `ENV NAME value` form."""
    try:
        words = shlex.split(ins.args)
    except ValueError:
        words = ins.args.split()
    if ins.keyword == "ENV" and words and "=" not in words[0]:
        return [(words[0], ins.args.strip()[len(words[0]) :].strip())]
    return [(name, value) for name, _, value in (word.partition("=") for word in words)]


def _pipes_without_pipefail(command: str) -> bool:
    unquoted = _QUOTED.sub("", command)
    return bool(_PIPE.search(unquoted)) and not _SET_PIPEFAIL.search(command)
