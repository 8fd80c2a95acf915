"""The `json` loop plus the `jsonschema` package (pure Python) on every body.

Usage: python json_jsonschema.py SCHEMA FILE. The loop of json_loop.py, then each `modelInput`
validated against SCHEMA with the validator class `jsonschema` picks for its `$schema`. Prints
"<records> invalid <bodies that failed>" (and the first failure on stderr).
"""

import json
import sys

from jsonschema.validators import validator_for

with open(sys.argv[1], "rb") as f:
    schema = json.load(f)
cls = validator_for(schema)
cls.check_schema(schema)
validator = cls(schema)
n = bad = 0
with open(sys.argv[2], "rb") as f:
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
        if not validator.is_valid(rec["modelInput"]):
            bad += 1
            if bad == 1:
                err = min(validator.iter_errors(rec["modelInput"]), key=lambda e: len(e.path))
                print(f"line {lineno}: {err.message}", file=sys.stderr)
print(n, "invalid", bad)
