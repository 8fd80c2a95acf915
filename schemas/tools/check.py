#!/usr/bin/env python3
"""Checks the data side of bedrock-batch: body schemas, the model catalog and the body fixtures.

    pip install jsonschema
    python3 schemas/tools/check.py [--rust target/debug/bedrock-batch] [-v]

What it checks:
  schemas   every schemas/<family>.json is a valid draft 2020-12 schema with $schema, $id, title and
            description; its regexes avoid lookaround (Rust `regex` has none); no allOf lists
            discriminator if/then pairs that an if/then/else chain would test one at a time.
  catalog   schemas/catalog.json (version 2) has the documented shape (docs/models.md): every
            entry lists real ids or is a catch-all, cites known sources and a check date, marks
            its decisions; every family it names has a schema; no id is listed twice; known
            real model ids, unlisted ids, id forms and quotas resolve as expected.
  families  fixtures/families/<family>/: every valid.jsonl body has no error; every invalid.jsonl
            line has at least one, and the FIRST finding, in the tool's order (by the position in
            the line the finding points at, then pointer, then code), is the one expect.json
            names; model.txt resolves to the family.
  rules     fixtures/M001..M009: the failing file has the expected finding on the expected line
            and nothing else; the passing file has no finding. fixtures/M010..M013 (the model
            id, the input folder) run through the binary only (with --rust).
With --rust BIN, the family fixtures are also run through the real binary (`validate --schema`),
so the Python and Rust validators are compared on every line.

Schema error kinds map to rule codes exactly as in src/schema.rs (`rule_for`). The exit status is
non-zero when anything fails; the last lines are one-line summaries per area.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

try:
    from jsonschema import Draft202012Validator
except ImportError:  # pragma: no cover - a clear message instead of a traceback
    sys.exit("check.py needs jsonschema: pip install jsonschema")

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
FIXTURES = ROOT / "fixtures"
CONVERSE = "converse"
RECORD_ID = re.compile(r"^[A-Za-z0-9]{11}$")

# Error kind -> rule code, as in src/schema.rs.
CODES = {
    "required": "M001",
    "additionalProperties": "M002",
    "unevaluatedProperties": "M002",
    "type": "M003",
    **{
        k: "M004"
        for k in (
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
            "minProperties",
            "maxProperties",
        )
    },
    **{k: "M005" for k in ("enum", "const", "pattern", "format")},
}

# Real ids and what they must resolve to: (id, family or None, batch).
KNOWN_IDS = [
    ("anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic-claude-messages", True),
    ("us.anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic-claude-messages", True),
    ("anthropic.claude-3-haiku-20240307-v1:0", "anthropic-claude-messages", True),
    ("anthropic.claude-3-5-sonnet-20241022-v2:0", "anthropic-claude-messages", True),
    ("eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "anthropic-claude-messages", True),
    ("us.anthropic.claude-sonnet-4-20250514-v1:0", "anthropic-claude-messages", True),
    (
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic-claude-messages",
        True,
    ),
    ("anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic-claude-messages", True),
    ("us.anthropic.claude-sonnet-4-6", "anthropic-claude-messages", True),
    ("us.anthropic.claude-opus-4-6-v1", "anthropic-claude-messages", True),
    ("anthropic.claude-opus-4-1-20250805-v1:0", "anthropic-claude-messages", False),
    ("anthropic.claude-opus-4-20250514-v1:0", "anthropic-claude-messages", False),
    ("anthropic.claude-v2:1", None, False),
    ("anthropic.claude-instant-v1", None, False),
    ("meta.llama4-scout-17b-instruct-v1:0", "meta-llama", True),
    ("meta.llama3-1-70b-instruct-v1:0", "meta-llama", True),
    ("us.meta.llama3-2-11b-instruct-v1:0", "meta-llama", True),
    ("meta.llama3-3-70b-instruct-v1:0", "meta-llama", True),
    ("meta.llama3-8b-instruct-v1:0", "meta-llama", False),
    ("amazon.nova-pro-v1:0", "amazon-nova-messages-v1", True),
    ("amazon.nova-micro-v1:0", "amazon-nova-messages-v1", True),
    ("amazon.nova-lite-v1:0", "amazon-nova-messages-v1", True),
    ("us.amazon.nova-premier-v1:0", "amazon-nova-messages-v1", True),
    ("amazon.nova-2-lite-v1:0", "amazon-nova-messages-v1", True),
    ("global.amazon.nova-2-lite-v1:0", "amazon-nova-messages-v1", True),
    (
        "amazon.nova-2-multimodal-embeddings-v1:0",
        "amazon-nova-multimodal-embeddings",
        True,
    ),
    ("us.deepseek.r1-v1:0", "deepseek-r1", False),
    ("openai.gpt-oss-120b-1:0", "openai-chat-completions", True),
    ("openai.gpt-oss-20b-1:0", "openai-chat-completions", True),
    ("amazon.titan-embed-text-v2:0", "amazon-titan-embed-text-v2", True),
    ("amazon.titan-embed-image-v1", "amazon-titan-embed-image-v1", True),
    ("amazon.titan-text-express-v1", "amazon-titan-text", False),
    ("amazon.titan-embed-text-v1", None, False),
    ("mistral.mistral-large-2407-v1:0", "mistral-chat", True),
    ("mistral.mistral-large-2402-v1:0", "mistral-chat-or-text", False),
    ("mistral.mistral-7b-instruct-v0:2", "mistral-text", False),
    ("mistral.mixtral-8x7b-instruct-v0:1", "mistral-text", False),
    ("mistral.mistral-small-2402-v1:0", "mistral-text", True),
    ("mistral.devstral-2-123b", None, True),
    ("qwen.qwen3-32b-v1:0", None, True),
    ("qwen.qwen3-coder-480b-a35b-v1:0", None, True),
    ("cohere.embed-english-v3", None, False),
    ("cohere.embed-v4:0", None, False),
    ("deepseek.v3-v1:0", None, True),
    ("deepseek.v3.2", None, True),
    ("minimax.minimax-m2.1", None, True),
    ("zai.glm-4.7-flash", None, True),
    (
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
        "amazon-nova-messages-v1",
        True,
    ),
    (
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "anthropic-claude-messages",
        True,
    ),
]
# Ids the catalog must NOT know, with the catch-all family bodies are checked with (or None).
UNKNOWN_IDS = [
    ("acme.unknown-model-v1:0", None),
    ("arn:aws:bedrock:us-east-1:123456789012:custom-model/x.y/abcdefghijkl", None),
    ("anthropic.claude-3.5-sonnet", "anthropic-claude-messages"),
    ("anthropic.claude-3-5-haiku", "anthropic-claude-messages"),
    ("us.anthropic.claude-sonnet-5", "anthropic-claude-messages"),
    ("google.gemma-3-27b-it", None),
    ("moonshot.kimi-k2-thinking", None),
    ("nvidia.nemotron-nano-12b-v2", None),
]
QUOTA_IDS = [
    ("us.meta.llama4-scout-17b-instruct-v1:0", "min_records_per_job", 50),
    ("apac.amazon.nova-pro-v1:0", "max_job_bytes", 100_000_000_000),
    ("amazon.nova-lite-v1:0", "max_job_bytes", 5_000_000_000),
    ("amazon.titan-embed-text-v2:0", "max_records_per_job", 100_000),
    ("amazon.titan-embed-text-v2:0", "max_records_per_file", 50_000),
]
# (id, the form problem's needed form or None): batch per id form (D8).
FORM_IDS = [
    ("anthropic.claude-3-7-sonnet-20250219-v1:0", "profile"),
    ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", None),
    ("us.anthropic.claude-3-haiku-20240307-v1:0", "base"),
    ("anthropic.claude-3-haiku-20240307-v1:0", None),
    ("amazon.nova-premier-v1:0", "profile"),
    ("amazon.nova-2-lite-v1:0", "profile"),
    ("us.amazon.nova-2-multimodal-embeddings-v1:0", "base"),
    ("amazon.nova-pro-v1:0", None),
    ("us.amazon.nova-pro-v1:0", None),
]


class Report:
    """Counts passes and failures per area and prints failures as they happen."""

    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose
        self.areas: dict[str, list[int]] = {}

    def ok(self, area: str, what: str) -> None:
        self.areas.setdefault(area, [0, 0])[0] += 1
        if self.verbose:
            print(f"ok    {area}: {what}")

    def fail(self, area: str, what: str, why: str) -> None:
        self.areas.setdefault(area, [0, 0])[1] += 1
        print(f"FAIL  {area}: {what}: {why}")

    def summary(self) -> bool:
        good = True
        for area, (passed, failed) in self.areas.items():
            print(f"{area}: {passed} passed, {failed} failed")
            good &= failed == 0
        return good


# ------------------------------------------------------------------ catalog


def glob_match(pattern: str, text: str) -> bool:
    """`*` matches any run of characters; everything else is literal (as src/models.rs)."""
    regex = "".join(".*" if c == "*" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.DOTALL) is not None


def resolve(catalog: dict, model_id: str) -> tuple[str, dict | None]:
    """The base id and its explicit entry (`ids`), following the rule in schemas/README.md.
    Catch-alls (`match`) never make an id known; see `catch_all`."""
    base = model_id.strip()
    if base.startswith("arn:"):
        parts = base.split(":", 5)
        if len(parts) < 6 or parts[2] != "bedrock":
            return base, None
        resource = parts[5]
        for kind in ("foundation-model/", "inference-profile/"):
            if resource.startswith(kind):
                base = resource[len(kind) :]
                break
        else:
            return base, None
    for prefix in catalog["profile_prefixes"]:
        if base.startswith(prefix):
            base = base[len(prefix) :]
            break
    for entry in catalog["models"]:
        if base in entry.get("ids", []):
            return base, entry
    return base, None


def catch_all(catalog: dict, base: str) -> dict | None:
    """The provider catch-all matching an unlisted base id, if any."""
    for entry in catalog["models"]:
        if "match" in entry and glob_match(entry["match"], base):
            return entry
    return None


def check_catalog(rep: Report, catalog: dict, families: set[str]) -> None:
    area = "catalog"
    quota_keys = {
        "min_records_per_job",
        "max_records_per_file",
        "max_records_per_job",
        "max_file_bytes",
        "max_job_bytes",
    }
    sources = catalog.get("sources", {})
    shape = [
        (catalog.get("version") == 2, "version is 2"),
        (
            re.fullmatch(r"\d{4}-\d{2}-\d{2}", catalog.get("checked", "")) is not None,
            "checked is a date",
        ),
        (
            isinstance(sources, dict)
            and all(
                isinstance(v, dict) and v.get("title") and v.get("date")
                for v in sources.values()
            ),
            "every source has a title and a date",
        ),
        (
            isinstance(catalog.get("profile_prefixes"), list)
            and all(
                isinstance(p, str) and p.endswith(".")
                for p in catalog["profile_prefixes"]
            ),
            "profile_prefixes are strings ending in '.'",
        ),
        (
            set(catalog.get("default_quotas", {})) == quota_keys,
            "default_quotas has the five quotas",
        ),
        (
            catalog.get("default_quotas_source") in sources,
            "default_quotas_source is a known source",
        ),
    ]
    for good, what in shape:
        (rep.ok if good else lambda a, w: rep.fail(a, w, "wrong"))(area, what)
    allowed = {
        "ids",
        "match",
        "name",
        "family",
        "batch",
        "batch_via",
        "quotas",
        "quotas_source",
        "sources",
        "checked",
        "note",
        "decisions",
    }
    seen: dict[str, int] = {}
    for i, entry in enumerate(catalog["models"]):
        what = f"entry {i} `{(entry.get('ids') or [entry.get('match')])[0]}`"
        problems = []
        if set(entry) - allowed:
            problems.append(f"unknown keys {sorted(set(entry) - allowed)}")
        explicit = "ids" in entry
        if explicit == ("match" in entry):
            problems.append("needs exactly one of ids (a list of real ids) and match (a catch-all)")
        if not entry.get("name"):
            problems.append("needs a name")
        if explicit:
            if not isinstance(entry.get("batch"), bool):
                problems.append("an explicit entry needs batch")
            if entry.get("batch") and entry.get("batch_via") not in ("base", "profile", "both"):
                problems.append("batch true needs batch_via base|profile|both")
            if not entry.get("batch") and "batch_via" in entry:
                problems.append("batch_via without batch")
            for model_id in entry["ids"]:
                if "*" in model_id:
                    problems.append(f"`{model_id}` is a glob; ids are real ids")
                if model_id in seen:
                    problems.append(f"`{model_id}` is also in entry {seen[model_id]}")
                seen[model_id] = i
        else:
            if "batch" in entry or "batch_via" in entry or "quotas" in entry:
                problems.append("a catch-all never makes an id batch-capable (no batch, batch_via, quotas)")
        if entry.get("family") is not None and entry["family"] not in families:
            problems.append(
                f"family {entry['family']} has no schemas/{entry['family']}.json"
            )
        if entry.get("family") is None and not entry.get("note"):
            problems.append("family null needs a note saying why")
        if explicit and not entry.get("batch") and not entry.get("note"):
            problems.append("batch false needs a note saying why")
        if set(entry.get("quotas", {})) - quota_keys:
            problems.append("quotas has unknown keys")
        if entry.get("quotas") and not entry.get("quotas_source"):
            problems.append("quota overrides need a quotas_source")
        cited = entry.get("sources", []) + (
            [entry["quotas_source"]] if "quotas_source" in entry else []
        )
        if not entry.get("sources"):
            problems.append("no sources")
        for key in cited:
            if key not in sources:
                problems.append(f"source {key} is not in the catalog's sources")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.get("checked", "")) is None:
            problems.append("checked is not a YYYY-MM-DD date")
        for d in entry.get("decisions", []):
            if not d.startswith(("INFERENCE:", "UNKNOWN:", "Judgement call:")):
                problems.append(f"decision not marked INFERENCE/UNKNOWN/Judgement call: {d[:40]}")
        if problems:
            rep.fail(area, what, "; ".join(problems))
        else:
            rep.ok(area, what)
    for model_id, family, batch in KNOWN_IDS:
        _, entry = resolve(catalog, model_id)
        if entry is None:
            rep.fail(area, model_id, "is not listed")
        elif entry.get("family") != family or entry["batch"] != batch:
            rep.fail(
                area,
                model_id,
                f"resolves to family {entry.get('family')} batch {entry['batch']}, "
                f"expected {family} batch {batch}",
            )
        else:
            rep.ok(area, model_id)
    for model_id, family in UNKNOWN_IDS:
        base, entry = resolve(catalog, model_id)
        fallback = catch_all(catalog, base)
        got = (fallback or {}).get("family")
        if entry is not None:
            rep.fail(area, model_id, f"should be unknown, is listed in {entry['name']}")
        elif got != family:
            rep.fail(area, model_id, f"catch-all family {got}, expected {family}")
        else:
            rep.ok(area, model_id)
    for model_id, needs in FORM_IDS:
        _, entry = resolve(catalog, model_id)
        profile = any(
            model_id.startswith(p) for p in catalog["profile_prefixes"]
        ) or ":inference-profile/" in model_id
        via = (entry or {}).get("batch_via")
        got = (
            "profile"
            if via == "profile" and not profile
            else "base"
            if via == "base" and profile
            else None
        )
        (
            rep.ok(area, f"{model_id} form")
            if got == needs
            else rep.fail(area, f"{model_id} form", f"needs {got}, expected {needs}")
        )
    for model_id, key, value in QUOTA_IDS:
        _, entry = resolve(catalog, model_id)
        got = {**catalog["default_quotas"], **(entry or {}).get("quotas", {})}[key]
        (
            rep.ok(area, f"{model_id} {key}")
            if got == value
            else rep.fail(area, f"{model_id} {key}", f"{got}, expected {value}")
        )


# ------------------------------------------------------------------ schemas


LOOKAROUND = re.compile(r"\(\?(=|!|<=|<!)")


def patterns(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            elif key == "patternProperties" and isinstance(value, dict):
                yield from value
                yield from patterns(list(value.values()))
            else:
                yield from patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from patterns(item)


def discriminator(item) -> tuple[str, str] | None:
    """(property, const) when `item` is `{"if": {"properties": {P: {"const": C}},
    "required": [P]}, "then": ...}`, the test of one member of a discriminated union."""
    if not isinstance(item, dict) or set(item) != {"if", "then"}:
        return None
    test = item["if"]
    if not isinstance(test, dict) or set(test) != {"properties", "required"}:
        return None
    if len(test["properties"]) != 1:
        return None
    ((name, sub),) = test["properties"].items()
    if test["required"] != [name] or not isinstance(sub, dict) or set(sub) != {"const"}:
        return None
    return name, json.dumps(sub["const"])


def unchained_unions(node, at: str = ""):
    """Pointers to `allOf`s made only of discriminator tests on one property: the validator
    tries every member, where an `if`/`then`/`else` chain stops at the first match."""
    if isinstance(node, dict):
        members = node.get("allOf")
        if isinstance(members, list) and len(members) > 1:
            tests = [discriminator(m) for m in members]
            if all(tests) and len({name for name, _ in tests}) == 1:
                yield f"{at}/allOf"
        for key, value in node.items():
            yield from unchained_unions(value, f"{at}/{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from unchained_unions(item, f"{at}/{i}")


def load_schemas(rep: Report) -> dict[str, Draft202012Validator]:
    validators = {}
    for path in sorted(SCHEMAS.glob("*.json")):
        if path.name == "catalog.json":
            continue
        family = path.stem
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
            Draft202012Validator.check_schema(schema)
        except Exception as e:  # noqa: BLE001 - any failure is reported the same way
            rep.fail("schemas", family, str(e).splitlines()[0])
            continue
        problems = []
        if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            problems.append("$schema is not draft 2020-12")
        if schema.get("$id") != f"https://bedrock-batch.dev/schemas/{family}.json":
            problems.append("$id does not name the file")
        if not schema.get("title") or "reference §" not in schema.get(
            "description", ""
        ):
            problems.append(
                "needs a title and a description citing the reference section"
            )
        for p in patterns(schema):
            if LOOKAROUND.search(p):
                problems.append(f"lookaround in pattern {p!r}")
        for at in unchained_unions(schema):
            problems.append(
                f"{at}: chain the if/then members with else (see schemas/README.md)"
            )
        if problems:
            rep.fail("schemas", family, "; ".join(problems))
            continue
        validators[family] = Draft202012Validator(schema)
        rep.ok("schemas", family)
    return validators


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer(path) -> str:
    return "".join("/" + escape(str(p)) for p in path)


def value_offsets(text: str) -> dict[str, int]:
    """Pointer -> offset of its value in the JSON `text` (a small position-keeping parser)."""
    out: dict[str, int] = {}
    ws = " \t\r\n"

    def skip(i: int) -> int:
        while i < len(text) and text[i] in ws:
            i += 1
        return i

    def string_end(i: int) -> int:
        i += 1
        while text[i] != '"':
            i += 2 if text[i] == "\\" else 1
        return i + 1

    def value(i: int, at: str) -> int:
        i = skip(i)
        out[at] = i
        if text[i] == "{":
            i = skip(i + 1)
            while text[i] != "}":
                end = string_end(i)
                key = json.loads(text[i:end])
                i = skip(value(skip(end) + 1, at + "/" + escape(key)))
                if text[i] == ",":
                    i = skip(i + 1)
            return i + 1
        if text[i] == "[":
            i, n = skip(i + 1), 0
            while text[i] != "]":
                i = skip(value(i, f"{at}/{n}"))
                n += 1
                if text[i] == ",":
                    i = skip(i + 1)
            return i + 1
        if text[i] == '"':
            return string_end(i)
        j = i
        while j < len(text) and text[j] not in ",]} \t\r\n":
            j += 1
        return j

    value(0, "")
    return out


def locate(offsets: dict[str, int], ptr: str) -> int:
    """Where the tool places a finding: its value, or the deepest existing ancestor (a missing field)."""
    while ptr not in offsets:
        ptr = ptr.rsplit("/", 1)[0]
    return offsets[ptr]


def ordered(found: list[tuple[str, str]], line: str | None) -> list[tuple[str, str]]:
    """The tool's order within one line: by the byte offset the finding points at (src/scan.rs,
    json::locate_pointer), ties kept in the body check's order (pointer, then code)."""
    found = sorted(found, key=lambda f: (f[1], f[0]))
    if line is None:
        return found
    offsets = value_offsets(line)
    return sorted(found, key=lambda f: locate(offsets, f[1]))


