#!/usr/bin/env python3
"""The published comparison: the Markdown table of a `compare.py` run, and its place in the docs.

`table(doc)` turns a results document (what `compare.py` writes as JSON) into the Markdown that
`compare.py` writes next to it: the machine and how noisy it was, one row per command, and the
project's speed targets as measured in that same run. `publish()` puts that Markdown into
`docs/performance.md` between `<!-- bench:start -->` and `<!-- bench:end -->`; only the text
between the markers changes, and nothing is written when a marker is missing, because guessing
where the table goes would edit prose somebody else wrote.

A full default run of `benches/compare.py` publishes by itself; run this file to publish an
existing results file again (`python3 benches/publish.py [--table benches/results/latest.md]`).
"""

from __future__ import annotations

import argparse
import os
import sys

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "performance.md")

# The targets of issue #19, checked on every run: (what, row, compared with, limit). A ratio
# target is row median ÷ other row's median (both rows read the same bytes); an RSS target
# ("rss") is the row's peak RSS in MiB.
TARGETS = [
    ("`validate` ≤ 1.8× `wc -l`", "bedrock-batch validate", "wc -l", 1.8),
    ("`validate --model-id` ≤ 3.0× `wc -l`", "bedrock-batch validate --model-id", "wc -l", 3.0),
    ("`validate --model-id` ≤ 0.15× orjson + jsonschema-rs, same 200 MB",
     "bedrock-batch validate --model-id (200 MB)", "orjson + jsonschema-rs", 0.15),
    ("`shard` ≤ 1.2× `split -C 100MB`", "bedrock-batch shard", "split -C 100MB", 1.2),
    ("`fix` ≤ 1.5× `validate`", "bedrock-batch fix", "bedrock-batch validate", 1.5),
    ("`fix --no-mmap` ≤ 1.5× `validate --no-mmap`", "bedrock-batch fix --no-mmap",
     "bedrock-batch validate --no-mmap", 1.5),
    ("`validate --no-mmap` peak RSS ≤ 64 MiB", "bedrock-batch validate --no-mmap", "rss", 64),
    ("`shard --no-mmap` peak RSS ≤ 64 MiB", "bedrock-batch shard --no-mmap", "rss", 64),
    ("`fix --no-mmap` peak RSS ≤ 64 MiB", "bedrock-batch fix --no-mmap", "rss", 64),
]


def fmt_int(n) -> str:
    return f"{n:,}" if isinstance(n, int) else "–"


def _seconds(row: dict) -> str:
    return f"{row['median_s']:.3f}" if row["median_s"] < 10 else f"{row['median_s']:.1f}"


def _noise(doc: dict) -> str:
    """One sentence on how busy the machine was while the rows ran."""
    m = doc["machine"]
    parts = []
    load = m.get("loadavg_start"), m.get("loadavg_end")
    if all(load):
        parts.append(f"load average {load[0][0]:.1f} at the start and {load[1][0]:.1f} at the end")
    other = doc.get("other_cpu")
    if other:
        parts.append(f"other processes used {other['cpu_s']:,.0f} CPU-seconds while the rows ran "
                     f"({other['cores_busy']:.2f} of the {m.get('cores')} cores on average)")
    wc = next((r for r in doc["results"] if r["name"] == "wc -l" and r["status"] == "ok"), None)
    if wc:
        parts.append(f"`wc -l` took {wc['min_s']:.3f}–{wc['max_s']:.3f} s across the rounds")
    return ("Noise: " + "; ".join(parts) + ".") if parts else ""


def _targets(doc: dict) -> list[str]:
    by = {r["name"]: r for r in doc["results"] if r["status"] == "ok"}
    out = ["| target | measured | met |", "|---|--:|:-:|"]
    for label, row, other, limit in TARGETS:
        r = by.get(row)
        if r is None:
            out.append(f"| {label} | not measured | – |")
            continue
        if other == "rss":
            value, shown = r["peak_rss_mib"], f"{r['peak_rss_mib']:,.0f} MiB"
        else:
            o = by.get(other)
            if o is None:
                out.append(f"| {label} | not measured (`{other}` did not run) | – |")
                continue
            # Time per byte, so a row on a prefix compares with one on the whole file.
            value = (r["median_s"] / r["bytes"]) / (o["median_s"] / o["bytes"])
            shown = f"{value:.2f}×"
        out.append(f"| {label} | {shown} | {'yes' if value <= limit else '**no**'} |")
    return out


