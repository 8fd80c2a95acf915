#!/usr/bin/env python3
"""End-to-end comparison of `bedrock-batch` with the tools people would otherwise use.

Runs every selected command on the same generated input (realistic Claude Messages batch
records from `benches/gen_claude.py`), interleaved: one warm-up round that is not counted, then
`--rounds` rounds that each run every command once, in a fixed order. Interleaving spreads the
noise of a shared machine over all rows instead of letting one row soak up a busy minute.

For each command it records wall time (median/min/max), MB/s, the child's own peak RSS
(`os.wait4` on the child's pid, which covers the child and the processes *it* waited for, e.g. a
shell pipeline, and nothing else this script ran; see TRAMPOLINE for why a tiny intermediate
process does the fork), and the number of records the tool reported, so a reader can see that
every row did the same work.

Rows are data (`COMMANDS` below): add a dict to add a row. Results go to
`benches/results/latest.json` and `latest.md` (or the `--out` path and its `.md` twin); a full
default run also puts the table into `docs/performance.md` (`benches/publish.py`).

The script itself needs only the standard library. The peers it compares with are installed by
`benches/peers.py` into `target/bench/` (a Python venv and a local npm prefix), never
system-wide; `jq`, `node` and `npm` come from the system.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import fcntl
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCHES = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCHES)
sys.path.insert(0, BENCHES)

import gen_claude  # noqa: E402  (lives next to this script)
import peers  # noqa: E402
import publish  # noqa: E402

BIN = os.path.join(ROOT, "target", "release", "bedrock-batch")
CACHE = os.path.join(ROOT, "target", "bench")
RESULTS = os.path.join(BENCHES, "results")
CLAUDE_SCHEMA = os.path.join(ROOT, "schemas", "anthropic-claude-messages.json")
CLAUDE_FAMILY = "anthropic-claude-messages"
MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0"

# Quotas high enough that a 1 GB single-file input raises no quota finding, so `validate` does
# its full work and exits 0.
QUOTA_OVERRIDES = [
    "--max-records-per-file", "100000000", "--max-records-per-job", "100000000",
    "--max-file-bytes", "100GB", "--max-job-bytes", "100GB",
]
VALIDATE = ["{bin}", "validate", "--format", "json", "--no-progress", *QUOTA_OVERRIDES]
SHARD = ["{bin}", "shard", "--out", "{tmpdir}", "--format", "json", "--no-progress",
         "--max-file-bytes", "100MB", "--max-records-per-file", "100000000",
         "--max-records-per-job", "100000000", "--max-job-bytes", "100GB"]
FIX = ["{bin}", "fix", "--out", "{tmpdir}/fixed.jsonl", "--format", "json", "--no-progress"]

# The slow peers (jq, the Python loops, the schema validators) run on the first PEER_MB MB of
# the input (cut at a line end), and so does a `validate --model-id` row, so the schema peers
# compare with it on the same bytes; every other comparison is per byte.
PEER_MB = 200

# What the peers do not check, said once: they parse JSON and look at the body's schema, but
# none of them refuses what the JSON RFC and the service refuse beyond that.
PEER_GAPS = ("no duplicate keys (last wins), no duplicate recordIds, no line rules (UTF-8, BOM, "
             "CRLF, blank lines), no quotas")

# One dict per row. Keys:
#   name      unique row name (what --only matches)
#   group     "validate" (read and check), "shard" (write pieces), "fix" (write a corrected copy)
#   checks    what the row verifies, for the table; rows that check less say what they skip
#   argv      argument list, or shell: a /bin/sh command line; placeholders {input} {bin}
#             {python} {venv} {node_modules} {sourcemeta} {peers} {tmpdir} {schema} are
#             filled in (shell-quoted in `shell`)
#   count     how to get the record count the tool saw: "first_int" (first integer on stdout;
#             "stderr_first_int": on stderr),
#             "json:a.b" (a field of the JSON on stdout), "outdir_lines" (lines written under
#             {tmpdir}, counted after the timed run; for rows with {tmpdir} the lines written
#             are also kept as `outputs`, and must equal the count)
#   out_suffix  with {tmpdir}: only files ending so count as output (e.g. not a manifest)
#   baseline  the row the ratio column compares with (every row is also compared with `wc -l`)
#   ok_exit   exit codes that count as success (default [0])
#   needs     preconditions: "bin" (the release binary), "schema" (the Claude JSON Schema),
#             "python-peers" / "node-peers" (benches/peers.py installed them), or a program
#             name that must be on PATH
#   prefix_mb run on the first N MB of the input only (cut at a line end), for slow tools
#   reads_output  the row also reads the job output generated for the input
#             (`benches/gen_output.py`, placeholders {output} = the job's output folder and
#             {output_file} = its .jsonl.out): its bytes are input + output
#   expect    "input+output": the tool reports output lines too (default: the input's records)
#   default   False: only run when named in --only
COMMANDS: list[dict] = [
    {
        "name": "wc -l",
        "group": "validate",
        "checks": "counts newlines: the floor (reads every byte once, checks nothing)",
        "argv": ["wc", "-l", "{input}"],
        "count": "first_int",
        "baseline": "wc -l",
        "needs": ["wc"],
    },
    {
        "name": "jq",
        "group": "validate",
        "checks": "each line is JSON (parsed and re-serialised by `jq -c .`; a pipe to `wc -l` counts them); "
                  "no envelope, no schema, " + PEER_GAPS,
        "shell": "jq -c . {input} | wc -l",
        "count": "first_int",
        "baseline": "wc -l",
        "needs": ["jq", "wc"],
        # About 40 MB/s: the whole file would take most of a run's time, per byte the same.
        "prefix_mb": PEER_MB,
    },
    {
        "name": "jq reduce",
        "group": "validate",
        "checks": "each line is JSON (parsed by jq, counted without re-serialising)",
        "argv": ["jq", "-n", "reduce inputs as $x (0; .+1)", "{input}"],
        "count": "first_int",
        "baseline": "wc -l",
        "needs": ["jq"],
        "default": False,
    },
    {
        "name": "python json loop",
        "group": "validate",
        "checks": "`json.loads` per line: a JSON object with a `modelInput` object and a string `recordId` "
                  "if present; no schema, " + PEER_GAPS,
        "argv": ["{python}", "{peers}/json_loop.py", "{input}"],
        "display": "python3 benches/peers/json_loop.py FILE",
        "count": "first_int",
        "baseline": "wc -l",
        "prefix_mb": PEER_MB,
    },
    {
        "name": "bedrock-batch validate",
        "group": "validate",
        "checks": "JSON (RFC 8259, UTF-8, duplicate keys), line and envelope rules, duplicate recordIds, quotas",
        "argv": [*VALIDATE, "{input}"],
        "count": "json:summary.records",
        "baseline": "wc -l",
        "ok_exit": [0, 1],
        "needs": ["bin"],
    },
    {
        "name": "bedrock-batch validate --no-mmap",
        "group": "validate",
        "checks": "the same, reading the file in blocks instead of memory-mapping it",
        "argv": [*VALIDATE, "--no-mmap", "{input}"],
        "count": "json:summary.records",
        "baseline": "wc -l",
        "ok_exit": [0, 1],
        "needs": ["bin"],
    },
    {
        "name": "bedrock-batch validate --model-id",
        "group": "validate",
        "checks": f"the same plus every body against the Claude Messages schema (`--model-id {MODEL_ID}`)",
        "argv": [*VALIDATE, "--model-id", MODEL_ID, "{input}"],
        "count": "json:summary.records",
        "baseline": "wc -l",
        "ok_exit": [0, 1],
        "needs": ["bin"],
    },
    {
        "name": f"bedrock-batch validate --model-id ({PEER_MB} MB)",
        "group": "validate",
        "checks": f"`validate --model-id` on the first {PEER_MB} MB: the bytes the schema peers below read",
        "argv": [*VALIDATE, "--model-id", MODEL_ID, "{input}"],
        "count": "json:summary.records",
        "baseline": "wc -l",
        "ok_exit": [0, 1],
        "needs": ["bin"],
        "prefix_mb": PEER_MB,
    },
    {
        "name": "orjson + jsonschema-rs",
        "group": "validate",
        "checks": "Python: orjson per line, the envelope, every body against the Claude schema with "
                  "jsonschema-rs (Rust); " + PEER_GAPS,
        "argv": ["{venv}", "{peers}/orjson_jsonschema_rs.py", "{schema}", "{input}"],
        "display": "venv/bin/python benches/peers/orjson_jsonschema_rs.py SCHEMA FILE",
        "count": "first_int",
        "baseline": f"bedrock-batch validate --model-id ({PEER_MB} MB)",
        "needs": ["schema", "python-peers"],
        "prefix_mb": PEER_MB,
    },
    {
        "name": "orjson + fastjsonschema",
        "group": "validate",
        "checks": "Python: the same loop, bodies checked by fastjsonschema (schema compiled to Python); "
                  + PEER_GAPS,
        "argv": ["{venv}", "{peers}/orjson_fastjsonschema.py", "{schema}", "{input}"],
        "display": "venv/bin/python benches/peers/orjson_fastjsonschema.py SCHEMA FILE",
        "count": "first_int",
        "baseline": f"bedrock-batch validate --model-id ({PEER_MB} MB)",
        "needs": ["schema", "python-peers"],
        "prefix_mb": PEER_MB,
    },
    {
        "name": "Ajv (Node)",
        "group": "validate",
        "checks": "Node: `JSON.parse` per line (invalid UTF-8 is replaced, not refused), the envelope, "
                  "every body against the Claude schema with a compiled Ajv 2020 validator; " + PEER_GAPS,
        "argv": ["node", "{peers}/ajv_validate.js", "{node_modules}", "{schema}", "{input}"],
        "display": "node benches/peers/ajv_validate.js node_modules SCHEMA FILE",
        "count": "first_int",
        "baseline": f"bedrock-batch validate --model-id ({PEER_MB} MB)",
        "needs": ["schema", "node-peers"],
        "prefix_mb": PEER_MB,
    },
    {
        "name": "@sourcemeta/jsonschema validate --fast",
        "group": "validate",
        "checks": "the JSON Schema CLI (C++) on the JSONL file: each line against "
                  "`benches/peers/record.schema.json` (envelope + Claude schema); " + PEER_GAPS,
        "argv": ["{sourcemeta}", "validate", "--fast", "--continue", "--resolve", "{schema}",
                 "{peers}/record.schema.json", "{input}"],
        "display": "jsonschema validate --fast --continue --resolve SCHEMA benches/peers/record.schema.json FILE",
        # It prints "N validated, N passed, 0 failed" on stderr.
        "count": "stderr_first_int",
        "baseline": f"bedrock-batch validate --model-id ({PEER_MB} MB)",
        "needs": ["schema", "node-peers"],
        "prefix_mb": PEER_MB,
    },
    {
        "name": "python jsonschema",
        "group": "validate",
        "checks": "the `json` loop plus every body against the Claude schema with the `jsonschema` package "
                  "(pure Python; so slow it reads 20 MB); " + PEER_GAPS,
        "argv": ["{venv}", "{peers}/json_jsonschema.py", "{schema}", "{input}"],
        "display": "venv/bin/python benches/peers/json_jsonschema.py SCHEMA FILE",
        "count": "first_int",
        "baseline": "wc -l",
        "needs": ["schema", "python-peers"],
        "prefix_mb": 20,
    },
    {
        "name": "bedrock-batch validate input+output",
        "group": "validate",
        "checks": "validate's scan over the input and its generated job output (`.jsonl.out`): the bytes `results` reads (F001, R007 findings expected)",
        "argv": [*VALIDATE, "{input}", "{output_file}"],
        "count": "json:summary.records",
        "expect": "input+output",
        "reads_output": True,
        "baseline": "wc -l",
        "ok_exit": [0, 1],
        "needs": ["bin"],
    },
    {
        "name": "bedrock-batch results",
        "group": "validate",
        "checks": "joins the generated job output (shuffled, 3 % failed, 1 % missing) to the input by recordId; counts, failures by errorCode, tokens, manifest check",
        "argv": ["{bin}", "results", "--input", "{input}", "--output", "{output}", "--format", "json",
                 "--no-progress"],
        "count": "json:counts.input_records",
        "reads_output": True,
        "baseline": "bedrock-batch validate input+output",
        "ok_exit": [0, 1],
        "needs": ["bin"],
    },
    {
        "name": "split -C 100MB",
        "group": "shard",
        # GNU split reads "100M" as MiB; "100MB" is 10^8 bytes, the same size the shard row asks for.
        "checks": "cuts the file into pieces of at most 10^8 bytes at line ends (checks nothing): the floor for shard",
        "argv": ["split", "-C", "100MB", "{input}", "{tmpdir}/part-"],
        "count": "outdir_lines",
        "baseline": "split -C 100MB",
        "needs": ["split"],
    },
    {
        "name": "bedrock-batch shard",
        "group": "shard",
        "checks": "validates as `validate` does, then writes one job folder of balanced .jsonl files of "
                  "at most 10^8 bytes, each checksummed, plus `manifest.json`",
        "argv": [*SHARD, "{input}"],
        "count": "json:output.records",
        "out_suffix": ".jsonl",
        "baseline": "split -C 100MB",
        "needs": ["bin"],
    },
    {
        "name": "bedrock-batch shard --no-mmap",
        "group": "shard",
        "checks": "the same, reading the input in blocks instead of memory-mapping it",
        "argv": [*SHARD, "--no-mmap", "{input}"],
        "count": "json:output.records",
        "out_suffix": ".jsonl",
        "baseline": "split -C 100MB",
        "needs": ["bin"],
    },
    {
        "name": "bedrock-batch shard --model-id",
        "group": "shard",
        "checks": "the same, also checking every body against the Claude Messages schema",
        "argv": [*SHARD, "--model-id", MODEL_ID, "{input}"],
        "count": "json:output.records",
        "out_suffix": ".jsonl",
        "baseline": "split -C 100MB",
        "needs": ["bin"],
    },
    {
        "name": "bedrock-batch fix",
        "group": "fix",
        "checks": "reads every record, rewrites what it can mend into one output file, re-checks the output "
                  "(nothing to mend here: every record is kept)",
        "argv": [*FIX, "{input}"],
        "count": "json:summary.written",
        "out_suffix": ".jsonl",
        "baseline": "bedrock-batch validate",
        "needs": ["bin"],
    },
    {
        "name": "bedrock-batch fix --no-mmap",
        "group": "fix",
        "checks": "the same, reading the input and re-checking the output in blocks",
        "argv": [*FIX, "--no-mmap", "{input}"],
        "count": "json:summary.written",
        "out_suffix": ".jsonl",
        "baseline": "bedrock-batch validate --no-mmap",
        "needs": ["bin"],
    },
]

# Spawned once per round to measure the peak-RSS floor (see TRAMPOLINE).
FLOOR = {"name": "spawn floor", "argv": ["true"], "count": "first_int"}

# stderr phrases (clap's) meaning "this binary does not have that subcommand or flag yet".
UNSUPPORTED = ("unrecognized subcommand", "unexpected argument", "invalid value", "unknown subcommand")


class Skip(Exception):
    """The row cannot run here; the message says why."""


# ---------------------------------------------------------------------------------------------
# Input


def generator_digest() -> str:
    with open(gen_claude.__file__, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:10]


def ensure_input(seed: int, size: int) -> tuple[str, float | None]:
    """The cached input for (seed, size, generator version); generate it if missing."""
    os.makedirs(CACHE, exist_ok=True)
    stem = f"claude-seed{seed}-{size}"
    path = os.path.join(CACHE, f"{stem}-{generator_digest()}.jsonl")
    # Inputs from an older generator for the same seed and size are stale: remove them.
    for name in os.listdir(CACHE):
        if name.startswith(stem + "-") and name.endswith(".jsonl") and os.path.join(CACHE, name) != path:
            os.unlink(os.path.join(CACHE, name))
    if os.path.exists(path):
        return path, None
    log(f"generating {rel(path)} (seed {seed}, {size:,} bytes) ...")
    t = time.perf_counter()
    # In a child process, so this one does not keep the generator's memory for the whole run.
    subprocess.run([sys.executable, gen_claude.__file__, "--seed", str(seed), "--size", str(size),
                    "--out", path], check=True)
    dt = time.perf_counter() - t
    return path, dt


def ensure_prefix(path: str, mb: int) -> str:
    """The first `mb` MB (10^6 bytes) of `path`, cut after the last complete line.

    Cached under target/bench/ (never next to a user's --input file), named after the input.
    """
    os.makedirs(CACHE, exist_ok=True)
    stem = os.path.splitext(os.path.basename(path))[0]
    if os.path.dirname(os.path.abspath(path)) != CACHE:
        stem += "-" + hashlib.sha256(os.path.abspath(path).encode()).hexdigest()[:8]
    out = os.path.join(CACHE, f"{stem}.first{mb}MB.jsonl")
    if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(path):
        return out
    with open(path, "rb") as f:
        data = f.read(mb * 10**6)
    if len(data) == mb * 10**6:
        data = data[: data.rfind(b"\n") + 1]
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(out))
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, out)
    return out


def ensure_output(input_path: str, seed: int) -> tuple[str, str, float | None]:
    """The job output generated for `input_path` (`benches/gen_output.py`), cached beside the
    generated inputs: (the job's output folder, its .jsonl.out file, seconds spent generating)."""
    with open(os.path.join(BENCHES, "gen_output.py"), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:10]
    stem = os.path.splitext(os.path.basename(input_path))[0]
    if os.path.dirname(os.path.abspath(input_path)) != CACHE:
        stem += "-" + hashlib.sha256(os.path.abspath(input_path).encode()).hexdigest()[:8]
    root = os.path.join(CACHE, f"{stem}.output-seed{seed}-{digest}")
    folder = os.path.join(root, "j0b000000042")
    out_file = os.path.join(folder, os.path.basename(input_path) + ".out")
    for name in os.listdir(CACHE):  # outputs of an older generator or input are stale
        if name.startswith(stem + ".output-") and os.path.join(CACHE, name) != root:
            shutil.rmtree(os.path.join(CACHE, name), ignore_errors=True)
    fresh = os.path.exists(out_file) and os.path.getmtime(out_file) >= os.path.getmtime(input_path)
    if fresh and os.path.exists(os.path.join(folder, "manifest.json.out")):
        return folder, out_file, None
    log(f"generating the job output for {rel(input_path)} in {rel(folder)} ...")
    t = time.perf_counter()
    subprocess.run([sys.executable, os.path.join(BENCHES, "gen_output.py"), input_path,
                    "--out", folder, "--seed", str(seed)], check=True)
    return folder, out_file, time.perf_counter() - t


def count_lines(path: str) -> tuple[int, int]:
    """(newlines, bytes) of a file, read in blocks; also pulls it into the page cache."""
    n = size = 0
    with open(path, "rb", buffering=0) as f:
        while block := f.read(16 << 20):
            n += block.count(b"\n")
            size += len(block)
    return n, size


# ---------------------------------------------------------------------------------------------
# Running one command


PLACEHOLDER = re.compile(r"\{(input|bin|python|venv|node_modules|sourcemeta|peers|tmpdir|schema|output|output_file)\}")


def fill(text: str, ctx: dict, quote: bool = False) -> str:
    """Replace the known placeholders only, so braces in inline programs are left alone."""
    return PLACEHOLDER.sub(lambda m: shlex.quote(ctx[m.group(1)]) if quote else ctx[m.group(1)], text)


def render(cmd: dict, ctx: dict) -> list[str]:
    if "shell" in cmd:
        return ["/bin/sh", "-c", fill(cmd["shell"], ctx, quote=True)]
    return [fill(a, ctx) for a in cmd["argv"]]


def display(cmd: dict, ctx: dict) -> str:
    """The command line as a reader would type it (input shown as FILE)."""
    if "display" in cmd:
        return cmd["display"]
    short = dict(ctx, input="FILE", bin="target/release/bedrock-batch", tmpdir="OUTDIR",
                 schema="SCHEMA", python="python3", output="JOBOUT/", output_file="JOBOUT/FILE.out",
                 venv="venv/bin/python", peers="benches/peers", node_modules="node_modules", sourcemeta="jsonschema")
    if "shell" in cmd:
        return fill(cmd["shell"], short)
    return shlex.join(fill(a, short) for a in cmd["argv"])


def dig(doc, path: str):
    for key in path.split("."):
        doc = doc[key]
    return doc


# Runs one command for run_once and reports its own rusage. A child of Python's Popen starts
# with Python's high-water mark as its `ru_maxrss` (Popen uses vfork, and exec records the old
# address space's peak), which would put a floor of 20+ MiB under every figure. This trampoline
# is a bare interpreter (-S -I, nothing imported) that forks (a real fork: the child's peak
# starts from the few MiB actually copied), execs the command, and reports wall time from fork
# to exit plus the `os.wait4` rusage of that one child as "wall user sys maxrss" on fd argv[1].
TRAMPOLINE = r"""
import os, sys, time
fd = int(sys.argv[1])
argv = sys.argv[2:]
os.set_inheritable(fd, False)
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    except OSError as e:
        os.write(2, ("compare.py: cannot run %s: %s\n" % (argv[0], e)).encode())
    os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
os.write(fd, ("%r %r %r %r" % (wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss)).encode())
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
"""


def run_once(cmd: dict, ctx: dict, timeout: float) -> dict:
    """Run the command once; return timing, rusage, exit code, output and the record count."""
    tmpdir = None
    if "{tmpdir}" in (cmd.get("shell") or " ".join(cmd.get("argv", []))):
        os.makedirs(CACHE, exist_ok=True)  # not made yet when --input skips the generator
        tmpdir = tempfile.mkdtemp(prefix="run-", dir=CACHE)
    ctx = dict(ctx, tmpdir=tmpdir or "")
    argv = render(cmd, ctx)
    # GNU time's report (`Maximum resident set size`) is the peak RSS the table shows; it is the
    # same wait4 figure the trampoline sees, written by a tool a reader can run by hand.
    time_v = tempfile.NamedTemporaryFile(prefix="time-v-", dir=CACHE, delete=False) if TIME_V else None
    if time_v is not None:
        time_v.close()
        argv = [TIME_V, "-v", "-o", time_v.name, *argv]
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            rfd, wfd = os.pipe()
            proc = subprocess.Popen([sys.executable, "-S", "-I", "-c", TRAMPOLINE, str(wfd), *argv],
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=ROOT,
                                    start_new_session=True, pass_fds=(wfd,))
            os.close(wfd)
            killed = threading.Event()

            def kill() -> None:
                killed.set()
                os.killpg(proc.pid, signal.SIGKILL)

            timer = threading.Timer(timeout, kill)
            timer.start()
            try:
                _, status, _ = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
            proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen never waits again
            with os.fdopen(rfd, "rb") as r:
                report = r.read().decode().split()
            if len(report) != 4:  # killed, or the trampoline itself failed
                report = [str(timeout if killed.is_set() else 0), "0", "0", "0"]
            wall, user, system, maxrss = (float(x) for x in report)
            time_rss = read_time_v(time_v.name) if time_v is not None else None
            out.seek(0)
            stdout = out.read().decode("utf-8", "replace")
            err.seek(0)
            stderr = err.read().decode("utf-8", "replace")
        result = {
            "wall_s": wall,
            "user_s": user,
            "sys_s": system,
            "maxrss_kib": time_rss if time_rss is not None else int(maxrss),  # Linux: KiB
            "wait4_maxrss_kib": int(maxrss),
            "exit": proc.returncode,
            "timed_out": killed.is_set(),
            "stdout": stdout,
            "stderr": stderr,
        }
        if tmpdir is not None:
            result["outputs"] = summarise_outputs(tmpdir, cmd.get("out_suffix", ""))
        return result
    finally:
        if time_v is not None:
            os.unlink(time_v.name)
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
            # Written-then-deleted pages should not be flushed during the next row's timing.
            os.sync()


TIME_V = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def read_time_v(path: str) -> int | None:
    """The `Maximum resident set size (kbytes)` line of a `/usr/bin/time -v -o` report."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if "Maximum resident set size" in line:
                    return int(line.rsplit(":", 1)[1])
    except (OSError, ValueError):
        pass
    return None


def cpu_busy_s() -> float | None:
    """CPU-seconds the whole machine has spent busy since boot (all cores, /proc/stat)."""
    try:
        with open("/proc/stat", encoding="utf-8") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def summarise_outputs(tmpdir: str, suffix: str) -> dict:
    """Files, lines and bytes written under `tmpdir` (files ending in `suffix` only)."""
    files = lines = total = largest = 0
    for dirpath, _, names in os.walk(tmpdir):
        for name in names:
            if not name.endswith(suffix):
                continue
            n, size = count_lines(os.path.join(dirpath, name))
            files += 1
            lines += n
            total += size
            largest = max(largest, size)
    return {"files": files, "lines": lines, "bytes": total, "largest_bytes": largest}


def extract_count(cmd: dict, run: dict) -> tuple[int | None, dict]:
    """The record count the tool reported, plus extra facts worth keeping (findings, outputs)."""
    how = cmd["count"]
    extra: dict = {}
    if how in ("first_int", "stderr_first_int"):
        m = re.search(r"\d+", run["stdout" if how == "first_int" else "stderr"])
        count = int(m.group()) if m else None
        rest = re.search(r"invalid (\d+)", run["stdout"])
        if rest:
            extra["invalid"] = int(rest.group(1))
    elif how.startswith("json:"):
        try:
            doc = json.loads(run["stdout"])
            count = dig(doc, how[5:])
        except (ValueError, KeyError, TypeError):
            return None, extra
        if "summary" in doc:  # a validate report
            extra["findings"] = doc["summary"].get("by_code", {})
            extra["verdict"] = (doc.get("verdict") or {}).get("status")
        if "outputs" in run:
            extra["outputs"] = run["outputs"]
    elif how == "outdir_lines":
        outputs = run.get("outputs") or {}
        count = outputs.get("lines")
        extra["outputs"] = outputs
    else:
        raise ValueError(f"row {cmd['name']}: unknown count method {how!r}")
    return count, extra


def failure_reason(cmd: dict, run: dict) -> tuple[str, str]:
    """('skipped' | 'failed', reason) for a run whose exit code is not acceptable."""
    stderr = run["stderr"].strip()
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    # A Python traceback says what went wrong on its last line.
    first = (lines[-1] if lines[0].startswith("Traceback") else lines[0]) if lines else ""
    if run.get("timed_out"):
        return "failed", "timed out"
    if "bin" in cmd.get("needs", []) and any(p in stderr for p in UNSUPPORTED):
        return "skipped", f"this bedrock-batch does not support it yet: {first}"
    return "failed", f"exit {run['exit']}" + (f": {first}" if first else "")


# ---------------------------------------------------------------------------------------------
# Preconditions


def check_needs(cmd: dict, have_bin: bool, schema: str | None, schema_why: str, peer_why: dict) -> None:
    for need in cmd.get("needs", []):
        if need == "bin":
            if not have_bin:
                raise Skip(f"{rel(BIN)} not found or not executable (not built yet? run without --no-build)")
        elif need == "schema":
            if schema is None:
                raise Skip(schema_why)
        elif need in ("python-peers", "node-peers"):
            if peer_why.get(need):
                raise Skip(peer_why[need])
        elif shutil.which(need) is None:
            raise Skip(f"`{need}` not found on PATH")


def find_schema(have_bin: bool) -> tuple[str | None, str]:
    """The Claude Messages JSON Schema: the repository file, else what the binary prints."""
    if os.path.isfile(CLAUDE_SCHEMA):
        return CLAUDE_SCHEMA, ""
    why = f"{rel(CLAUDE_SCHEMA)} does not exist"
    if have_bin:
        p = subprocess.run([BIN, "schema", CLAUDE_FAMILY], check=False, capture_output=True, text=True)
        if p.returncode == 0:
            try:
                json.loads(p.stdout)
            except ValueError:
                return None, why + f" and `bedrock-batch schema {CLAUDE_FAMILY}` did not print JSON"
            path = os.path.join(CACHE, f"{CLAUDE_FAMILY}.schema.json")
            with open(path, "w", encoding="utf-8") as f:
                f.write(p.stdout)
            return path, ""
        first = (p.stderr.strip().splitlines() or [""])[0]
        why += f" and `bedrock-batch schema {CLAUDE_FAMILY}` failed: {first}"
    return None, why


def build(no_build: bool) -> dict:
    if no_build:
        return {"ran": False}
    log("cargo build --release ...")
    t = time.perf_counter()
    p = subprocess.run(["cargo", "build", "--release", "--quiet"], check=False, cwd=ROOT)
    if p.returncode != 0:
        log("compare.py: `cargo build --release` failed; fix the build, or pass --no-build to "
            f"benchmark the existing {rel(BIN)} as it is")
        sys.exit(2)
    return {"ran": True, "seconds": round(time.perf_counter() - t, 1)}


# ---------------------------------------------------------------------------------------------
# Machine description


def first_line(argv: list[str]) -> str | None:
    try:
        p = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (p.stdout or p.stderr).strip()
    return text.splitlines()[0] if p.returncode == 0 and text else None


def machine() -> dict:
    cpu = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    return {
        "uname": " ".join(platform.uname()),
        "uname_a": first_line(["uname", "-a"]),
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "memory_bytes": mem,
        "loadavg_start": os.getloadavg(),
    }


def tool_versions(have_bin: bool) -> dict:
    git = first_line(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"])
    # Results files are rewritten by every run; they do not make the measured code dirty.
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "--",
                            ".", ":!benches/results"],
                           check=False, capture_output=True, text=True).stdout.strip() != ""
    return {
        "bedrock-batch": first_line([BIN, "--version"]) if have_bin else None,
        "bedrock-batch_path": rel(BIN),
        "git_commit": git,
        "git_dirty": dirty,
        "jq": first_line(["jq", "--version"]),
        "python": platform.python_version(),
        "wc": first_line(["wc", "--version"]),
        "split": first_line(["split", "--version"]),
        "rustc": first_line(["rustc", "--version"]),
    }


# ---------------------------------------------------------------------------------------------
# Reporting


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def rel(path: str) -> str:
    return os.path.relpath(path, ROOT) if path.startswith(ROOT) else path


def fmt_int(n) -> str:
    return f"{n:,}" if isinstance(n, int) else "–"


def summarise(row: dict, runs: list[dict], input_bytes: int) -> None:
    walls = [r["wall_s"] for r in runs]
    med = statistics.median(walls)
    row.update({
        "times_s": [round(w, 4) for w in walls],
        "median_s": round(med, 4),
        "min_s": round(min(walls), 4),
        "max_s": round(max(walls), 4),
        "user_s_median": round(statistics.median(r["user_s"] for r in runs), 4),
        "sys_s_median": round(statistics.median(r["sys_s"] for r in runs), 4),
        "mb_per_s": round(input_bytes / 1e6 / med, 1) if med > 0 else None,
        "peak_rss_mib": round(max(r["maxrss_kib"] for r in runs) / 1024, 1),
        "exit_codes": sorted({r["exit"] for r in runs}),
    })


def write_atomic_json(doc: dict, path: str) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------


def exclusive_run():
    """Wait until no other compare.py run on this machine is measuring, then hold the lock.

    Two runs at once on a small machine measure each other; the second waits instead.
    """
    os.makedirs(CACHE, exist_ok=True)
    f = open(os.path.join(CACHE, ".compare.lock"), "a+")  # noqa: SIM115 (held for the whole run)
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        log(f"another compare.py run is measuring ({f.read().strip() or 'pid unknown'}); waiting for it to finish")
        fcntl.flock(f, fcntl.LOCK_EX)
    f.seek(0)
    f.truncate()
    f.write(f"pid {os.getpid()}, started {_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')}\n")
    f.flush()
    return f


def select(only: str | None) -> list[dict]:
    if not only:
        return [c for c in COMMANDS if c.get("default", True)]
    names = {c["name"].lower(): c for c in COMMANDS}
    wanted = [n.strip().lower() for n in only.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in names]
    if unknown:
        sys.exit(f"compare.py: unknown row(s) {', '.join(unknown)}; rows: "
                 + "; ".join(c["name"] for c in COMMANDS))
    chosen = {names[n]["name"] for n in wanted}
    # A ratio needs its baseline, so the baseline runs too.
    for n in list(chosen):
        base = next(c for c in COMMANDS if c["name"] == n)["baseline"]
        if base not in chosen:
            log(f"also running `{base}`: it is the baseline of `{n}`")
            chosen.add(base)
    return [c for c in COMMANDS if c["name"] in chosen]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Compare bedrock-batch with wc, jq, split and Python on the same generated "
                    "input, in interleaved rounds; write benches/results/latest.{json,md}.",
        epilog="rows: " + "; ".join(c["name"] + ("" if c.get("default", True) else " (only with --only)")
                                    for c in COMMANDS))
    ap.add_argument("--size", type=gen_claude.parse_size, default=10**9,
                    help="input size: 1GB (default, 10^9 bytes), 100MB, 500MiB, plain bytes")
    ap.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    ap.add_argument("--input", metavar="FILE", help="benchmark this file instead of a generated one")
    ap.add_argument("--rounds", type=int, default=5, help="counted rounds (default 5), after one warm-up round")
    ap.add_argument("--only", metavar="NAME[,NAME]", help="run only these rows (and their baselines)")
    ap.add_argument("--out", default=os.path.join(RESULTS, "latest.json"),
                    help="results JSON (default benches/results/latest.json); the Markdown table "
                         "goes next to it with the .md extension")
    ap.add_argument("--no-build", action="store_true", help="do not run `cargo build --release` first")
    ap.add_argument("--bin", metavar="PATH",
                    help="benchmark this bedrock-batch binary (implies --no-build; default target/release/bedrock-batch)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds before one run is killed (default 1800)")
    ap.add_argument("--note", help="a sentence the table shows under its header (e.g. which commit --bin was built from)")
    ap.add_argument("--no-publish", action="store_true",
                    help="do not put the table into docs/performance.md (only a full default run does: "
                         "all rows, the generated 1 GB input, the built binary, 5 or more rounds)")
    args = ap.parse_args(argv)
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    # Only a run of the whole comparison replaces the published table.
    full = not (args.only or args.input or args.bin or args.size != 10**9 or args.seed != 42 or args.rounds < 5)
    publish_table = full and not args.no_publish and os.path.abspath(args.out) == os.path.join(RESULTS, "latest.json")

    rows = select(args.only)
    _lock = exclusive_run()  # held (open) until exit
    global BIN
    if args.bin:
        BIN = os.path.abspath(args.bin)
    build_info = build(args.no_build or bool(args.bin))
    have_bin = os.access(BIN, os.X_OK)
    tools = tool_versions(have_bin)  # now: the tree may change while the rows run
    tools["note"] = args.note
    m = machine()  # load average before the rows

    if args.input:
        input_path, gen_s = os.path.abspath(args.input), None
        seed = None
    else:
        input_path, gen_s = ensure_input(args.seed, args.size)
        seed = args.seed
    records, input_bytes = count_lines(input_path)  # also warms the page cache
    log(f"input {rel(input_path)}: {input_bytes:,} bytes, {records:,} lines")

    schema, schema_why = (None, "")
    if any("schema" in c.get("needs", []) for c in rows):
        schema, schema_why = find_schema(have_bin)
    peer_why: dict = {}
    if any("python-peers" in c.get("needs", []) for c in rows):
        peer_why["python-peers"] = peers.ensure_python()
    if any("node-peers" in c.get("needs", []) for c in rows):
        peer_why["node-peers"] = peers.ensure_node()
    tools["peers"] = peers.versions(peer_why.get("python-peers", "") is None, peer_why.get("node-peers", "") is None)

    output_info = None
    if any(c.get("reads_output") for c in rows):
        os.makedirs(CACHE, exist_ok=True)
        folder, out_file, out_gen_s = ensure_output(input_path, seed if seed is not None else 42)
        out_lines, out_bytes = count_lines(out_file)  # also warms the page cache
        log(f"job output {rel(out_file)}: {out_bytes:,} bytes, {out_lines:,} lines")
        output_info = {"path": rel(folder), "bytes": out_bytes, "lines": out_lines,
                       "generator": "benches/gen_output.py",
                       "generation_s": None if out_gen_s is None else round(out_gen_s, 1)}
    else:
        folder = out_file = ""
    ctx_base = {"bin": BIN, "python": sys.executable, "schema": schema or "", "input": input_path,
                "output": folder, "output_file": out_file,
                "venv": peers.venv_python(), "node_modules": peers.node_modules(),
                "sourcemeta": peers.sourcemeta_cli(), "peers": peers.PEERS}
    state: list[dict] = []
    for cmd in rows:
        row = {"name": cmd["name"], "group": cmd["group"], "checks": cmd["checks"],
               "baseline": cmd["baseline"], "status": "ok", "reason": None, "runs": []}
        ctx = dict(ctx_base)
        row["records_expected"] = records
        row["bytes"] = input_bytes
        if cmd.get("reads_output") and output_info:
            row["bytes"] = input_bytes + output_info["bytes"]
            if cmd.get("expect") == "input+output":
                row["records_expected"] = records + output_info["lines"]
        try:
            check_needs(cmd, have_bin, schema, schema_why, peer_why)
            if cmd.get("prefix_mb"):
                prefix = ensure_prefix(input_path, cmd["prefix_mb"])
                n, size = count_lines(prefix)
                ctx["input"] = prefix
                row.update(records_expected=n, bytes=size)
                if size < input_bytes:  # else the prefix is the whole input
                    row["measured_on"] = {"mb": cmd["prefix_mb"], "bytes": size, "records": n}
        except Skip as e:
            row.update(status="skipped", reason=str(e))
        row["command"] = display(cmd, ctx)
        row["argv"] = render(cmd, dict(ctx, tmpdir="OUTDIR")) if row["status"] == "ok" else None
        state.append({"cmd": cmd, "ctx": ctx, "row": row})

    started = _dt.datetime.now(_dt.timezone.utc)
    busy_start, ours_s = cpu_busy_s(), 0.0
    floor_kib: list[int] = []
    for rnd in range(args.rounds + 1):
        label = "warm-up" if rnd == 0 else f"round {rnd}/{args.rounds}"
        # The lowest peak RSS this method can report: a child that does nothing.
        floor = run_once(FLOOR, ctx_base, 60)
        floor_kib.append(floor["maxrss_kib"])
        ours_s += floor["user_s"] + floor["sys_s"]
        for s in state:
            row, cmd = s["row"], s["cmd"]
            if row["status"] != "ok":
                continue
            run = run_once(cmd, s["ctx"], args.timeout)
            ours_s += run["user_s"] + run["sys_s"]
            if run["exit"] not in cmd.get("ok_exit", [0]):
                row["status"], row["reason"] = failure_reason(cmd, run)
                log(f"  {label}: {cmd['name']}: {row['status']}: {row['reason']}")
                continue
            count, extra = extract_count(cmd, run)
            if count is None:
                row.update(status="failed", reason="could not read a record count from its output: "
                           + (run["stdout"].strip()[:200] or "(no output)"))
                log(f"  {label}: {cmd['name']}: {row['reason']}")
                continue
            row["records"] = count
            for k, v in extra.items():
                row[k] = v
            log(f"  {label}: {cmd['name']}: {run['wall_s']:.3f}s, {count:,} records, "
                f"{run['maxrss_kib'] / 1024:.0f} MiB")
            if rnd > 0:
                row["runs"].append({k: run[k] for k in ("wall_s", "user_s", "sys_s", "maxrss_kib", "exit")})

    results = []
    for s in state:
        row = s["row"]
        runs = row.pop("runs")
        if row["status"] == "ok" and runs:
            summarise(row, runs, row["bytes"])
        elif row["status"] == "ok":
            row.update(status="failed", reason="no counted run")
        if row["status"] == "ok":
            row["records_match"] = row["records"] == row["records_expected"]
        results.append(row)
    by_name = {r["name"]: r for r in results}
    for r in results:
        base = by_name.get(r["baseline"])
        if r["status"] == "ok" and base and base["status"] == "ok" and r["mb_per_s"]:
            r["ratio"] = round(base["mb_per_s"] / r["mb_per_s"], 3)
        else:
            r["ratio"] = None

    m["loadavg_end"] = os.getloadavg()
    busy_end = cpu_busy_s()
    other = None
    if busy_start is not None and busy_end is not None:
        # Busy CPU time of the whole machine minus what the rows (and this script) used.
        own = os.times()
        wall = (_dt.datetime.now(_dt.timezone.utc) - started).total_seconds()
        other_s = max(0.0, busy_end - busy_start - ours_s - own.user - own.system)
        other = {"cpu_s": round(other_s, 1), "wall_s": round(wall, 1),
                 "cores_busy": round(other_s / wall, 2) if wall > 0 else None}
    doc = {
        "version": 1,
        "generated_by": "benches/compare.py",
        "command_line": [os.path.relpath(sys.argv[0], ROOT), *(argv if argv is not None else sys.argv[1:])],
        "date": started.isoformat(timespec="seconds"),
        "duration_s": round((_dt.datetime.now(_dt.timezone.utc) - started).total_seconds(), 1),
        "machine": m,
        "other_cpu": other,
        "other_cpu_definition": "CPU-seconds the machine spent busy (/proc/stat) during the rounds, minus "
                                "the rows' own user+system time: the load other work put on the machine",
        "tools": tools,
        "build": build_info,
        "input": {
            "path": rel(input_path),
            "bytes": input_bytes,
            "records": records,
            "seed": seed,
            "size_requested": None if args.input else args.size,
            "generator": None if args.input else f"benches/gen_claude.py ({generator_digest()})",
            "generation_s": None if gen_s is None else round(gen_s, 1),
        },
        "job_output": output_info,
        "rounds": args.rounds,
        "warmup_rounds": 1,
        "order": [r["name"] for r in results],
        "ratio_definition": "baseline MB/s / row MB/s (time per byte relative to the baseline)",
        "rss_floor_mib": round(max(floor_kib) / 1024, 1),
        "rss_floor_definition": "peak RSS of `true` spawned the same way: about the smallest figure a row can report",
        "results": results,
    }
    out_json = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out_json), exist_ok=True)
    out_md = os.path.splitext(out_json)[0] + ".md"
    write_atomic_json(doc, out_json)
    with open(out_md, "w", encoding="utf-8") as f:
        f.write(publish.table(doc, rel(out_json)))
    log(f"wrote {rel(out_json)} and {rel(out_md)}")
    with open(out_md, encoding="utf-8") as f:
        print(f.read())

    if publish_table:
        rc = publish.publish(out_md)
        if rc != 0:
            return rc
    else:
        log("not published to docs/performance.md (only a full default run is; see --help)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
