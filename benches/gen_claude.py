#!/usr/bin/env python3
"""Generate realistic Amazon Bedrock batch records with Anthropic Claude Messages bodies.

One JSON object per line:

    {"recordId":"<11 ASCII letters/digits>","modelInput":{"anthropic_version":"bedrock-2023-05-31",
     "max_tokens":N,"messages":[{"role":"user","content":[{"type":"text","text":"..."}]}], ...}}

The output is meant as benchmark input for `bedrock-batch validate` and the tools it is compared
with, so it tries to look like real batch input rather than like a stress test:

* lengths vary (short prompts, long documents, some user/assistant/user conversations), about
  1.3 KB per record on average;
* some bodies carry `system`, `temperature`, `top_p`, `top_k`, `stop_sequences`;
* text mixes ASCII with accents, CJK and emoji (including characters outside the BMP), written
  either as raw UTF-8 or as `\\u00e9`-style escapes, plus the usual `\\n`, `\\t`, `\\"`, `\\\\`.

Every record is valid for the Claude Messages API as described in the project reference
(§6.1): roles alternate starting and ending with `user`, `temperature`/`top_p` in 0..1 and never
both, `top_k` in 0..500, non-empty texts, unique `recordId`s. `--check FILE` re-reads a file and
asserts exactly that, so the claim is tested rather than assumed.

Speed: text is assembled from a pool of pre-encoded paragraphs (already JSON-escaped bytes), so
the per-record work is a handful of random choices and a `bytes.join`; output is written in
blocks of several MB. Generating 1 GB takes well under a minute on one core.

Determinism: the same `--seed` and `--size`/`--records` give a byte-identical file (with the same
Python major.minor version; only `random.Random` with integer arguments is used).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time

ANTHROPIC_VERSION = "bedrock-2023-05-31"

# ---------------------------------------------------------------------------------------------
# Vocabulary. Plain words dominate, as in real prompts; the rest make sure a scanner meets
# multi-byte UTF-8, surrogate-pair escapes and every short escape JSON has.

WORDS = (
    "the a an of to and in for on with as by at from that this these those is are was were be "
    "been it its we you they our your their customer order invoice refund account report "
    "quarterly revenue growth margin summary transcript call agent issue ticket product "
    "delivery shipment warehouse payment subscription contract clause policy review feedback "
    "support escalation outage incident latency database server deployment release feature "
    "request response model prompt question answer document section paragraph table figure "
    "analysis recommendation risk compliance audit budget forecast sales marketing team "
    "manager engineer meeting schedule deadline priority status update please summarize "
    "classify extract translate explain rewrite list identify compare evaluate describe "
    "following below above previous next first second third final important urgent minor "
    "major positive negative neutral sentiment tone language english french german spanish "
    "japanese chinese data record field value date time number total average percent"
).split()

ACCENTED = (
    "café résumé naïve façade déjà-vu über Straße Größe Müller señor año mañana niño "
    "élève garçon crème brûlée São Paulo Zürich Kraków Ångström smörgåsbord fiancée "
    "coöperate Dvořák Łódź Ærø øl œuvre"
).split()

CJK = (
    "東京 大阪 顧客 注文 返金 請求書 報告書 四半期 売上 成長 要約 会議 締め切り "
    "北京 上海 客户 订单 退款 发票 季度 收入 增长 总结 会议 截止日期 "
    "서울 고객 주문 환불 보고서 요약"
).split()

EMOJI = ["😀", "🙂", "👍", "🚀", "📦", "✅", "❌", "⚠️", "🔥", "💡", "📈", "🇯🇵", "👩‍💻", "🎉", "☕"]

# Fragments that carry JSON's short escapes once encoded: quotes, backslashes, tabs, newlines.
SPECIAL = [
    'he said "refund it now"',
    '"as soon as possible"',
    "C:\\Users\\agent\\report.txt",
    "path\\to\\file",
    "col1\tcol2\tcol3",
    "name:\tvalue",
    "line one\nline two",
    "\n\n",
    "\n- item",
    'print("hello, world")\n',
    "regex \\d+\\s*",
    "{\"key\": \"value\"}",
    "50% off / 2 for 1 <b>deal</b> & more",
]

QUESTIONS = [
    "Summarize the following call transcript",
    "Classify the sentiment of this customer review",
    "Extract every date, amount and product name from the text below",
    "Translate the following message into English",
    "Rewrite this paragraph so that it is clearer and shorter",
    "List the action items from these meeting notes",
    "Answer the question using only the document below",
    "Identify the root cause described in this incident report",
    "Write a polite reply to the following support ticket",
    "Compare the two product descriptions below",
]

SYSTEMS = [
    "You are a helpful assistant that summarizes customer support calls.",
    "You are a meticulous analyst. Answer in JSON with the keys \"summary\" and \"sentiment\".",
    "Réponds toujours en français, de façon concise.",
    "あなたは丁寧なカスタマーサポート担当者です。",
    "You classify text into exactly one of: positive, negative, neutral.\nReply with the label only.",
    "Extract structured data. If a field is missing, use null.\tNever invent values.",
]

ASSISTANT_REPLIES = [
    "Sure. Could you share the full transcript, including the agent's notes?",
    "Here is a first summary:\n- The customer asked for a refund.\n- The agent escalated it.",
    "Understood. Which language should the answer be in?",
    "The document mentions three amounts; do you want them in a table?",
    "D'accord, voici une première version. Souhaitez-vous plus de détails ?",
    "了解しました。要約を作成します。",
]

STOP_SEQUENCES = ["\n\nHuman:", "</answer>", "END", "###", "\n---\n", "STOP", "</json>", "Fin."]

MAX_TOKENS = [128, 256, 512, 1024, 1024, 2048, 4096]

# recordId: 3 letters (fixed per seed stream) + 8 base-36 digits of an index scrambled by a
# bijection of Z/36^8, so ids look random but are unique without a set of seen ids.
_ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ID_SPACE = 36**8
_ID_MULT = 0x5DEECE66D % _ID_SPACE | 1  # odd; not a multiple of 3 (checked below)
assert _ID_MULT % 2 == 1 and _ID_MULT % 3 != 0
_ID_PREFIXES = ["CAL", "REC", "DOC", "TKT", "REQ", "MSG"]


def parse_size(text: str) -> int:
    """Parse `1GB`, `100MB`, `500MiB`, `20k`, or plain bytes into a byte count (GB = 10^9)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(I?B?)\s*", text.upper())
    if not m:
        raise argparse.ArgumentTypeError(
            f"bad size {text!r}: use plain bytes or a number with KB, MB, GB (10^3..) or "
            "KiB, MiB, GiB (2^10..)"
        )
    number, unit, binary = m.groups()
    base = 1024 if binary.startswith("I") else 1000
    power = " KMGT".index(unit) if unit else 0
    return int(float(number) * base**power)


