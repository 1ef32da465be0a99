"""The `builder` command: parses arguments, runs one stage, prints, and picks the exit code. Nothing else prints."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from builder.commands import command_groups
from builder.errors import BuilderError, ToolMissing, TransientError
from builder.exits import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_TOOL_MISSING,
    EXIT_TRANSIENT,
    EXIT_USER_ERROR,
)

__all__ = ["EXIT_FAILED", "EXIT_INTERNAL", "EXIT_OK", "EXIT_TOOL_MISSING", "EXIT_TRANSIENT", "EXIT_USER_ERROR",
           "main"]

BUG_REPORT = ("this is a bug in builder, not a mistake of yours: please report it on builder's issue tracker with "
              "the command you ran and what `builder --debug ...` prints")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        if exc.filename is None:  # not about a file: the engine's socket, the network
            return _internal(exc, debug=args.debug)
        # A file the user named or owns: too long a name, no permission, a full disk. Theirs to fix.
        _print_error(BuilderError(f"{_clip(str(exc.filename))}: {exc.strerror}",
                                  hint="check the path and its permissions"), as_json=getattr(args, "json", False))
        return EXIT_USER_ERROR
    except Exception as exc:
        return _internal(exc, debug=args.debug)


def _run(args: argparse.Namespace) -> int:
    try:
        with terminate_as_interrupt():
            code: int = args.run(args)
    except ToolMissing as exc:
        _print_error(exc, as_json=getattr(args, "json", False))
        return EXIT_TOOL_MISSING
    except TransientError as exc:
        _print_error(exc, as_json=getattr(args, "json", False))
        return EXIT_TRANSIENT
    except BuilderError as exc:
        _print_error(exc, as_json=getattr(args, "json", False))
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="builder", description="Slim, non-root, health-checked images for Python web apps, from builder.yaml.")
    parser.add_argument("--spec", type=Path, default=Path(), help="builder.yaml or its directory (default: .)")
    parser.add_argument("--debug", action="store_true", help="on an internal error, print the traceback")
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


def _print_error(exc: BuilderError, *, as_json: bool) -> None:
    """To stderr as text; with --json, as JSON on stdout too, so a program reading stdout always gets JSON."""
    from builder.output import error_json, error_text

    print(error_text(exc), file=sys.stderr)
    if as_json:
        print(json.dumps(error_json(exc), indent=2))


def _internal(exc: BaseException, *, debug: bool) -> int:
    """One line for a person, the traceback for a bug report."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    print(f"builder: internal error: {type(exc).__name__}: {_clip(str(exc))}\n  {BUG_REPORT}", file=sys.stderr)
    return EXIT_INTERNAL


def _quiet_stdout() -> None:
    """The reader left; point stdout at /dev/null so the interpreter's final flush does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout has no file descriptor (captured in tests)
        pass


def _clip(text: str) -> str:
    from builder.safe_yaml import clip

    return clip(text, 200)


if __name__ == "__main__":
    sys.exit(main())
