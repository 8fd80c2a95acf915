"""orjson + fastjsonschema, one record a line.

Usage: python orjson_fastjsonschema.py SCHEMA FILE. The loop of orjson_jsonschema_rs.py with the
body checked by fastjsonschema (the schema compiled to Python code once, then called per body).
Prints "<records> invalid <bodies that failed>".
"""

import sys

import fastjsonschema
import orjson

with open(sys.argv[1], "rb") as f:
    validate = fastjsonschema.compile(orjson.loads(f.read()))
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
        try:
            validate(rec["modelInput"])
        except fastjsonschema.JsonSchemaValueException:
            bad += 1
print(n, "invalid", bad)
