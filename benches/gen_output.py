#!/usr/bin/env python3
"""Generate the output folder a Bedrock batch job would leave for a `gen_claude.py` input.

    python3 benches/gen_output.py INPUT.jsonl --out DIR [--seed 42]

writes `DIR/{INPUT name}.out` and `DIR/manifest.json.out`, as the service does under
`{outputS3Uri}/{jobId}/` (reference §3.1–3.4): one line per processed record,
`{"recordId": ..., "modelInput": <the input body, byte for byte>, "modelOutput": <a Claude
Messages response>}`, or `"error": {"errorCode": 429, "errorMessage": "..."}` with a numeric
code. About 3 % of records fail (400, 429, 500, 424 mixed), 1 % never come back (missing), and
the lines come out shuffled within windows of 4,096 (the service promises no order; a full
shuffle would need the whole file in memory). Response texts are short paragraphs of the
generator's vocabulary with realistic usage counts, so output lines are about 1.4 times the
input lines. Deterministic for a given input and seed.

It is the `results` benchmark's second input (benches/compare.py): the row reads the input and
this folder. The input lines must be what gen_claude.py writes (`{"recordId":"...",
"modelInput":{...}}`); the body is cut from the line without parsing it, which is what keeps
generating a 1 GB input's output to well under a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

PREFIX = b'{"recordId":"'
MIDDLE = b'","modelInput":'

WORDS = (
    "the customer asked about the refund and the order was shipped late so we apologise and "
    "offer a discount summary category billing delivery account report quarterly revenue "
    "growth margin risk compliance audit budget forecast recommendation next steps please "
    "note that the ticket was escalated to the support team who will follow up within two "
    "business days résumé naïve 東京 데이터 🙂"
).split()

ERRORS = [
    (400, "Malformed input request: #/messages/0/content: expected minimum item count: 1, found: 0, please reformat your input and try again."),
    (429, "Too many requests, please wait before trying again."),
    (500, "The system encountered an unexpected error during processing. Try your request again."),
    (424, "The model returned an error: the response was cut off because the content filter was triggered."),
]
WINDOW = 4096


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("--out", required=True, help="the job's output folder to write")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    name = os.path.basename(args.input) + ".out"
    tmp = os.path.join(args.out, "." + name + ".tmp")
    stats = {"total": 0, "processed": 0, "success": 0, "error": 0, "in": 0, "out": 0}
    t0 = time.perf_counter()
    # Pre-built response texts: JSON-escaped once, picked at random per record.
    texts = [
        json.dumps(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 120))), ensure_ascii=False).encode()
        for _ in range(512)
    ]
    errors = [
        b'{"errorCode": %d, "errorMessage": %s}' % (code, json.dumps(msg).encode()) for code, msg in ERRORS
    ]
    with open(args.input, "rb") as f, open(tmp, "wb", buffering=8 << 20) as out:
        window: list[bytes] = []

        def flush() -> None:
            rng.shuffle(window)
            out.write(b"".join(window))
            window.clear()

        for lineno, line in enumerate(f, 1):
            line = line.rstrip(b"\r\n")
            if not line.strip():
                continue
            stats["total"] += 1
            if not (line.startswith(PREFIX) and line.endswith(b"}")):
                sys.exit(f"{args.input}:{lineno}: not a gen_claude.py record")
            cut = line.index(MIDDLE, len(PREFIX))
            rid = line[len(PREFIX):cut]
            body = line[cut + len(MIDDLE):-1]
            roll = rng.random()
            if roll < 0.01:
                continue  # missing: never processed
            stats["processed"] += 1
            head = b'{"recordId": "' + rid + b'", "modelInput": ' + body
            if roll < 0.04:
                stats["error"] += 1
                window.append(head + b', "error": ' + rng.choice(errors) + b"}\n")
            else:
                stats["success"] += 1
                text = rng.choice(texts)
                tin = len(body) // 4
                tout = 8 + len(text) // 5
                stats["in"] += tin
                stats["out"] += tout
                msg_id = b"msg_bdrk_01%022d" % rng.getrandbits(64)
                window.append(
                    head
                    + b', "modelOutput": {"id": "' + msg_id + b'", "type": "message", "role": "assistant", '
                    b'"model": "claude-3-5-haiku-20241022", "content": [{"type": "text", "text": ' + text
                    + b'}], "stop_reason": "end_turn", "stop_sequence": null, "usage": {"input_tokens": '
                    + str(tin).encode() + b', "output_tokens": ' + str(tout).encode() + b"}}}\n"
                )
            if len(window) >= WINDOW:
                flush()
        flush()
    os.replace(tmp, os.path.join(args.out, name))
    manifest = {
        "totalRecordCount": stats["total"],
        "processedRecordCount": stats["processed"],
        "successRecordCount": stats["success"],
        "errorRecordCount": stats["error"],
        "inputTokenCount": stats["in"],
        "outputTokenCount": stats["out"],
    }
    with open(os.path.join(args.out, "manifest.json.out"), "w") as m:
        json.dump(manifest, m)
    size = os.path.getsize(os.path.join(args.out, name))
    print(f"{args.out}: {stats['processed']:,} output lines of {stats['total']:,} records, "
          f"{size:,} bytes, {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
