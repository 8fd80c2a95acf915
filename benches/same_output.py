#!/usr/bin/env python3
"""Run every command of two `bedrock-batch` binaries on the same inputs and diff everything.

    python3 benches/same_output.py BEFORE_BIN AFTER_BIN [--big FILE] [--keep DIR]

For a refactoring that must not change behaviour (issue #15): each case runs once per binary in
a fresh working folder of its own, and the stdout, stderr, exit code and every file the command
wrote are compared byte for byte (the working folder's path is replaced by `<WORK>` first, since
the two runs use different folders). Exit status 0 when all cases agree, 1 otherwise (the first
differences are printed).

Cases: `validate` on every rule fixture (with its `case.json` arguments) in every `--format`,
every body family's fixtures with and without its `--model-id`, the formats fixture with
`--group folder`; `shard` (with `--emit-requests`), `fix` (every repair flag), `job create`
pre-flight and `job skeleton`, `results` (text, JSON, `--retry`, `--joined`), `models`,
`rules` (all formats), `schema` for every family; and, with `--big FILE` (for example a 50 MB
file from `benches/gen_claude.py`), `validate`, `validate --model-id`, `shard` and `fix` on it.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
FORMATS = ["text", "json", "jsonl", "github", "sarif", "junit"]
CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"
ROLE = "arn:aws:iam::123456789012:role/BatchRole"


def cases(big):
    """Yields (name, argv) pairs; argv may name `{work}` for the run's own folder."""
    for case_file in sorted(FIX.glob("*/case.json")):
        code = case_file.parent.name
        case = json.loads(case_file.read_text())
        args = case.get("args", [])
        inputs = sorted(
            p for p in case_file.parent.iterdir() if p.name != "case.json" and p.is_file()
        )
        for inp in inputs:
            for fmt in FORMATS:
                yield f"fixture-{code}-{inp.name}-{fmt}", ["validate", "--format", fmt, *args, str(inp)]
        if case.get("pass_args"):
            for inp in inputs:
                yield f"fixture-{code}-{inp.name}-pass", ["validate", "--format", "json", *case["pass_args"], str(inp)]
    for fam in sorted(p for p in (FIX / "families").iterdir() if p.is_dir()):
        model = (fam / "model.txt").read_text().strip() if (fam / "model.txt").exists() else None
        for inp in sorted(fam.glob("*.jsonl")):
            yield f"family-{fam.name}-{inp.name}", ["validate", "--format", "json", str(inp)]
            if model:
                for fmt in ("text", "json", "sarif"):
                    yield f"family-{fam.name}-{inp.name}-model-{fmt}", ["validate", "--format", fmt, "--model-id", model, str(inp)]
    for fmt in FORMATS:
        yield f"formats-{fmt}", ["validate", "--format", fmt, str(FIX / "formats")]
        yield f"formats-{fmt}-folder", ["validate", "--format", fmt, "--group", "folder", str(FIX / "formats")]
    for sample in sorted((FIX / "sample").glob("*.jsonl")):
        s = str(sample)
        for fmt in FORMATS:
            yield f"sample-{sample.name}-{fmt}", ["validate", "--format", fmt, s]
            yield f"sample-{sample.name}-{fmt}-model", ["validate", "--format", fmt, "--model-id", CLAUDE, s]
        yield f"sample-{sample.name}-stdin", ["validate", "--format", "json", "--stdin-filename", "x.jsonl", "-", f"<{s}"]
        yield f"sample-{sample.name}-threads1", ["validate", "--format", "json", "--threads", "1", "--chunk-size", "4096", s]
        yield f"sample-{sample.name}-shard", ["shard", s, "--out", "{work}/out", "--min-records-per-job", "1", "--on-invalid", "skip"]
        yield f"sample-{sample.name}-shard-json", ["shard", s, "--out", "{work}/out", "--format", "json", "--min-records-per-job", "1", "--model-id", CLAUDE, "--emit-requests", "--role-arn", ROLE, "--job-name-prefix", "nightly", "--s3-input-prefix", "s3://my-bucket/in/", "--s3-output-prefix", "s3://my-bucket/out/"]
        yield f"sample-{sample.name}-fix", ["fix", s, "--out", "{work}/fixed.jsonl"]
        yield f"sample-{sample.name}-fix-all", ["fix", s, "--out", "{work}/fixed.jsonl", "--add-record-ids", "--dedupe-record-ids", "--drop-unknown-keys", "--format", "json"]
        yield f"sample-{sample.name}-job-create", ["job", "create", "--state-dir", "{work}/state", "--job-name", "j", "--role-arn", ROLE, "--model-id", CLAUDE, "--input-data-config", "s3InputDataConfig={s3Uri=s3://my-bucket/in/,s3InputFormat=JSONL}", "--output-data-config", "s3OutputDataConfig={s3Uri=s3://my-bucket/out/}", "--now", "2024-05-01T12:00:00Z", "--local-input", s]
    messy = str(FIX / "fix" / "messy.jsonl")
    yield "fix-messy", ["fix", messy, "--out", "{work}/fixed.jsonl", "--add-record-ids", "--dedupe-record-ids", "--drop-unknown-keys"]
    yield "fix-messy-dry", ["fix", messy, "--out", "{work}/fixed.jsonl", "--dry-run", "--format", "json", "--add-record-ids"]
    yield "job-skeleton", ["job", "skeleton"]
    for name in ("claude", "nova", "titan-embed"):
        d = FIX / "results" / name
        base = ["results", "--input", str(d / "input"), "--output", str(d / "output")]
        yield f"results-{name}", base
        yield f"results-{name}-json", [*base, "--format", "json"]
        yield f"results-{name}-retry", [*base, "--retry", "{work}/retry.jsonl"]
        yield f"results-{name}-joined", [*base, "--joined", "{work}/joined.jsonl"]
    yield "models", ["models"]
    yield "models-one", ["models", CLAUDE]
    yield "models-json", ["models", "--format", "json"]
    yield "rules", ["rules"]
    yield "rules-md", ["rules", "--format", "markdown"]
    yield "rules-json", ["rules", "--format", "json"]
    yield "rules-one", ["rules", "M002"]
    for fam in sorted(p.name for p in (FIX / "families").iterdir() if p.is_dir()):
        yield f"schema-{fam}", ["schema", fam]
    yield "bad-flag", ["validate", "--no-such-flag"]
    yield "missing-file", ["validate", "/nonexistent/x.jsonl"]
    if big:
        b = str(big)
        yield "big-text", ["validate", b]
        yield "big-json", ["validate", "--format", "json", b]
        yield "big-model", ["validate", "--format", "json", "--model-id", CLAUDE, b]
        yield "big-model-sarif", ["validate", "--format", "sarif", "--model-id", CLAUDE, b]
        yield "big-shard", ["shard", b, "--out", "{work}/out", "--model-id", CLAUDE]
        yield "big-fix", ["fix", b, "--out", "{work}/fixed.jsonl", "--add-record-ids"]