def _encode(text: str, ascii_escapes: bool) -> bytes:
    """JSON string *contents* (no surrounding quotes) for `text`, as UTF-8 bytes."""
    return json.dumps(text, ensure_ascii=ascii_escapes)[1:-1].encode("utf-8")


class Generator:
    """Builds records from a seeded pool of pre-encoded text, one `bytes` line at a time."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        rng = self.rng
        # Paragraphs of 40..1500 bytes; a record's text is a prompt head plus 0..N paragraphs.
        # 6000 paragraphs keep the pool build under a second while lines still differ a lot.
        self.paragraphs = [self._paragraph(rng.randint(40, 1500)) for _ in range(6000)]
        self.short = [self._paragraph(rng.randint(8, 120)) for _ in range(2000)]
        self.questions = [_encode(q, False) for q in QUESTIONS]
        self.systems = [_encode(s, rng.random() < 0.3) for s in SYSTEMS for _ in range(2)]
        self.replies = [_encode(r, rng.random() < 0.3) for r in ASSISTANT_REPLIES for _ in range(2)]
        self.id_prefix = _ID_PREFIXES
        self.id_offset = rng.randrange(_ID_SPACE)

    def _sentence(self) -> str:
        rng = self.rng
        words = []
        for _ in range(rng.randint(4, 18)):
            r = rng.random()
            if r < 0.80:
                words.append(rng.choice(WORDS))
            elif r < 0.88:
                words.append(rng.choice(ACCENTED))
            elif r < 0.94:
                words.append(rng.choice(CJK))
            elif r < 0.97:
                words.append(rng.choice(EMOJI))
            else:
                words.append(rng.choice(SPECIAL))
        s = " ".join(words)
        return s[0].upper() + s[1:] + rng.choice([".", ".", ".", "?", "!", ":", "。"])

    def _paragraph(self, target: int) -> bytes:
        """About `target` bytes of encoded text; about 1 in 8 written with \\uXXXX escapes."""
        rng = self.rng
        ascii_escapes = rng.random() < 0.125
        parts: list[str] = []
        size = 0
        while size < target:
            s = self._sentence()
            parts.append(s)
            size += len(s.encode("utf-8")) + 1
            if rng.random() < 0.15:
                parts.append("\n\n" if rng.random() < 0.7 else "\n")
        text = " ".join(parts).strip() or "Hello."
        return _encode(text, ascii_escapes)

    def record_id(self, index: int) -> bytes:
        n = (index * _ID_MULT + self.id_offset) % _ID_SPACE
        digits = []
        for _ in range(8):
            n, d = divmod(n, 36)
            digits.append(_ID_ALPHABET[d])
        return (self.id_prefix[index % len(self.id_prefix)] + "".join(digits)).encode("ascii")

    def _text(self, kind: str) -> bytes:
        """A user text: a task line, then a body whose length depends on `kind`."""
        rng = self.rng
        p = self.paragraphs
        if kind == "short":
            return rng.choice(self.short) if rng.random() < 0.5 else (
                rng.choice(self.questions) + b": " + rng.choice(self.short))
        if kind == "medium":
            n = 1
        elif kind == "long":
            n = rng.randint(2, 7)
        else:  # a turn inside a conversation
            n = rng.randint(0, 1)
        body = b"\\n\\n".join(rng.choice(p) for _ in range(n))
        head = rng.choice(self.questions) + b":\\n\\n"
        return head + body if body else head + rng.choice(self.short)

    @staticmethod
    def _content(text: bytes, as_string: bool) -> bytes:
        if as_string:
            return b'"' + text + b'"'
        return b'[{"type":"text","text":"' + text + b'"}]'

    def record(self, index: int) -> bytes:
        """One line (with its trailing newline)."""
        rng = self.rng
        r = rng.random()
        as_string = rng.random() < 0.1  # `content` may be a plain string
        if r < 0.15:
            # user / assistant / user (sometimes two more turns)
            turns = 3 if rng.random() < 0.8 else 5
            msgs = []
            for t in range(turns):
                if t % 2 == 0:
                    msgs.append(b'{"role":"user","content":' + self._content(self._text("turn"), as_string) + b"}")
                else:
                    msgs.append(b'{"role":"assistant","content":' + self._content(rng.choice(self.replies), as_string) + b"}")
            messages = b",".join(msgs)
        else:
            kind = "short" if r < 0.45 else ("medium" if r < 0.88 else "long")
            messages = b'{"role":"user","content":' + self._content(self._text(kind), as_string) + b"}"

        fields = [b'"anthropic_version":"' + ANTHROPIC_VERSION.encode() + b'"',
                  b'"max_tokens":' + str(rng.choice(MAX_TOKENS)).encode()]
        if rng.random() < 0.25:
            fields.append(b'"system":"' + rng.choice(self.systems) + b'"')
        fields.append(b'"messages":[' + messages + b"]")
        s = rng.random()
        if s < 0.30:
            fields.append(b'"temperature":' + _number(rng.randint(0, 100) / 100))
        elif s < 0.42:  # never both: Claude 4.5 models accept only one of them
            fields.append(b'"top_p":' + _number(rng.randint(50, 100) / 100))
        if rng.random() < 0.08:
            fields.append(b'"top_k":' + str(rng.randint(1, 500)).encode())
        if rng.random() < 0.10:
            stops = rng.sample(STOP_SEQUENCES, rng.randint(1, 3))
            fields.append(b'"stop_sequences":[' + b",".join(b'"' + _encode(x, False) + b'"' for x in stops) + b"]")
        return (b'{"recordId":"' + self.record_id(index) + b'","modelInput":{' + b",".join(fields) + b"}}\n")


def _number(x: float) -> bytes:
    return json.dumps(x).encode()


def generate(out_path: str, seed: int, size: int | None, records: int | None, block: int = 8 << 20) -> tuple[int, int]:
    """Write the file atomically (temp file + rename); return (records, bytes).

    With `size`, records are written while the file stays at or below `size` bytes (so a 1 GB
    target stays within the 1 GB per-file quota); with `records`, exactly that many.
    """
    gen = Generator(seed)
    out_dir = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".gen_claude.", dir=out_dir)
    written = 0
    count = 0
    try:
        with os.fdopen(fd, "wb", buffering=0) as f:
            buf: list[bytes] = []
            buffered = 0
            while True:
                if records is not None and count >= records:
                    break
                line = gen.record(count)
                if size is not None and written + buffered + len(line) > size:
                    break
                buf.append(line)
                buffered += len(line)
                count += 1
                if buffered >= block:
                    f.write(b"".join(buf))
                    written += buffered
                    buf, buffered = [], 0
            f.write(b"".join(buf))
            written += buffered
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600
        os.replace(tmp, out_path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return count, written


# ---------------------------------------------------------------------------------------------
# --check: the validity claim, tested.

_ID_RE = re.compile(r"[A-Za-z0-9]{11}")
_BODY_KEYS = {"anthropic_version", "max_tokens", "messages", "system", "temperature", "top_p",
              "top_k", "stop_sequences"}


def check_record(line: bytes, lineno: int) -> str:
    """Assert one line is a valid Claude Messages batch record; return its recordId."""
    def fail(msg: str) -> None:
        raise ValueError(f"line {lineno}: {msg}")

    rec = json.loads(line)
    if not isinstance(rec, dict) or set(rec) != {"recordId", "modelInput"}:
        fail("record must be an object with exactly recordId and modelInput")
    rid = rec["recordId"]
    if not isinstance(rid, str) or not _ID_RE.fullmatch(rid):
        fail(f"recordId {rid!r} is not 11 ASCII letters/digits")
    body = rec["modelInput"]
    if not isinstance(body, dict):
        fail("modelInput is not an object")
    if set(body) - _BODY_KEYS:
        fail(f"unexpected body keys {sorted(set(body) - _BODY_KEYS)}")
    if body.get("anthropic_version") != ANTHROPIC_VERSION:
        fail("anthropic_version must be bedrock-2023-05-31")
    mt = body.get("max_tokens")
    if not isinstance(mt, int) or isinstance(mt, bool) or mt < 1:
        fail("max_tokens must be a positive integer")
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs:
        fail("messages must be a non-empty array")
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or set(m) != {"role", "content"}:
            fail(f"messages[{i}] must have exactly role and content")
        if m["role"] != ("user" if i % 2 == 0 else "assistant"):
            fail(f"messages[{i}].role breaks user/assistant alternation starting with user")
        c = m["content"]
        if isinstance(c, str):
            if not c.strip():
                fail(f"messages[{i}].content is blank")
        elif isinstance(c, list) and c:
            for b in c:
                if (not isinstance(b, dict) or set(b) != {"type", "text"} or b["type"] != "text"
                        or not isinstance(b["text"], str) or not b["text"].strip()):
                    fail(f"messages[{i}].content has a bad text block")
        else:
            fail(f"messages[{i}].content must be a string or a non-empty array")
    if msgs[-1]["role"] != "user":
        fail("the last message must be from the user")
    if "system" in body and (not isinstance(body["system"], str) or not body["system"]):
        fail("system must be a non-empty string")
    for key in ("temperature", "top_p"):
        if key in body and not (isinstance(body[key], (int, float)) and 0 <= body[key] <= 1):
            fail(f"{key} must be within 0..1")
    if "temperature" in body and "top_p" in body:
        fail("temperature and top_p together (rejected by Claude 4.5 models)")
    if "top_k" in body and not (isinstance(body["top_k"], int) and 0 <= body["top_k"] <= 500):
        fail("top_k must be an integer within 0..500")
    if "stop_sequences" in body:
        ss = body["stop_sequences"]
        if (not isinstance(ss, list) or not 1 <= len(ss) <= 8191
                or not all(isinstance(x, str) and x.strip() for x in ss)):
            fail("stop_sequences must be 1..8191 non-blank strings")
    return rid


def check_file(path: str) -> tuple[int, int]:
    """Check every line of `path`; return (records, bytes). Raises ValueError on the first bad line."""
    seen: set[str] = set()
    n = 0
    size = 0
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            size += len(line)
            if not line.endswith(b"\n"):
                raise ValueError(f"line {n}: no final newline")
            rid = check_record(line, n)
            if rid in seen:
                raise ValueError(f"line {n}: duplicate recordId {rid}")
            seen.add(rid)
    return n, size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Generate seeded, realistic Bedrock batch records (Claude Messages bodies), "
                    "one per line. Same seed and size give a byte-identical file.")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    ap.add_argument("--size", type=parse_size, default=None,
                    help="target file size: 1GB, 100MB, 500MiB or plain bytes; the file is the "
                         "longest run of records not above it (default 1GB = 10^9 bytes)")
    ap.add_argument("--records", type=int, default=None, help="write exactly N records instead of --size")
    ap.add_argument("--out", help="output path (written atomically); required unless --check")
    ap.add_argument("--check", metavar="FILE",
                    help="do not generate: check that every line of FILE is a valid Claude "
                         "Messages batch record with a unique 11-character recordId")
    args = ap.parse_args(argv)

    if args.check:
        t = time.perf_counter()
        try:
            n, size = check_file(args.check)
        except (ValueError, json.JSONDecodeError) as e:
            print(f"gen_claude.py: {args.check}: {e}", file=sys.stderr)
            return 1
        print(f"{args.check}: {n} valid records, {size} bytes ({time.perf_counter() - t:.1f}s)", file=sys.stderr)
        return 0
    if not args.out:
        ap.error("--out PATH is required (or --check FILE)")
    if args.size is not None and args.records is not None:
        ap.error("give --size or --records, not both")
    if args.records is None and args.size is None:
        args.size = 10**9
    t = time.perf_counter()
    count, written = generate(args.out, args.seed, args.size, args.records)
    dt = time.perf_counter() - t
    avg = written / count if count else 0
    print(f"{args.out}: {count} records, {written} bytes (avg {avg:.0f} B/record), seed {args.seed}, "
          f"{dt:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
