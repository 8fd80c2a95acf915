"""orjson + jsonschema-rs, one record a line: the strongest check a Python user would script.

Usage: python orjson_jsonschema_rs.py SCHEMA FILE. Parses each line with orjson, checks the
envelope (an object with a `modelInput` object and a string `recordId` when present) and the
body against SCHEMA with jsonschema-rs (Rust, compiled validator). Prints
"<records> invalid <bodies that failed>". Exits non-zero at the first line that is not JSON or
has no usable envelope, as a script that stops at bad input would.
"""

import sys

import jsonschema_rs
import orjson

with open(sys.argv[1], "rb") as f:
    validator = jsonschema_rs.validator_for(orjson.loads(f.read()))
n = bad = 0
with open(sys.argv[2], "rb") as f:
    for lineno, line in enumerate(f, 1):
        if not line.strip():
            continue
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            sys.exit(f"line {lineno}: {e}")
        if not isinstance(rec, dict) or not isinstance(rec.get("modelInput"), dict):
            sys.exit(f"line {lineno}: not an object with a modelInput object")
        rid = rec.get("recordId")
        if rid is not None and not isinstance(rid, str):
            sys.exit(f"line {lineno}: recordId is not a string")
        n += 1
        if not validator.is_valid(rec["modelInput"]):
            bad += 1
print(n, "invalid", bad)
