"""The Python standard library's `json`, one record a line: what a careful Python user writes.

Usage: python3 json_loop.py FILE. `json.loads` per line, then the envelope: an object with a
`modelInput` object and a string `recordId` when present. Prints the number of records; exits
non-zero at the first line that is not JSON or has no usable envelope.
"""

import json
import sys

n = 0
with open(sys.argv[1], "rb") as f:
    for lineno, line in enumerate(f, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as e:
            sys.exit(f"line {lineno}: {e}")
        if not isinstance(rec, dict) or not isinstance(rec.get("modelInput"), dict):
            sys.exit(f"line {lineno}: not an object with a modelInput object")
        rid = rec.get("recordId")
        if rid is not None and not isinstance(rid, str):
            sys.exit(f"line {lineno}: recordId is not a string")
        n += 1
print(n)