def findings(
    validator: Draft202012Validator, body, line: str | None = None
) -> list[tuple[str, str]]:
    """(code, pointer from the record root) per finding, in the Rust tool's order when the raw
    record `line` is given."""
    out = []
    for error in validator.iter_errors(body):
        at = "/modelInput" + pointer(error.absolute_path)
        kind = error.validator
        code = CODES.get(kind, "M006")
        if kind == "required":
            name = re.match(
                r"^'(.*)' is a required property$", error.message, re.DOTALL
            )
            out.append((code, at + "/" + escape(name.group(1) if name else "?")))
        elif kind in ("additionalProperties", "unevaluatedProperties") and isinstance(
            error.instance, dict
        ):
            schema = error.schema
            known = set(schema.get("properties", {}))
            pats = [re.compile(p) for p in schema.get("patternProperties", {})]
            extra = [
                k
                for k in error.instance
                if k not in known and not any(p.search(k) for p in pats)
            ]
            out.extend((code, at + "/" + escape(k)) for k in extra or ["?"])
        else:
            out.append((code, at))
    return ordered(out, line)


def message_roles(schema: dict) -> set[str] | None:
    """The roles a schema lists for messages[].role over all its branches (src/schema.rs
    `message_roles`); None when it lists none."""

    def deref(node):
        for _ in range(32):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if not isinstance(ref, str) or not ref.startswith("#/"):
                break
            node = schema
            for token in ref[2:].split("/"):
                node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    def branches(node):
        out, i = [deref(node)], 0
        while i < len(out) and len(out) < 64:
            n = out[i]
            for key in ("then", "else"):
                if isinstance(n, dict) and key in n:
                    out.append(deref(n[key]))
            for key in ("allOf", "anyOf", "oneOf"):
                if isinstance(n, dict) and isinstance(n.get(key), list):
                    out.extend(deref(b) for b in n[key])
            i += 1
        return out

    nodes = branches(schema)
    for key in ("properties", "messages", "items", "properties", "role"):
        nodes = [b for n in nodes if isinstance(n, dict) and key in n for b in branches(n[key])]
    roles: set[str] = set()
    for n in nodes:
        values = n.get("enum") if isinstance(n.get("enum"), list) else (
            [n["const"]] if "const" in n else []
        )
        roles.update(v for v in values if isinstance(v, str))
    return roles or None


