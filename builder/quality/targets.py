"""Which files to lint: Dockerfiles and compose files, from the paths a user gave (files or directories)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from builder.errors import BuilderError

DOCKERFILE_GLOBS = ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile", "Containerfile", "Containerfile.*")
COMPOSE_GLOBS = ("compose.yaml", "compose.yml", "compose.*.yaml", "compose.*.yml", "docker-compose.yaml",
                 "docker-compose.yml", "docker-compose.*.yaml", "docker-compose.*.yml")
# Dockerfile.render.dockerignore and Dockerfile.j2 match the globs but are not Dockerfiles.
NOT_DOCKERFILES = (".dockerignore", ".j2", ".orig", ".bak", ".swp")


@dataclass(frozen=True)
class Targets:
    dockerfiles: list[Path]
    compose_files: list[Path]


def find_targets(paths: list[Path]) -> Targets:
    """A directory contributes the Dockerfiles and compose files at its top; a file is taken as what it is named."""
    dockerfiles: list[Path] = []
    compose_files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = _in_directory(path)
            dockerfiles += found.dockerfiles
            compose_files += found.compose_files
        elif path.is_file():
            (compose_files if path.suffix in (".yaml", ".yml") else dockerfiles).append(path)
        else:
            raise BuilderError(f"no such file or directory: {path}", hint="give a Dockerfile, a compose file, or a"
                               " directory that holds them")
    return Targets(dockerfiles=_unique(dockerfiles), compose_files=_unique(compose_files))


def shown(path: Path) -> str:
    """The path as findings show it: relative to the working directory when it lies below it."""
    relative = os.path.relpath(path.resolve(), Path.cwd())
    return str(path) if relative.startswith("..") else relative


def _in_directory(directory: Path) -> Targets:
    dockerfiles = [p for glob in DOCKERFILE_GLOBS for p in sorted(directory.glob(glob))
                   if p.is_file() and not p.name.endswith(NOT_DOCKERFILES)]
    compose_files = [p for glob in COMPOSE_GLOBS for p in sorted(directory.glob(glob)) if p.is_file()]
    if not dockerfiles and not compose_files:
        raise BuilderError(f"nothing to lint in {directory}: no Dockerfile or compose file at its top",
                           hint="give the files themselves, or run `builder generate` to write them")
    return Targets(dockerfiles=dockerfiles, compose_files=compose_files)


def _unique(paths: list[Path]) -> list[Path]:
    return list({path.resolve(): path for path in paths}.values())
