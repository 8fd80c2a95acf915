#!/usr/bin/env python3
"""S3 read throughput of `bedrock-batch validate` against a local S3-compatible server, next to
the same file read from disk.

Starts `moto_server` on 127.0.0.1 (pin: `pip install 'moto[server]==5.2.5'`), uploads one
generated input (benches/gen_claude.py) as a multipart upload, then times, in rounds:

* `validate FILE` (mapped), `validate --no-mmap FILE` (read as a stream, the path S3 bodies
  take inside the tool), and `validate s3://bucket/in/` (listing + parallel ranged GETs);

and reports MB/s (10^6 bytes per second of wall time, median of the rounds) and the peak RSS
of each run, which shows the bounded memory of the S3 reader whatever the object size.

moto is a Python server on the same 2 cores, so the S3 row measures the tool's reader plus a
slow server: it is a floor for real S3, not a forecast.

    python3 benches/s3_read.py --bin target/release/bedrock-batch --moto .venv-moto/bin/moto_server
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUTH = ("AWS4-HMAC-SHA256 Credential=AKIABENCH/20261129/us-east-1/s3/aws4_request, "
        "SignedHeaders=host, Signature=00")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, target, body=b"", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    h = {"Authorization": AUTH}
    h.update(headers or {})
    conn.request(method, target, body=body, headers=h)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    if resp.status >= 300:
        sys.exit(f"{method} {target}: {resp.status} {data[:300]!r}")
    return data


def upload(port, bucket, key, path, part=64 << 20):
    """A multipart upload, as `aws s3 cp` does for a large file."""
    data = request(port, "POST", f"/{bucket}/{key}?uploads").decode()
    upload_id = data.split("<UploadId>")[1].split("</UploadId>")[0]
    etags = []
    with open(path, "rb") as f:
        n = 1
        while True:
            chunk = f.read(part)
            if not chunk:
                break
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            conn.request("PUT", f"/{bucket}/{key}?partNumber={n}&uploadId={upload_id}", body=chunk,
                         headers={"Authorization": AUTH})
            resp = conn.getresponse()
            resp.read()
            etags.append(resp.getheader("ETag"))
            conn.close()
            n += 1
    parts = "".join(f"<Part><PartNumber>{i + 1}</PartNumber><ETag>{e}</ETag></Part>"
                    for i, e in enumerate(etags))
    request(port, "POST", f"/{bucket}/{key}?uploadId={upload_id}",
            f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>".encode())


def timed(cmd, env):
    """Wall seconds and peak RSS (KiB) of one run; exit code 0 or 1 expected."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{' '.join(cmd)} exited {code}: {proc.stderr.read().decode()[:500]}")
    return wall, usage.ru_maxrss


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=str(ROOT / "target/release/bedrock-batch"))
    ap.add_argument("--moto", default="moto_server")
    ap.add_argument("--size", default="200MB")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "benches/results/s3-read.json"))
    args = ap.parse_args()

    bench = ROOT / "target/bench"
    bench.mkdir(parents=True, exist_ok=True)
    data = bench / f"claude-{args.size}.jsonl"
    if not data.exists():
        subprocess.run([sys.executable, str(ROOT / "benches/gen_claude.py"), "--size", args.size,
                        "--out", str(data)], check=True)
    size = data.stat().st_size

    port = free_port()
    moto = subprocess.Popen([args.moto, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        request(port, "PUT", "/bench")
        t = time.perf_counter()
        upload(port, "bench", "in/claude.jsonl", data)
        upload_s = time.perf_counter() - t

        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1",
                   AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_EC2_METADATA_DISABLED="true")
        rows = {
            "validate FILE (mapped)": [args.bin, "validate", "--no-progress", str(data)],
            "validate --no-mmap FILE (stream)": [args.bin, "validate", "--no-progress", "--no-mmap", str(data)],
            "validate s3://bench/in/ (moto on 127.0.0.1)": [args.bin, "validate", "--no-progress", "s3://bench/in/"],
        }
        results = {}
        for name, cmd in rows.items():
            timed(cmd, env)  # warm-up (page cache, moto's first read)
            runs = [timed(cmd, env) for _ in range(args.rounds)]
            wall = statistics.median(r[0] for r in runs)
            results[name] = {"seconds": [round(r[0], 3) for r in runs], "median_s": round(wall, 3),
                             "mb_per_s": round(size / 1e6 / wall, 1),
                             "max_rss_mib": round(max(r[1] for r in runs) / 1024, 1)}
    finally:
        moto.terminate()
        moto.wait()

    out = {"input_bytes": size, "rounds": args.rounds, "moto_upload_s": round(upload_s, 2),
           "cpus": os.cpu_count(), "bin": args.bin, "rows": results}
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    lines = [f"S3 read throughput, {size / 1e6:.0f} MB input ({args.rounds} rounds, median; "
             f"{os.cpu_count()} CPUs; moto_server on the same machine)", "",
             "| run | median s | MB/s | peak RSS MiB |", "|---|--:|--:|--:|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['median_s']} | {r['mb_per_s']} | {r['max_rss_mib']} |")
    Path(args.out).with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
