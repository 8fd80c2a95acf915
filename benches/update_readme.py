#!/usr/bin/env python3
"""Put the benchmark table into README.md, between `<!-- bench:start -->` and `<!-- bench:end -->`.

The table comes from `benches/results/latest.md` (written by `benches/compare.py`), or from the
file given with `--table`. Only the text between the two markers changes; the markers stay. If
either marker is missing (or they are out of order) nothing is written and the exit code is 1,
because guessing where the table should go would edit prose somebody else wrote.
"""

from __future__ import annotations

import argparse
import os
import sys

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class MarkerError(Exception):
    """The README lacks a usable pair of markers."""


def replace_block(text: str, table: str) -> str:
    """Return `text` with everything between the markers replaced by `table`."""
    start = text.find(START)
    end = text.find(END)
    if start < 0 or end < 0:
        missing = " and ".join(m for m, i in ((START, start), (END, end)) if i < 0)
        raise MarkerError(f"marker {missing} not found")
    if text.find(START, start + 1) >= 0 or text.find(END, end + 1) >= 0:
        raise MarkerError(f"{START} or {END} appears more than once")
    if end < start:
        raise MarkerError(f"{END} comes before {START}")
    body = table.strip("\n")
    return text[: start + len(START)] + "\n" + body + "\n" + text[end:]


def update(readme: str, table_path: str) -> bool:
    """Rewrite `readme` atomically; return False when it already had this table."""
    with open(table_path, encoding="utf-8") as f:
        table = f.read()
    with open(readme, encoding="utf-8") as f:
        old = f.read()
    new = replace_block(old, table)
    if new == old:
        return False
    tmp = readme + ".bench-tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(new)
    os.replace(tmp, readme)
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--readme", default=os.path.join(ROOT, "README.md"), help="default: README.md at the repository root")
    ap.add_argument("--table", default=os.path.join(ROOT, "benches", "results", "latest.md"),
                    help="Markdown to insert (default: benches/results/latest.md)")
    args = ap.parse_args(argv)
    for path, what in ((args.readme, "README"), (args.table, "table")):
        if not os.path.isfile(path):
            hint = " (run benches/compare.py first)" if what == "table" else ""
            print(f"update_readme.py: {what} {path} not found{hint}", file=sys.stderr)
            return 1
    try:
        changed = update(args.readme, args.table)
    except MarkerError as e:
        print(f"update_readme.py: {args.readme}: {e}; add the line {START} and, below it, the line {END} "
              "where the table should go", file=sys.stderr)
        return 1
    print(f"{args.readme}: {'benchmark block updated' if changed else 'already up to date'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