def semantic(
    family: str, body: dict, converse: bool, schema: dict | None = None
) -> list[tuple[str, str]]:
    """M007 / M008, mirroring src/schema.rs (`first_turn_rule`, the Converse toolConfig check).
    M007 judges only roles the schema accepts: a role it refuses is its M005 alone."""
    out = []
    roles = message_roles(schema) if schema is not None else None
    skip_system = {
        "anthropic-claude-messages": False,
        "amazon-nova-messages-v1": False,
        CONVERSE: False,
        "mistral-chat": True,
    }.get(family)
    messages = body.get("messages") if isinstance(body, dict) else None
    if skip_system is not None and isinstance(messages, list):
        for i, m in enumerate(messages):
            role = m.get("role") if isinstance(m, dict) else None
            if skip_system and role == "system":
                continue
            if isinstance(role, str) and role != "user" and (roles is None or role in roles):
                out.append(("M007", f"/modelInput/messages/{i}/role"))
            break
    if converse and isinstance(body, dict) and "toolConfig" in body:
        out.append(("M008", "/modelInput/toolConfig"))
    return out


def read_jsonl(path: Path, rep: Report, area: str) -> list[dict] | None:
    records = []
    seen = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            rep.fail(area, f"{path.relative_to(ROOT)}:{n}", f"not JSON: {e}")
            return None
        rid = record.get("recordId")
        if not isinstance(rid, str) or not RECORD_ID.match(rid) or rid in seen:
            rep.fail(
                area,
                f"{path.relative_to(ROOT)}:{n}",
                f"recordId {rid!r} is not 11 unique letters/digits",
            )
            return None
        if set(record) != {"recordId", "modelInput"} or not isinstance(
            record["modelInput"], dict
        ):
            rep.fail(
                area,
                f"{path.relative_to(ROOT)}:{n}",
                "a record is exactly {recordId, modelInput:{...}}",
            )
            return None
        seen.add(rid)
        record["_line"] = line
        records.append(record)
    if not path.read_text(encoding="utf-8").endswith("\n"):
        rep.fail(area, str(path.relative_to(ROOT)), "no final newline")
        return None
    return records


