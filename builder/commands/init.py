"""builder init: propose builder.yaml for an existing app, each value with where it came from."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from builder.commands import add
from builder.exits import EXIT_OK

ORDER = 5


def register(commands: Any) -> None:
    """init."""
    init = add(commands, "init", "write builder.yaml for an existing app from what its files show", _cmd_init)
    init.add_argument("dir", nargs="?", type=Path, default=None, metavar="DIR",
                      help="the app's directory (default: --spec, else .)")
    init.add_argument("--json", action="store_true", help="print what was found, with its evidence, as JSON")
    init.add_argument("--force", action="store_true", help="replace an existing builder.yaml")
    init.add_argument("--dry-run", action="store_true", help="print the proposal; write nothing")
    init.add_argument("--module", metavar="MOD:APP", help="the entry point, when the app has several")


def _cmd_init(args: argparse.Namespace) -> int:
    from builder.intake.propose import propose, write
    from builder.intake.spec_yaml import plain

    root = args.dir if args.dir is not None else (args.spec if args.spec.is_dir() else args.spec.parent)
    proposal = propose(root, module=args.module)
    if not args.dry_run:
        write(proposal, force=args.force)
    if args.json:
        print(json.dumps({**proposal.to_dict(), "written": not args.dry_run}, indent=2))
        return EXIT_OK
    if args.dry_run:
        print(proposal.text, end="")
        return EXIT_OK
    guesses = sum(1 for f in proposal.intake.fields() if f.guess and not f.field.startswith("fact."))
    print(f"wrote {proposal.path} ({len(proposal.data)} sections, {guesses} guesses to check)")
    for gap in proposal.intake.unexpressed:
        print(f"  not in the spec: {plain(gap.comment(), limit=300)}", file=sys.stderr)
    print("next: builder lock, then builder build")
    return EXIT_OK
