#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the rule fixtures (fixtures/**/*.jsonl), so the fuzzers
start from real records, every rule's failing case and the sample batches. Run from anywhere;
the corpus folder is ignored by git (the fixtures are the seed of record)."""

import hashlib
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def put(target: str, data: bytes) -> None:
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main() -> None:
    files = sorted(p for p in (ROOT / "fixtures").rglob("*") if p.is_file() and p.suffix in (".jsonl", ".json"))
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".jsonl":
            # chunking: chunk-size, threads and max-diagnostics seeds, then the file.
            put("chunking", bytes([7, 1, 3]) + data)
            put("chunking", bytes([0, 2, 0]) + data)
        for line in data.split(b"\n"):
            if not line.strip():
                continue
            put("scan_line", line[:4096])
            try:
                body = json.loads(line).get("modelInput")
            except (ValueError, AttributeError):
                continue
            if isinstance(body, dict):
                put("validate_bodies", bytes([0, 5]) + json.dumps(body).encode())
                put("validate_bodies", bytes([1, 9]) + json.dumps(body).encode())
    for target in ("scan_line", "chunking", "validate_bodies"):
        count = len(list((CORPUS / target).glob("*")))
        print(f"{target}: {count} seeds")


if __name__ == "__main__":
    main()
