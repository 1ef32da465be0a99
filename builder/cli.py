"""The `builder` command: parses arguments, runs one stage, prints, and picks the exit code. Nothing else prints."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from builder.commands import command_groups
from builder.errors import BuilderError, ToolMissing, TransientError
from builder.exits import EXIT_FAILED, EXIT_OK, EXIT_TOOL_MISSING, EXIT_TRANSIENT, EXIT_USER_ERROR

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_TOOL_MISSING", "EXIT_TRANSIENT", "EXIT_USER_ERROR", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with terminate_as_interrupt():
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
    parser = argparse.ArgumentParser(
        prog="builder", description="Slim, non-root, health-checked images for Python web apps, from builder.yaml.")
    parser.add_argument("--spec", type=Path, default=Path(), help="builder.yaml or its directory (default: .)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in command_groups():
        group.register(commands)
    return parser


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so a cancelled CI job still removes the containers and images a command started."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _print_error(exc: BuilderError) -> None:
    from builder.output import error_text

    print(error_text(exc), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