def rust_findings(
    binary: str, schema: Path, path: Path
) -> dict[int, list[tuple[str, str]]]:
    """Line -> [(code, pointer)] from the real tool, checking bodies with --schema."""
    run = subprocess.run(
        [
            binary,
            "validate",
            "--format",
            "json",
            "--no-progress",
            "--max-diagnostics",
            "100000",
            "--min-records-per-job",
            "1",
            "--schema",
            str(schema),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode not in (0, 1):
        raise RuntimeError(run.stderr.strip() or f"exit {run.returncode}")
    out: dict[int, list[tuple[str, str]]] = {}
    for d in json.loads(run.stdout)["diagnostics"]:
        out.setdefault(d["line"], []).append((d["code"], d["pointer"]))
    return out


def check_families(
    rep: Report, validators: dict, catalog: dict, rust: str | None
) -> None:
    area = "families"
    dirs = {d.name: d for d in sorted((FIXTURES / "families").iterdir()) if d.is_dir()}
    for family in sorted(set(validators) | set(dirs)):
        if family not in dirs:
            rep.fail(area, family, "no fixtures/families/<family>/ folder")
            continue
        if family not in validators:
            rep.fail(area, family, "fixtures for a family without a (valid) schema")
            continue
        d, v, problems = dirs[family], validators[family], []
        valid = read_jsonl(d / "valid.jsonl", rep, area)
        invalid = read_jsonl(d / "invalid.jsonl", rep, area)
        if valid is None or invalid is None:
            continue
        expect = json.loads((d / "expect.json").read_text(encoding="utf-8"))
        if not valid or not invalid:
            problems.append("needs at least one valid and one invalid body")
        for n, record in enumerate(valid, 1):
            got = findings(v, record["modelInput"])
            if got:
                problems.append(f"valid.jsonl:{n} has findings {got}")
        if [e["line"] for e in expect] != list(range(1, len(invalid) + 1)):
            problems.append(
                "expect.json needs one entry per invalid.jsonl line, in order"
            )
        for e in expect:
            if not 1 <= e["line"] <= len(invalid):
                continue
            got = findings(
                v, invalid[e["line"] - 1]["modelInput"], invalid[e["line"] - 1]["_line"]
            )
            want = (e["code"], e["pointer"])
            if not got:
                problems.append(f"invalid.jsonl:{e['line']} has no finding")
            elif got[0] != want:
                problems.append(
                    f"invalid.jsonl:{e['line']} first finding is {got[0]}, expected {want} (all: {got})"
                )
        model_id = (d / "model.txt").read_text(encoding="utf-8").strip()
        _, entry = resolve(catalog, model_id)
        if family == CONVERSE:
            if entry is None:
                problems.append(f"model.txt id {model_id} is not in the catalog")
        elif entry is None or entry.get("family") != family:
            problems.append(
                f"model.txt id {model_id} resolves to {entry and entry.get('family')}"
            )
        if rust and not problems:
            schema = SCHEMAS / f"{family}.json"
            try:
                ok_lines = rust_findings(rust, schema, d / "valid.jsonl")
                bad_lines = rust_findings(rust, schema, d / "invalid.jsonl")
            except RuntimeError as err:
                problems.append(f"rust: {err}")
            else:
                if ok_lines:
                    problems.append(f"rust flags valid.jsonl: {ok_lines}")
                # Also as users run it: by model id (embedded schema plus the M007/M008 checks).
                # Titan Text and DeepSeek-R1 cannot run batch jobs (M010); the fixtures are about
                # their bodies, which are still checked.
                args = ["--model-id", model_id, "--ignore", "M010"] + (
                    ["--invocation-type", "Converse"] if family == CONVERSE else []
                )
                run = subprocess.run(
                    [
                        rust,
                        "validate",
                        "--format",
                        "json",
                        "--no-progress",
                        "--min-records-per-job",
                        "1",
                        *args,
                        str(d / "valid.jsonl"),
                    ],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                report = json.loads(run.stdout) if run.stdout.startswith("{") else {}
                if report.get("family") != family or report.get("diagnostics"):
                    problems.append(
                        f"rust with {' '.join(args)} on valid.jsonl: family {report.get('family')}, "
                        f"{[(x['code'], x['line']) for x in report.get('diagnostics', [])]} "
                        "(is the binary built from these schemas?)"
                    )
                for e in expect:
                    first = (bad_lines.get(e["line"]) or [None])[0]
                    if first != (e["code"], e["pointer"]):
                        problems.append(
                            f"rust: invalid.jsonl:{e['line']} first finding {first}, "
                            f"expected {(e['code'], e['pointer'])}"
                        )
                    py = findings(
                        v,
                        invalid[e["line"] - 1]["modelInput"],
                        invalid[e["line"] - 1]["_line"],
                    )
                    if bad_lines.get(e["line"], []) != py:
                        problems.append(
                            f"rust and python differ on invalid.jsonl:{e['line']}: "
                            f"{bad_lines.get(e['line'])} vs {py}"
                        )
        if problems:
            rep.fail(area, family, "; ".join(problems))
        else:
            rep.ok(area, family)


def option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def check_rules(rep: Report, validators: dict, catalog: dict, rust: str | None) -> None:
    area = "rules"
    for code in [f"M0{i:02}" for i in range(10, 14)]:
        # Findings about the model id and the input folder: not a schema matter, so only
        # their shape is checked here and their outcome through the binary.
        d = FIXTURES / code
        try:
            case = json.loads((d / "case.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            rep.fail(area, code, "no case.json")
            continue
        problems = [] if "pass" in case else ["no passing file"]
        if rust and not problems:
            problems += rust_case(rust, d, case)
        (rep.fail(area, code, "; ".join(problems)) if problems else rep.ok(area, code))
    for code in [f"M00{i}" for i in range(1, 10)]:
        d = FIXTURES / code
        try:
            case = json.loads((d / "case.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            rep.fail(area, code, "no case.json")
            continue
        args, expect = case["args"], case["expect"]
        converse = option(args, "--invocation-type") == "Converse"
        _, entry = resolve(catalog, option(args, "--model-id") or "")
        family = (
            CONVERSE
            if (converse and entry is not None)
            else (entry or {}).get("family")
        )
        problems = []
        want_exit = 0 if code == "M009" else 1
        if expect.get("exit") != want_exit or expect.get("verdict") != "Scheduled":
            problems.append(f"expect exit {want_exit} and verdict Scheduled")

        def all_findings(
            path: Path, entry=entry, family=family, converse=converse
        ) -> list[tuple]:
            """(line, code, pointer) of every M finding the tool would report on `path`."""
            records = read_jsonl(path, rep, area) or []
            found: list[tuple] = [] if entry is not None else [(None, "M009", None)]
            if family is not None:
                for n, record in enumerate(records, 1):
                    body = record["modelInput"]
                    both = findings(validators[family], body) + semantic(
                        family, body, converse, validators[family].schema
                    )
                    found += [(n, c, p) for c, p in ordered(both, record["_line"])]
            return found

        fail = all_findings(d / case["fail"])
        want = (expect["line"], code, expect.get("pointer"))
        if fail != [want]:
            problems.append(f"the failing file should have exactly {want}, has {fail}")
        if code != "M009" and expect.get("line") in (None, 1):
            problems.append("put the failing record after line 1")
        if "pass" in case:
            passing = all_findings(d / case["pass"])
            if passing:
                problems.append(f"the passing file has findings {passing}")
        elif code != "M009":
            problems.append("no passing file")
        if rust and not problems:
            problems += rust_case(rust, d, case)
        if problems:
            rep.fail(area, code, "; ".join(problems))
        else:
            rep.ok(area, code)


def rust_case(binary: str, d: Path, case: dict) -> list[str]:
    """Runs the real binary on a rule case as tests/it/fixtures.rs does."""
    problems = []
    for key in ("fail", "pass"):
        if key not in case:
            continue
        args = case.get("pass_args", case["args"]) if key == "pass" else case["args"]
        run = subprocess.run(
            [
                binary,
                "validate",
                "--format",
                "json",
                "--no-progress",
                *args,
                str(d / case[key]),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            report = json.loads(run.stdout)
        except json.JSONDecodeError:
            return [f"rust: {key}: exit {run.returncode}: {run.stderr.strip()}"]
        got = [(x["code"], x["line"], x.get("pointer")) for x in report["diagnostics"]]
        code = d.name
        if key == "fail":
            want = (
                code,
                case["expect"]["line"],
                case["expect"].get("pointer", got[0][2] if got else None),
            )
            if (
                got != [want]
                or run.returncode != case["expect"]["exit"]
                or report["verdict"]["status"] != case["expect"]["verdict"]
            ):
                problems.append(
                    f"rust: fail file gives {got}, exit {run.returncode}, {report['verdict']['status']}"
                )
        elif got or run.returncode != 0:
            problems.append(f"rust: pass file gives {got}, exit {run.returncode}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rust",
        metavar="BIN",
        help="also run the fixtures through this bedrock-batch binary",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print passes too")
    opts = parser.parse_args()
    rep = Report(opts.verbose)
    validators = load_schemas(rep)
    catalog = json.loads((SCHEMAS / "catalog.json").read_text(encoding="utf-8"))
    check_catalog(rep, catalog, set(validators))
    check_families(rep, validators, catalog, opts.rust)
    check_rules(rep, validators, catalog, opts.rust)
    return 0 if rep.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
