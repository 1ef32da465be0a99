"""The spine's commands: schema, plan, generate, build, bases, engine."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from builder.commands import add, load_project, prepare_build
from builder.exits import EXIT_FAILED, EXIT_OK

ORDER = 0


def register(commands: Any) -> None:
    """schema, plan, generate, build, bases, engine."""
    add(commands, "schema", "print the JSON Schema of builder.yaml", _cmd_schema)
    plan = add(commands, "plan", "show every decision builder made from the spec", _cmd_plan)
    plan.add_argument("--json", action="store_true")
    gen = add(commands, "generate", "write the Dockerfiles, .dockerignore, compose, render and gunicorn files",
               _cmd_generate)
    gen.add_argument("--check", action="store_true", help="change nothing; exit 1 with a diff if files are stale")
    gen.add_argument("--force", action="store_true", help="also overwrite files edited by hand")
    build = add(commands, "build", "build the image with BuildKit and measure it", _cmd_build)
    build.add_argument("--json", action="store_true")
    build.add_argument("--tag", help="image tag (default: <name>:latest)")
    build.add_argument("--dockerfile", help="the file to build (default: the Dockerfile builder writes, "
                       "`dockerfile:` in builder.yaml); naming a file builder did not write builds it as it is")
    build.add_argument("--ca-cert", type=Path, help="extra CA for TLS-intercepting proxies (or $BUILDER_CA_CERT)")
    build.add_argument("--no-generate", action="store_true", help="build the files on disk as they are")
    build.add_argument("--push", action="store_true", help="push --tag (a registry reference) after the build; the "
                       "image there is pulled first as cache. Credentials: $BUILDER_REGISTRY_USER and "
                       "$BUILDER_REGISTRY_PASSWORD, else `docker login`")
    build.add_argument("--cache-from", action="append", default=[], metavar="REF",
                       help="reuse layers of this registry image when present (repeatable)")
    bases = add(commands, "bases", "build local stand-ins for the official base images from Debian", _cmd_bases)
    bases.add_argument("--rebuild", action="store_true", help="build them again even when they exist")
    bases.add_argument("--if-needed", action="store_true",
                       help="only for images whose official version is neither present nor pullable")
    engine = add(commands, "engine", "make sure a Docker engine runs (as root on Debian: installs docker.io and "
                 "mmdebstrap, starts dockerd)", _cmd_engine)
    engine.add_argument("--no-install", action="store_true", help="start an installed engine, install nothing")


def _cmd_schema(args: argparse.Namespace) -> int:
    from builder.spec_schema import spec_schema

    print(json.dumps(spec_schema(), indent=2))
    return EXIT_OK


def _cmd_plan(args: argparse.Namespace) -> int:
    from builder import output

    plan = load_project(args.spec).plan
    print(json.dumps(plan.to_dict(), indent=2) if args.json else output.plan_summary(plan))
    return EXIT_OK


def _cmd_generate(args: argparse.Namespace) -> int:
    from builder import output
    from builder.generate import check_artifacts, write_artifacts
    from builder.targets import artifacts_for

    project = load_project(args.spec)
    artifacts = artifacts_for(project.plan)
    if args.check:
        drifts = check_artifacts(project.root, artifacts)
        print(output.drift_report(drifts, project.root))
        return EXIT_FAILED if drifts else EXIT_OK
    outcomes = write_artifacts(project.root, artifacts, force=args.force, spec=project.spec_path)
    print(output.generate_report(outcomes, project.root))
    return EXIT_OK


def _cmd_build(args: argparse.Namespace) -> int:
    from builder import output
    from builder.build import BuildCache, build_image
    from builder.engine import engine_client, find_buildkit_cli
    from builder.errors import BuilderError
    from builder.registry import registry_for
    from builder.report.history import record_build

    project = load_project(args.spec)
    plan = project.plan
    dockerfile = args.dockerfile or plan.images[0].filename
    prepare_build(project, dockerfile=dockerfile, regenerate=not args.no_generate, chosen=bool(args.dockerfile),
                  say=lambda text: _say(text, quiet=args.json))
    echo = None if args.json else _echo_build_line
    tag = args.tag or f"{plan.app_name}:latest"
    if args.push and not args.tag:
        raise BuilderError("--push needs --tag with the registry reference to push to",
                           hint="e.g. builder build --push --tag ghcr.io/acme/app:v1")
    sources = [*args.cache_from, tag] if args.push else list(args.cache_from)
    with engine_client() as client, registry_for(tag, find_buildkit_cli().path) as registry:
        present, notes = registry.pull_cache(sources)
        for note in [*notes, *(f"cache from {ref}" for ref in present)]:
            print(f"  {note}", file=sys.stderr)
        cache = BuildCache(tuple(present), inline=bool(sources), docker_config=registry.config_dir)
        result = build_image(plan, project.root, client, tag=tag, dockerfile=dockerfile,
                             ca_cert=args.ca_cert, cache=cache, on_line=echo)
        if args.push:
            registry.push(tag)
            print(f"  pushed {tag}", file=sys.stderr)
        history, note = record_build(result, client)
    print(f"recorded in {history}" + (f" ({note})" if note else ""), file=sys.stderr)
    print(json.dumps(result.to_dict(), indent=2) if args.json else output.build_report(result))
    return EXIT_OK if result.within_budgets else EXIT_FAILED


def _cmd_bases(args: argparse.Namespace) -> int:
    from builder import output
    from builder.bases import BaseImage, official_available
    from builder.engine import engine_client
    from builder.standins import StandInKind, build_stand_in
    from builder.uv_image import build_uv_stand_in

    plan = load_project(args.spec).plan
    wanted: list[tuple[BaseImage, StandInKind]] = [(plan.base, "python")]
    wanted += [(service.image, service.kind) for service in plan.services]
    if plan.builder.install.image:
        wanted.append((plan.builder.install.image, "uv"))
    cache_dir = Path.home() / ".cache" / "builder" / "bases"
    with engine_client() as client:
        for image, kind in wanted:
            if args.if_needed and official_available(client, image):
                print(f"{image.official:<42} official image available: no stand-in needed")
                continue
            if kind == "uv":
                result = build_uv_stand_in(client, image, cache_dir=cache_dir, rebuild=args.rebuild)
            else:
                result = build_stand_in(client, image, kind, cache_dir=cache_dir, rebuild=args.rebuild)
            print(output.stand_in_line(result) + (f"\n  note: {image.mismatch()}" if image.mismatch() else ""))
    return EXIT_OK


def _cmd_engine(args: argparse.Namespace) -> int:
    from builder.engine import ensure_engine

    status = ensure_engine(install=not args.no_install)
    print(status.detail)
    return EXIT_OK


def _say(text: str, *, quiet: bool) -> None:
    print(text, file=sys.stderr if quiet else sys.stdout)


def _echo_build_line(line: str) -> None:
    """BuildKit's progress, without the digest lines that say nothing to a person."""
    if not re.match(r"#\d+ sha256:", line):
        print(f"  {line}", file=sys.stderr)