def table(doc: dict, json_path: str) -> str:
    """The Markdown for one results document."""
    inp = doc["input"]
    m = doc["machine"]
    v = doc["tools"]
    mem = f"{m['memory_bytes'] / 2**30:.1f} GiB" if m.get("memory_bytes") else "? GiB"
    source = (f"Claude Messages records (`benches/gen_claude.py --seed {inp['seed']}`)" if inp.get("generator")
              else f"lines (`{inp['path']}`)")
    peers = v.get("peers") or {}
    peer_text = ", ".join(f"{k} {val}" for k, val in peers.items() if val)
    lines = [
        (f"Input: {inp['bytes']:,} bytes, {inp['records']:,} {source}. "
         f"{doc['rounds']} interleaved round{'s' if doc['rounds'] != 1 else ''} after {doc['warmup_rounds']} "
         f"warm-up, page cache warm; median wall time. Machine: {m.get('cpu_model') or 'unknown CPU'}, "
         f"{m.get('cores')} cores, {mem}, shared with other work, so read the ratios (taken in one run) "
         f"rather than the absolute figures. "
         f"{v.get('bedrock-batch') or 'bedrock-batch (not built)'} at {v.get('git_commit') or '?'}"
         f"{' (uncommitted changes)' if v.get('git_dirty') else ''}, {doc['date'][:16].replace('T', ' ')} UTC. "
         f"Peers: {v.get('jq') or 'jq ?'}, Python {v.get('python')}"
         f"{', ' + peer_text if peer_text else ''}."),
        "",
        _noise(doc),
        "",
        *([v["note"], ""] if v.get("note") else []),
        "| tool | what it checks | records seen | median s (min–max) | MB/s | × `wc -l` | × baseline | peak RSS MiB |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    by = {r["name"]: r for r in doc["results"]}
    wc = by.get("wc -l")
    notes: list[str] = []
    floor = doc.get("rss_floor_mib") or 0
    for row in doc["results"]:
        name = f"`{row['name']}`"
        if row["status"] != "ok":
            lines.append(f"| {name} | {row['checks']} | {row['status']}: {row['reason']} | – | – | – | – | – |")
            continue
        seen = fmt_int(row["records"])
        if row.get("measured_on"):
            seen += f" (first {row['measured_on']['mb']} MB)"
        if row["records"] != row["records_expected"]:
            seen += f" ⚠ expected {fmt_int(row['records_expected'])}"
        vs_wc = (f"{(row['median_s'] / row['bytes']) / (wc['median_s'] / wc['bytes']):.2f}×"
                 if wc and wc["status"] == "ok" else "–")
        base = "–"
        if row["baseline"] != "wc -l" and row.get("ratio") is not None:
            base = f"{row['ratio']:.2f}× `{row['baseline']}`"
        rss = f"≤ {floor:,.0f}" if row["peak_rss_mib"] <= floor + 1 else f"{row['peak_rss_mib']:,.0f}"
        lines.append(
            f"| {name} | {row['checks']} | {seen} | {_seconds(row)} ({row['min_s']:.2f}–{row['max_s']:.2f}) | "
            f"{row['mb_per_s']:,.0f} | {vs_wc} | {base} | {rss} |")
        if row.get("findings"):
            notes.append(f"`{row['name']}` reported findings on the generated input: "
                         + ", ".join(f"{k}×{n}" for k, n in sorted(row["findings"].items())))
        out = row.get("outputs")
        if out and out.get("lines") != row["records"]:
            notes.append(f"`{row['name']}` reported {fmt_int(row['records'])} records but its output files "
                         f"hold {fmt_int(out.get('lines'))} lines")
        if row.get("invalid"):
            notes.append(f"`{row['name']}`: {row['invalid']:,} bodies did not match the schema")
    lines += [
        "",
        "× = time per byte relative to that row (1.00× is as fast; rows on a prefix are compared per byte). "
        "Peers that check less than `bedrock-batch` are faster partly for that reason: each row says what it "
        "checks and what it does not. Peak RSS is the `Maximum resident set size` of `/usr/bin/time -v` "
        f"(for a pipeline, its largest process; `≤ {floor:,.0f}` means at or below what `true` reports the "
        "same way; memory-mapped input counts as resident once read, shared with the page cache). "
        f"Commands and per-round times: `{json_path}`; how to rerun: `benches/README.md`.",
        "",
        "Targets, from this run:",
        "",
        *_targets(doc),
    ]
    for n in notes:
        lines += ["", f"Note: {n}."]
    return "\n".join(lines) + "\n"


class MarkerError(Exception):
    """The document lacks a usable pair of markers."""


def replace_block(text: str, body: str) -> str:
    """Return `text` with everything between the markers replaced by `body`."""
    start = text.find(START)
    end = text.find(END)
    if start < 0 or end < 0:
        missing = " and ".join(m for m, i in ((START, start), (END, end)) if i < 0)
        raise MarkerError(f"marker {missing} not found")
    if text.find(START, start + 1) >= 0 or text.find(END, end + 1) >= 0:
        raise MarkerError(f"{START} or {END} appears more than once")
    if end < start:
        raise MarkerError(f"{END} comes before {START}")
    return text[: start + len(START)] + "\n" + body.strip("\n") + "\n" + text[end:]


def publish(table_path: str, doc_path: str = DOC) -> int:
    """Put the Markdown at `table_path` into `doc_path` (atomically); 0, or 1 with a message."""
    for path, what in ((doc_path, "document"), (table_path, "table")):
        if not os.path.isfile(path):
            hint = " (run benches/compare.py first)" if what == "table" else ""
            print(f"publish.py: {what} {path} not found{hint}", file=sys.stderr)
            return 1
    with open(table_path, encoding="utf-8") as f:
        body = f.read()
    with open(doc_path, encoding="utf-8") as f:
        old = f.read()
    try:
        new = replace_block(old, body)
    except MarkerError as e:
        print(f"publish.py: {doc_path}: {e}; add the line {START} and, below it, the line {END} "
              "where the table should go", file=sys.stderr)
        return 1
    if new != old:
        tmp = doc_path + ".bench-tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(new)
        os.replace(tmp, doc_path)
    print(f"{os.path.relpath(doc_path, ROOT)}: {'benchmark table updated' if new != old else 'already up to date'}",
          file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--doc", default=DOC, help="default: docs/performance.md")
    ap.add_argument("--table", default=os.path.join(ROOT, "benches", "results", "latest.md"),
                    help="Markdown to insert (default: benches/results/latest.md)")
    args = ap.parse_args(argv)
    return publish(args.table, args.doc)


if __name__ == "__main__":
    sys.exit(main())