def run(binary, argv, work):
    """Runs one case in `work`; returns {name: bytes} for everything observable."""
    stdin = None
    args = []
    for a in argv:
        if a.startswith("<"):
            stdin = open(a[1:], "rb")
        else:
            args.append(a.replace("{work}", str(work)))
    env = dict(os.environ, NO_COLOR="1")
    for k in ("CLICOLOR_FORCE", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "CI"):
        env.pop(k, None)
    # argv[0] is the same for both binaries (usage lines name it).
    p = subprocess.run(["bedrock-batch", *args], executable=binary, cwd=work, stdin=stdin or subprocess.DEVNULL,
                       capture_output=True, env=env)
    if stdin:
        stdin.close()
    w = str(work).encode()
    seen = {
        "exit": str(p.returncode).encode(),
        "stdout": p.stdout.replace(w, b"<WORK>"),
        "stderr": p.stderr.replace(w, b"<WORK>"),
    }
    for f in sorted(work.rglob("*")):
        if f.is_file():
            seen["file:" + str(f.relative_to(work))] = f.read_bytes().replace(w, b"<WORK>")
    return seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--big", type=Path)
    args = ap.parse_args()
    bad = 0
    n = 0
    with tempfile.TemporaryDirectory(prefix="same-output-") as tmp:
        for name, argv in cases(args.big):
            n += 1
            outs = []
            for i, binary in enumerate((args.before, args.after)):
                work = Path(tmp) / f"{i}"
                work.mkdir()
                outs.append(run(binary, argv, work))
                shutil.rmtree(work)
            a, b = outs
            if a != b:
                bad += 1
                keys = sorted(set(a) | set(b))
                diff = [k for k in keys if a.get(k) != b.get(k)]
                print(f"DIFFERENT {name}: {' '.join(argv)}\n  differs in: {', '.join(diff)}")
                if bad <= 5:
                    for k in diff[:2]:
                        print(f"  --- before {k}: {a.get(k, b'<absent>')[:400]!r}")
                        print(f"  +++ after  {k}: {b.get(k, b'<absent>')[:400]!r}")
    print(f"{n} cases, {n - bad} identical, {bad} different")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
