"""`scorebench payloads generate`: build a .jsonl payload set from a CSV of model inputs.

Rule: flags are checked and handed to payloads/generate.py; the command prints the file written.
An existing payload set is never overwritten without --force (nothing lost).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scorebench.payloads.generate import DEFAULT_TARGET, generate_payloads
from scorebench.payloads.loader import load_payloads


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="generate")
    generate = actions.add_parser("generate", help="write DIR/payloads.jsonl from rows of a CSV")
    generate.add_argument("--csv", required=True, type=Path, help="the CSV of model inputs (a header row)")
    generate.add_argument("--out", required=True, type=Path, help="folder to write payloads.jsonl into")
    generate.add_argument("--records-per-body", type=int, default=1, help="records in each request body")
    generate.add_argument("--bodies", type=int, default=100, help="request bodies (lines) to write")
    generate.add_argument("--target", default=DEFAULT_TARGET, help="column to drop (the label; '' for none)")
    generate.add_argument("--seed", type=int, default=None, help="sample rows at random with this seed")
    generate.add_argument("--force", action="store_true", help="overwrite an existing DIR/payloads.jsonl")


def run(args: argparse.Namespace) -> int:
    out = generate_payloads(
        args.csv,
        args.out,
        records_per_body=args.records_per_body,
        bodies=args.bodies,
        target=args.target or None,
        seed=args.seed,
        overwrite=args.force,
    )
    count = len(load_payloads(out))
    print(f"payloads: wrote {count} bodies of {args.records_per_body} records to {out}")
    return 0
