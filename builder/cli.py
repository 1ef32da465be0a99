"""The `builder` command: parses arguments, runs one stage, prints, and picks the exit code. Nothing else prints."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from builder.errors import BuilderError, ToolMissing, TransientError

EXIT_OK, EXIT_FAILED, EXIT_USER_ERROR, EXIT_TRANSIENT, EXIT_TOOL_MISSING = 0, 1, 2, 3, 4


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except ToolMissing as exc:
        _print_error(exc)
        return EXIT_TOOL_MISSING
    except TransientError as exc:
        _print_error(exc)
        return EXIT_TRANSIENT
    except BuilderError as exc:
        _print_error(exc)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="builder", description=__doc__)
    parser.add_argument("--spec", type=Path, default=Path(), help="builder.yaml or its directory (default: .)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add(commands, "schema", "print the JSON Schema of builder.yaml", _cmd_schema)
    plan = _add(commands, "plan", "show every decision builder made from the spec", _cmd_plan)
    plan.add_argument("--json", action="store_true")
    gen = _add(commands, "generate", "write the Dockerfiles, .dockerignore, compose, render and gunicorn files",
               _cmd_generate)
    gen.add_argument("--check", action="store_true", help="change nothing; exit 1 with a diff if files are stale")
    gen.add_argument("--force", action="store_true", help="also overwrite files edited by hand")
    build = _add(commands, "build", "build the image with BuildKit and measure it", _cmd_build)
    build.add_argument("--json", action="store_true")
    build.add_argument("--tag", help="image tag (default: <name>:latest)")
    build.add_argument("--dockerfile", default="Dockerfile", help="Dockerfile or Dockerfile.render")
    build.add_argument("--ca-cert", type=Path, help="extra CA for TLS-intercepting proxies (or $BUILDER_CA_CERT)")
    build.add_argument("--no-generate", action="store_true", help="build the files on disk as they are")
    bases = _add(commands, "bases", "build local stand-ins for the official base images from Debian", _cmd_bases)
    bases.add_argument("--rebuild", action="store_true")
    engine = _add(commands, "engine", "make sure a Docker engine runs (installs docker.io as root on Debian)",
                  _cmd_engine)
    engine.add_argument("--no-install", action="store_true", help="start an installed engine, install nothing")
    return parser


def _add(commands: Any, name: str, help_text: str, run: Callable[[argparse.Namespace], int]) -> Any:
    sub = commands.add_parser(name, help=help_text, description=help_text)
    sub.set_defaults(run=run)
    return sub


def _cmd_schema(args: argparse.Namespace) -> int:
    from builder.spec import AppSpec

    print(json.dumps(AppSpec.model_json_schema(by_alias=True), indent=2))
    return EXIT_OK


def _cmd_plan(args: argparse.Namespace) -> int:
    from builder import output

    plan = _load_plan(args.spec)[1]
    print(json.dumps(plan.to_dict(), indent=2) if args.json else output.plan_summary(plan))
    return EXIT_OK


def _cmd_generate(args: argparse.Namespace) -> int:
    from builder import output
    from builder.generate import check_artifacts, write_artifacts
    from builder.render import render_all

    loaded, plan = _load_plan(args.spec)
    artifacts = render_all(plan)
    if args.check:
        drifts = check_artifacts(loaded.root, artifacts)
        print(output.drift_report(drifts, loaded.root))
        return EXIT_FAILED if drifts else EXIT_OK
    outcomes = write_artifacts(loaded.root, artifacts, force=args.force)
    print(output.generate_report(outcomes, loaded.root))
    return EXIT_OK


def _cmd_build(args: argparse.Namespace) -> int:
    from builder import output
    from builder.build import build_image
    from builder.engine import engine_client
    from builder.generate import write_artifacts
    from builder.render import render_all

    loaded, plan = _load_plan(args.spec)
    if not args.no_generate:
        outcomes = write_artifacts(loaded.root, render_all(plan))
        _say(output.generate_report(outcomes, loaded.root), quiet=args.json)
    echo = None if args.json else (lambda line: print(f"  {line}", file=sys.stderr))
    with engine_client() as client:
        result = build_image(plan, loaded.root, client, tag=args.tag, dockerfile=args.dockerfile,
                             ca_cert=args.ca_cert, on_line=echo)
    print(json.dumps(result.to_dict(), indent=2) if args.json else output.build_report(result))
    return EXIT_OK if result.within_budgets else EXIT_FAILED


def _cmd_bases(args: argparse.Namespace) -> int:
    from builder import output
    from builder.bases import build_stand_in
    from builder.engine import engine_client

    _, plan = _load_plan(args.spec)
    wanted = [(plan.base, "python")] + [(service.image, service.kind) for service in plan.services]
    cache_dir = Path.home() / ".cache" / "builder" / "bases"
    with engine_client() as client:
        for image, kind in wanted:
            print(output.stand_in_line(build_stand_in(client, image, kind, cache_dir=cache_dir, rebuild=args.rebuild)))
    return EXIT_OK
    return EXIT_OK


def _cmd_engine(args: argparse.Namespace) -> int:
    from builder.engine import ensure_engine

    status = ensure_engine(install=not args.no_install)
    print(status.detail)
    return EXIT_OK


def _load_plan(spec_path: Path) -> tuple[Any, Any]:
    from builder.load import load_spec
    from builder.plan import make_plan

    loaded = load_spec(spec_path)
    return loaded, make_plan(loaded.spec)


def _say(text: str, *, quiet: bool) -> None:
    print(text, file=sys.stderr if quiet else sys.stdout)


def _print_error(exc: BuilderError) -> None:
    from builder.output import error_text

    print(error_text(exc), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
