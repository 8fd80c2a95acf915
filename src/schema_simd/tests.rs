//! Differential tests: `Validator<SimdJson>` and `Validator<TapeJson>` against
//! `Validator<SerdeJson>` on the same text.
//!
//! The tape may decline a text (the caller then takes the `serde_json` path); it must decline
//! every text `serde_json` rejects, and agree on every text it accepts.
//!
//! Each instance is parsed by `serde_json::from_str` and by [`BodyParser`]; both validators must
//! then agree on `is_valid`, the first error, the full error list (kind, instance path, schema
//! path, evaluation path, instance, message, in order) and the `list` evaluation output.

// The tests print how many cases they compared, so a run shows they compared something.
#![allow(clippy::print_stderr)]

use std::sync::LazyLock;

use jsonschema::json::{Array, Json, JsonNumber, Node, Object, SerdeJson};
use jsonschema::{Draft, ValidationError, Validator};
use proptest::prelude::*;
use serde_json::{json, Number, Value};

use super::{BodyParseError, BodyParser, SimdJson, SimdNode};
use crate::schema_tape::{BodyTape, TapeJson};

/// What a validator says about one instance, in a form two representations can be compared by.
#[derive(Debug, PartialEq)]
struct Outcome {
    is_valid: bool,
    first: Option<Report>,
    errors: Vec<Report>,
    evaluation: Value,
}

#[derive(Debug, PartialEq)]
struct Report {
    kind: String,
    instance_path: String,
    schema_path: String,
    evaluation_path: String,
    instance: Value,
    message: String,
}

fn report(error: &ValidationError<'_>) -> Report {
    Report {
        kind: format!("{:?}", error.kind()),
        instance_path: error.instance_path().to_string(),
        schema_path: error.schema_path().to_string(),
        evaluation_path: error.evaluation_path().to_string(),
        instance: error.instance().clone().into_owned(),
        message: error.to_string(),
    }
}

fn outcome<'a, F: Json>(validator: &'a Validator<F>, node: F::Node<'a>) -> Outcome {
    Outcome {
        is_valid: validator.is_valid(node.clone()),
        first: validator.validate(node.clone()).err().map(|e| report(&e)),
        errors: validator
            .iter_errors(node.clone())
            .map(|e| report(&e))
            .collect(),
        evaluation: serde_json::to_value(validator.evaluate(node).list()).expect("serializes"),
    }
}

fn build<F: Json>(schema: &Value) -> Validator<F> {
    jsonschema::options_for::<F>()
        .with_draft(Draft::Draft202012)
        .build(schema)
        .expect("schema compiles")
}

/// A schema compiled for both representations.
struct Pair {
    name: &'static str,
    serde: Validator<SerdeJson>,
    simd: Validator<SimdJson>,
    tape: Validator<TapeJson>,
}

fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        ("claude", claude_schema()),
        (
            "numbers",
            json!({
                "type": "object",
                "properties": {
                    "int": {"type": "integer"},
                    "pos": {"type": "number", "exclusiveMinimum": 0},
                    "range": {"minimum": -9223372036854775808_i64, "maximum": 18446744073709551615_u64},
                    "small": {"exclusiveMaximum": 1.5, "minimum": -0.5},
                    "cents": {"multipleOf": 0.01},
                    "three": {"multipleOf": 3},
                    "half": {"multipleOf": 0.5},
                    "one": {"const": 1},
                    "zero": {"const": 0},
                    "choices": {"enum": [1.0, 2, "x", null, true, [1, 2.0], {"a": 1}]},
                    "big": {"minimum": 1e300},
                    "past53": {"maximum": 9007199254740993_u64},
                    "list": {"type": "array", "items": {"type": ["integer", "string"]}}
                },
                "additionalProperties": {"type": "number", "maximum": 1e2}
            }),
        ),
        (
            "scalar-numbers",
            json!({
                "anyOf": [
                    {"type": "integer", "multipleOf": 7},
                    {"type": "number", "exclusiveMaximum": 0},
                    {"type": "string", "maxLength": 1}
                ],
                "not": {"enum": [0, 1e2]}
            }),
        ),
        (
            "strings",
            json!({
                "type": "object",
                "properties": {
                    "short": {"type": "string", "minLength": 2, "maxLength": 5},
                    "word": {"pattern": "^[a-zé]+$"},
                    "escaped": {"const": "a\u{e9}\n"},
                    "emoji": {"maxLength": 1},
                    "names": {"enum": ["café", "naïve", "😀"]}
                },
                "propertyNames": {"maxLength": 8},
                "patternProperties": {"^x-": {"type": "string"}},
                "unevaluatedProperties": {"type": "string", "minLength": 3}
            }),
        ),
        (
            "arrays",
            json!({
                "type": "array",
                "prefixItems": [{"type": "integer"}, {"type": "string"}],
                "items": {"type": "number"},
                "minItems": 1,
                "maxItems": 6,
                "uniqueItems": true,
                "contains": {"const": 1},
                "minContains": 1,
                "maxContains": 2
            }),
        ),
        (
            "unevaluated",
            json!({
                "type": ["object", "array"],
                "allOf": [{"properties": {"kind": {"enum": ["a", "b"]}}, "required": ["kind"]}],
                "if": {"properties": {"kind": {"const": "a"}}},
                "then": {"properties": {"alpha": {"type": "number"}}, "required": ["alpha"]},
                "else": {"properties": {"beta": {"type": "string"}}},
                "dependentRequired": {"alpha": ["kind"]},
                "dependentSchemas": {"beta": {"maxProperties": 3}},
                "minProperties": 1,
                "maxProperties": 4,
                "unevaluatedProperties": false,
                "anyOf": [{"prefixItems": [true, {"type": "string"}]}, {"items": {"type": "null"}}],
                "unevaluatedItems": false
            }),
        ),
        (
            "tree",
            json!({
                "$ref": "#/$defs/node",
                "$defs": {
                    "node": {
                        "type": "object",
                        "required": ["value"],
                        "properties": {
                            "value": {"type": "number"},
                            "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}
                        },
                        "additionalProperties": false
                    }
                }
            }),
        ),
        (
            "nested-arrays",
            json!({"anyOf": [{"type": "number"}, {"type": "array", "maxItems": 2, "items": {"$ref": "#"}}]}),
        ),
        (
            "closed-keys",
            json!({
                "type": "object",
                "properties": {"a": {"type": "integer"}, "b": true},
                "additionalProperties": false,
                "propertyNames": {"maxLength": 1},
                "minProperties": 2
            }),
        ),
        (
            "const-object",
            json!({
                "oneOf": [
                    {"const": {"a": 1, "b": [1.0, "x"]}},
                    {"enum": [[], [0], {"b": [1, "x"], "a": 1.0}]},
                    {"type": "object", "required": ["a"], "uniqueItems": true}
                ]
            }),
        ),
    ]
}

/// A Claude Messages body schema, close to what the catalog would hold.
fn claude_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": false,
        "required": ["anthropic_version", "max_tokens", "messages"],
        "properties": {
            "anthropic_version": {"const": "bedrock-2023-05-31"},
            "max_tokens": {"type": "integer", "minimum": 1, "maximum": 200000},
            "messages": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"$ref": "#/$defs/message"}},
            "system": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/$defs/textBlock"}}]},
            "temperature": {"type": "number", "minimum": 0, "maximum": 1},
            "top_p": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "top_k": {"type": "integer", "minimum": 0, "maximum": 500},
            "stop_sequences": {
                "type": "array", "maxItems": 8, "uniqueItems": true,
                "items": {"type": "string", "minLength": 1, "maxLength": 64}
            },
            "metadata": {
                "type": "object",
                "propertyNames": {"pattern": "^[a-z_]+$", "maxLength": 16},
                "additionalProperties": {"type": "string"}
            },
            "tools": {"type": "array", "items": {"$ref": "#/$defs/tool"}},
            "tool_choice": {
                "oneOf": [
                    {
                        "type": "object", "additionalProperties": false, "required": ["type"],
                        "properties": {"type": {"enum": ["auto", "any"]}}
                    },
                    {
                        "type": "object", "additionalProperties": false, "required": ["type", "name"],
                        "properties": {"type": {"const": "tool"}, "name": {"type": "string"}}
                    }
                ]
            }
        },
        "$defs": {
            "message": {
                "type": "object",
                "additionalProperties": false,
                "required": ["role", "content"],
                "properties": {
                    "role": {"enum": ["user", "assistant"]},
                    "content": {
                        "oneOf": [
                            {"type": "string", "minLength": 1},
                            {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/block"}}
                        ]
                    }
                }
            },
            "textBlock": {
                "type": "object",
                "additionalProperties": false,
                "required": ["type", "text"],
                "properties": {"type": {"const": "text"}, "text": {"type": "string", "maxLength": 200000}}
            },
            "block": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": ["text", "image", "tool_use", "tool_result"]}},
                "if": {"properties": {"type": {"const": "text"}}},
                "then": {"$ref": "#/$defs/textBlock"},
                "else": {
                    "if": {"properties": {"type": {"const": "image"}}},
                    "then": {"required": ["source"], "properties": {"source": {"$ref": "#/$defs/imageSource"}}}
                }
            },
            "imageSource": {
                "type": "object",
                "additionalProperties": false,
                "required": ["type", "media_type", "data"],
                "properties": {
                    "type": {"const": "base64"},
                    "media_type": {"enum": ["image/jpeg", "image/png", "image/gif", "image/webp"]},
                    "data": {"type": "string", "pattern": "^[A-Za-z0-9+/]*={0,2}$"}
                }
            },
            "tool": {
                "type": "object",
                "required": ["name", "input_schema"],
                "properties": {
                    "name": {"type": "string", "pattern": "^[a-zA-Z0-9_-]{1,64}$"},
                    "description": {"type": "string"},
                    "input_schema": {"type": "object"}
                }
            }
        }
    })
}

static PAIRS: LazyLock<Vec<Pair>> = LazyLock::new(|| {
    schemas()
        .into_iter()
        .map(|(name, schema)| Pair {
            name,
            serde: build::<SerdeJson>(&schema),
            simd: build::<SimdJson>(&schema),
            tape: build::<TapeJson>(&schema),
        })
        .collect()
});

/// An object of `count` members `k0`, `k1`, … written in reverse, with `k3` repeated at the end.
fn wide_object(count: usize) -> String {
    let mut members: Vec<String> = (0..count)
        .rev()
        .map(|index| format!(r#""k{index}": {index}"#))
        .collect();
    members.push(r#""k3": "again""#.to_string());
    format!("{{{}}}", members.join(", "))
}

fn nested_arrays(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

fn instances() -> Vec<String> {
    let fixed = [
        // Scalars, with every spelling of a number the parsers might read differently.
        "null",
        "true",
        "false",
        "0",
        "-0",
        "-0.0",
        "0.0",
        "1",
        "1.0",
        "1e2",
        "1E+2",
        "100",
        "100.0",
        "7",
        "-7",
        "14.0",
        "1.5",
        "-1.5",
        "0.01",
        "0.3",
        "0.07",
        "1e-2",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "9007199254740993",
        "1.7976931348623157e308",
        "5e-324",
        "1e-400",
        r#""""#,
        r#""x""#,
        r#""a\u00e9\n""#,
        "\"a\u{e9}\\n\"",
        r#""😀""#,
        r#""\ud83d\ude00""#,
        r#""caf\u00e9""#,
        r#""\"\\\/\b\f\r\t""#,
        "[]",
        "{}",
        "[1]",
        "[0]",
        "[1.0]",
        r#"[1, "a"]"#,
        r#"[1, "a", 2, 3]"#,
        r#"[1, 1, "a"]"#,
        r#"[1, "a", 1.0]"#,
        r#"[0, "a"]"#,
        r#"[1, "b", 1, 1]"#,
        r#"[1.5, "x"]"#,
        r#"["a", 1]"#,
        r#"[1, "a", 2, 3, 4, 5, 6]"#,
        r#"[null, "s"]"#,
        r#"[null, null]"#,
        "[[1, 2], [3, [4]]]",
        "[[1, 2, 3]]",
        r#"[{"a": 1}, {"a": 1.0}]"#,
        r#"[[1, 2], [1, 2.0]]"#,
        // Claude bodies: valid ones and one mistake each.
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":512,"messages":[{"role":"user","content":"Hi"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":512.0,"messages":[{"role":"user","content":[{"type":"text","text":"caf\u00e9 \"q\"\n😀"}]}],"system":"Be brief.","temperature":0.5,"top_p":1,"top_k":0,"stop_sequences":["\n\nHuman:"],"metadata":{"user_id":"u1"}}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":1e3,"messages":[{"role":"assistant","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":0,"messages":[]}"#,
        r#"{"anthropic_version":"bedrock-2023-06-01","max_tokens":200001,"messages":[{"role":"system","content":""}],"extra":1}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":1.5,"messages":[{"role":"user","content":[]}],"temperature":1.5,"top_p":0,"top_k":-0}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":-0,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","media_type":"image/bmp","data":"!!","url":"x"}}]}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text"},{"type":"video"},{"type":"text","text":"ok","cache":1}]}],"stop_sequences":["a","a","","b"],"metadata":{"UserId":"x","a_very_long_metadata_key":"y","ok":1}}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"get weather","input_schema":{}}, {"name":"ok"}],"tool_choice":{"type":"tool"},"system":[{"type":"text","text":"s"},{"type":"text"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"auto","name":"x"}}"#,
        // Numbers schema.
        r#"{"int": 1.0, "pos": -0, "range": 18446744073709551615, "small": 1.5, "cents": 0.07, "three": 9, "half": 2.5, "one": 1.0, "zero": -0, "choices": 1, "big": 1e300, "past53": 9007199254740993}"#,
        r#"{"int": 1.5, "pos": 0, "range": 18446744073709551616, "small": -0.6, "cents": 0.001, "three": 10, "half": 0.3, "one": 2, "zero": 0.0, "choices": [1.0, 2], "big": 1e299, "past53": 9007199254740994}"#,
        r#"{"choices": {"a": 1.0}, "list": [1, "a", 1.0, 2.5, null], "other": 100.0, "more": 101, "neg": -9223372036854775809}"#,
        r#"{"choices": 2.0, "three": -9223372036854775808, "cents": 1e-2, "int": 1e2, "range": -9223372036854775809}"#,
        // Strings schema.
        r#"{"short": "ééé", "word": "café", "escaped": "a\u00e9\n", "emoji": "😀", "names": "na\u00efve", "x-a": "1", "other": "long enough"}"#,
        r#"{"short": "é", "word": "Café", "escaped": "a\u00e9\\n", "emoji": "😀😀", "names": "\ud83d\ude00", "x-a": 1, "a_very_long_name": "x", "z": "ab"}"#,
        r#"{"short": "abcdef", "emoji": "\ud83d\ude00"}"#,
        // Object keywords.
        r#"{"kind": "a", "alpha": 1}"#,
        r#"{"kind": "a"}"#,
        r#"{"kind": "b", "beta": "x", "gamma": 1}"#,
        r#"{"kind": "c"}"#,
        r#"{"beta": 1, "kind": "b", "x": 1, "y": 2}"#,
        r#"{"a": 1, "b": 2}"#,
        r#"{"a": 1.0, "b": null, "c": 3}"#,
        r#"{"a": 1, "b": [1.0, "x"]}"#,
        r#"{"b": [1, "x"], "a": 1.0}"#,
        r#"{"a": [], "bb": 1}"#,
        // Repeated keys: serde_json keeps the first position and the last value.
        r#"{"a": "x", "b": 2, "a": 1}"#,
        r#"{"a": 1, "b": 2, "a": "x", "b": [1.0, "x"]}"#,
        r#"{"kind": "a", "kind": "b", "beta": "s"}"#,
        // Recursion.
        r#"{"value": 1, "children": [{"value": 2, "children": [{"value": "x"}]}, {"value": 3, "extra": true}]}"#,
        r#"{"value": 1, "children": [{"value": 2.5, "children": []}]}"#,
    ];
    let mut all: Vec<String> = fixed.iter().map(|text| (*text).to_string()).collect();
    all.push(wide_object(40));
    all.push(wide_object(32));
    all.push(wide_object(31));
    all.push(nested_arrays(3));
    all.push(nested_arrays(100));
    all.push(nested_arrays(127));
    all.push(nested_arrays(128));
    all
}

/// Compares the validators on `text`; `None` when `serde_json` does not read it as JSON.
fn compare(pair: &Pair, parser: &mut BodyParser, text: &str) -> Option<Outcome> {
    let mut tape = BodyTape::new();
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => {
            assert!(
                parser.parse(text.as_bytes(), |_| ()).is_err(),
                "simd-json accepts what serde_json rejects ({error}): {text}"
            );
            assert!(
                tape.parse(text, |_| ()).is_none(),
                "the tape accepts what serde_json rejects ({error}): {text}"
            );
            return None;
        }
    };
    let expected = outcome(&pair.serde, &value);
    let (got, round_trip) = parser
        .parse(text.as_bytes(), |root| {
            (outcome(&pair.simd, root), root.to_value().into_owned())
        })
        .unwrap_or_else(|error| panic!("simd-json rejects {text}: {error}"));
    assert_eq!(round_trip, value, "to_value differs for {text}");
    assert_eq!(got, expected, "schema {}, instance {text}", pair.name);
    if let Some((got, round_trip)) = tape.parse(text, |root| {
        (outcome(&pair.tape, root), root.to_value().into_owned())
    }) {
        assert_eq!(round_trip, value, "tape: to_value differs for {text}");
        assert_eq!(got, expected, "tape: schema {}, instance {text}", pair.name);
    }
    Some(got)
}

#[test]
fn the_tape_takes_most_of_the_corpus() {
    let mut tape = BodyTape::new();
    let readable: Vec<String> = instances()
        .into_iter()
        .filter(|text| serde_json::from_str::<Value>(text).is_ok())
        .collect();
    let taken = readable
        .iter()
        .filter(|text| tape.parse(text, |_| ()).is_some())
        .count();
    // Declined: repeated keys, escaped keys, deep nesting; nothing else in the corpus.
    assert!(
        taken * 10 >= readable.len() * 9,
        "the tape takes only {taken} of {} readable instances",
        readable.len()
    );
    for declined in [
        r#"{"a": 1, "a": 2}"#,
        r#"{"\u0061": 1, "b": 2}"#,
        r#"["\ud800"]"#,
        r#"["\udc00\ud800"]"#,
        "1e400",
    ] {
        assert!(tape.parse(declined, |_| ()).is_none(), "{declined}");
    }
    for taken in [r#"["\ud83d\ude00", "\\ud800"]"#, "-0", r#"{"a": {"a": 1}}"#] {
        assert!(tape.parse(taken, |_| ()).is_some(), "{taken}");
    }
}

#[test]
fn corpus_gives_identical_outcomes() {
    let mut parser = BodyParser::new();
    let (mut valid, mut invalid, mut compared) = (0, 0, 0);
    for pair in PAIRS.iter() {
        for text in instances() {
            if let Some(outcome) = compare(pair, &mut parser, &text) {
                compared += 1;
                if outcome.is_valid {
                    valid += 1;
                } else {
                    invalid += 1;
                    assert!(!outcome.errors.is_empty());
                }
            }
        }
    }
    eprintln!("{compared} comparisons: {valid} valid, {invalid} invalid");
    // Guards against a corpus that stopped exercising one side (e.g. every body rejected).
    assert!(valid >= 80, "only {valid} valid outcomes");
    assert!(invalid >= 400, "only {invalid} invalid outcomes");
    // Only the 128-deep instance is past both parsers.
    assert_eq!(compared, PAIRS.len() * (instances().len() - 1));
}

#[test]
fn corpus_covers_valid_and_invalid_claude_bodies() {
    let claude = PAIRS.iter().find(|pair| pair.name == "claude").unwrap();
    let mut parser = BodyParser::new();
    let verdicts: Vec<bool> = instances()
        .iter()
        .filter(|text| text.contains("anthropic_version"))
        .map(|text| compare(claude, &mut parser, text).unwrap().is_valid)
        .collect();
    assert_eq!(
        verdicts,
        [true, true, true, false, false, false, false, false, false, false]
    );
}

#[test]
fn nesting_limit_matches_serde() {
    let mut parser = BodyParser::new();
    for depth in 1..=140 {
        let arrays = nested_arrays(depth);
        let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        for text in [arrays, objects] {
            let serde_accepts = serde_json::from_str::<Value>(&text).is_ok();
            let simd_accepts = parser.parse(text.as_bytes(), |_| ()).is_ok();
            assert_eq!(simd_accepts, serde_accepts, "depth {depth}: {text}");
            assert_eq!(serde_accepts, depth <= super::MAX_DEPTH, "depth {depth}");
        }
    }
}

#[test]
fn negative_zero_reads_as_a_float() {
    BodyParser::new()
        .parse(b"[-0, 0, -0.0]", |root| {
            let numbers: Vec<Number> = root
                .as_array()
                .unwrap()
                .elements()
                .map(|node| node.as_number().unwrap())
                .collect();
            assert_eq!(numbers[0].as_u64(), None);
            assert_eq!(numbers[0].as_f64(), Some(-0.0));
            assert!(numbers[0].as_f64().unwrap().is_sign_negative());
            assert_eq!(numbers[1].as_u64(), Some(0));
            assert_eq!(numbers[2].as_u64(), None);
            assert!(numbers[0].is_integer());
            assert!(!root.as_array().unwrap().is_unique());
        })
        .unwrap();
}

#[test]
fn numbers_keep_serde_kinds() {
    let text =
        "[1, 1.0, 1e2, -5, 18446744073709551615, 18446744073709551616, -9223372036854775809, 1.5]";
    let expected: Vec<Number> = serde_json::from_str(text).unwrap();
    BodyParser::new()
        .parse(text.as_bytes(), |root| {
            let got: Vec<Number> = root
                .as_array()
                .unwrap()
                .elements()
                .map(|node| node.as_number().unwrap())
                .collect();
            assert_eq!(got, expected);
            for (got, expected) in got.iter().zip(&expected) {
                assert_eq!(JsonNumber::as_u64(got), expected.as_u64());
                assert_eq!(JsonNumber::as_i64(got), expected.as_i64());
                assert_eq!(JsonNumber::as_str(got), expected.to_string());
                assert_eq!(
                    got.is_written_as_integer(),
                    expected.is_written_as_integer()
                );
            }
        })
        .unwrap();
}

#[test]
fn escaped_strings_are_unescaped() {
    BodyParser::new()
        .parse(
            br#"{"t": "a\u00e9\n", "e": "\ud83d\ude00", "q": "\"\\\/"}"#,
            |root| {
                let object = root.as_object().unwrap();
                let text = |key: &str| {
                    object
                        .get(&SimdJson::prepare_key(key))
                        .unwrap()
                        .as_string()
                        .unwrap()
                        .into_owned()
                };
                assert_eq!(text("t"), "a\u{e9}\n");
                assert_eq!(text("e"), "😀");
                assert_eq!(text("q"), "\"\\/");
                let emoji = object.get(&SimdJson::prepare_key("e")).unwrap();
                assert_eq!(emoji.string_length(), Some(1));
                assert_eq!(emoji.string_length_within(1, 1), Some(true));
                assert_eq!(emoji.string_length_within(2, 9), Some(false));
            },
        )
        .unwrap();
}

fn member_names(node: SimdNode<'_>) -> Vec<String> {
    node.as_object()
        .unwrap()
        .members()
        .map(|(name, _)| name.to_owned())
        .collect()
}

#[test]
fn repeated_keys_keep_first_position_and_last_value() {
    BodyParser::new()
        .parse(br#"{"a": 1, "b": 2, "a": 3}"#, |root| {
            let object = root.as_object().unwrap();
            assert_eq!(object.len(), 2);
            assert_eq!(member_names(root), ["a", "b"]);
            let a = object.get(&SimdJson::prepare_key("a")).unwrap();
            assert_eq!(a.as_number().unwrap().as_u64(), Some(3));
            assert!(root.equals_value(&json!({"b": 2, "a": 3.0})));
        })
        .unwrap();
}

#[test]
fn wide_objects_iterate_in_document_order() {
    let text = wide_object(40);
    let value: Value = serde_json::from_str(&text).unwrap();
    let expected: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    BodyParser::new()
        .parse(text.as_bytes(), |root| {
            assert!(matches!(root.value(), simd_json::BorrowedValue::Object(map) if map.is_map()));
            assert_eq!(member_names(root), expected);
            assert_eq!(root.as_object().unwrap().len(), 40);
        })
        .unwrap();
}

#[test]
fn identity_is_stable_and_distinct() {
    BodyParser::new()
        .parse(br#"{"a": {"b": 1}, "c": {"b": 1}}"#, |root| {
            let object = root.as_object().unwrap();
            let a = object.get(&SimdJson::prepare_key("a")).unwrap();
            let c = object.get(&SimdJson::prepare_key("c")).unwrap();
            let again = object.get(&SimdJson::prepare_key("a")).unwrap();
            assert_eq!(root.identity(), root.identity());
            assert_eq!(a.identity(), again.identity());
            assert_ne!(a.identity(), c.identity());
            assert_ne!(root.identity(), a.identity());
            assert_eq!(a.container_identity(), a.identity());
        })
        .unwrap();
}

#[test]
fn parse_errors_are_reported_and_the_parser_recovers() {
    let mut parser = BodyParser::new();
    for bad in [
        &b"{\"a\": 1"[..],
        b"",
        b"{\"a\": 1e400}",
        b"\"\\ud800\"",
        b"{\"a\": \"\x01\"}",
        b"\xff",
        b"[1,]",
    ] {
        let result = parser.parse(bad, |_| ());
        assert!(
            matches!(result, Err(BodyParseError::Syntax(_))),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    // A long body, then a short one: nothing of the first may leak into the second.
    let long = format!(r#"{{"text": "{}"}}"#, "x".repeat(10_000));
    let length = parser
        .parse(long.as_bytes(), |root| {
            root.as_object()
                .unwrap()
                .get(&SimdJson::prepare_key("text"))
                .unwrap()
                .string_length()
        })
        .unwrap();
    assert_eq!(length, Some(10_000));
    let short = parser
        .parse(br#"{"t": 1}"#, |root| root.to_value().into_owned())
        .unwrap();
    assert_eq!(short, json!({"t": 1}));
}

fn arb_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-8_i64..=8).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        prop::sample::select(vec![
            0.0,
            -0.0,
            1.0,
            0.5,
            0.01,
            0.07,
            0.1,
            0.3,
            2.5,
            100.0,
            1e300,
            5e-324,
            -1.0,
            7.0,
            9_007_199_254_740_993.0,
            1.8446744073709552e19,
        ])
        .prop_map(|f| json!(f)),
    ]
}

fn arb_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "anthropic_version",
            "max_tokens",
            "messages",
            "role",
            "content",
            "type",
            "text",
            "user",
            "assistant",
            "kind",
            "a",
            "b",
            "alpha",
            "beta",
            "value",
            "children",
            "x-1",
            "int",
            "three",
            "choices",
            "short",
            "names",
            "café",
            "😀",
            "a\u{e9}\n",
            "",
            "bedrock-2023-05-31",
        ])
        .prop_map(String::from),
        "[a-z\u{e9}\u{1F600}\"\\\\\n\t\u{1}/ ]{0,6}",
    ]
}

/// Arbitrary JSON values, leaning on names and numbers the corpus schemas look at.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        arb_number(),
        arb_number(),
        arb_name().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((arb_name(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// JSON text whose spelling varies beyond what `serde_json` writes: number forms, escapes,
/// repeated keys and objects past simd-json's 32-member vector limit.
#[derive(Clone, Debug)]
enum Doc {
    Null,
    Bool(bool),
    Number(String),
    String(String, u64),
    Array(Vec<Doc>),
    Object(Vec<(String, u64, Doc)>),
}

fn render_string(text: &str, mut style: u64, out: &mut String) {
    use std::fmt::Write;
    out.push('"');
    for c in text.chars() {
        style = style.rotate_left(3);
        let escape = style & 3 == 0;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if !escape => out.push_str("\\n"),
            '/' if escape => out.push_str("\\/"),
            c if (c as u32) < 0x20 || escape => {
                let mut units = [0_u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn render(doc: &Doc, out: &mut String) {
    match doc {
        Doc::Null => out.push_str("null"),
        Doc::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        Doc::Number(text) => out.push_str(text),
        Doc::String(text, style) => render_string(text, *style, out),
        Doc::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                render(item, out);
            }
            out.push(']');
        }
        Doc::Object(members) => {
            out.push('{');
            for (index, (name, style, value)) in members.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                render_string(name, *style, out);
                out.push(':');
                render(value, out);
            }
            out.push('}');
        }
    }
}

fn arb_number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "-0",
            "0",
            "-0.0",
            "0e0",
            "-0e-5",
            "1e2",
            "1E+2",
            "100",
            "100.0",
            "1.00e2",
            "1.5e-3",
            "0.1",
            "0.07",
            "7e0",
            "21",
            "-7",
            "2.5",
            "1.5",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "123456789012345678901234567890",
            "1e308",
            "4.9e-324",
            "1e-400",
            "9007199254740993",
            "999999999999999999",
            "9999999999999999999",
            "10000000000000000000",
            "99999999999999999999",
            "0.30000000000000004",
            "3.141592653589793238462643383279",
        ])
        .prop_map(String::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (any::<u32>(), 0_u32..40, -30_i32..30).prop_map(|(m, frac, e)| {
            let digits = format!("{m}{frac}");
            format!("{}.{}e{e}", &digits[..1], &digits[1..])
        }),
    ]
}

fn arb_doc() -> impl Strategy<Value = Doc> {
    let leaf = prop_oneof![
        Just(Doc::Null),
        any::<bool>().prop_map(Doc::Bool),
        arb_number_text().prop_map(Doc::Number),
        arb_number_text().prop_map(Doc::Number),
        (arb_name(), any::<u64>()).prop_map(|(text, style)| Doc::String(text, style)),
    ];
    let nested = leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Doc::Array),
            prop::collection::vec((arb_name(), any::<u64>(), inner), 0..6).prop_map(Doc::Object),
        ]
    });
    prop_oneof![
        4 => nested.clone(),
        1 => prop::collection::vec(
            ("k[0-9]{1,2}|[ab]", any::<u64>(), nested),
            28..44,
        )
        .prop_map(Doc::Object),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_values_give_identical_outcomes(value in arb_json()) {
        let mut parser = BodyParser::new();
        let compact = serde_json::to_string(&value).unwrap();
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        for pair in PAIRS.iter() {
            prop_assert!(compare(pair, &mut parser, &compact).is_some());
            prop_assert!(compare(pair, &mut parser, &pretty).is_some());
        }
    }

    #[test]
    fn random_spellings_give_identical_outcomes(doc in arb_doc()) {
        let mut text = String::new();
        render(&doc, &mut text);
        let mut parser = BodyParser::new();
        for pair in PAIRS.iter() {
            prop_assert!(compare(pair, &mut parser, &text).is_some());
        }
    }

    /// The tape the line scanner records is the tape of the body read on its own.
    #[test]
    fn recorded_tapes_match_parsed_ones(doc in arb_doc(), value in arb_json()) {
        let mut body = String::new();
        render(&doc, &mut body);
        for body in [body, serde_json::to_string(&value).unwrap()] {
            let line = format!(r#"{{"recordId": "a", "modelInput": {body} , "x": [1]}}"#);
            let mut scanner = crate::json::Scanner::new();
            let mut recorded = BodyTape::new();
            let scanned = scanner.scan_recording(line.as_bytes(), &mut recorded);
            let crate::json::Scanned::Object(env) = scanned else {
                // Only what the scanner takes is recorded.
                prop_assert!(serde_json::from_str::<Value>(&body).is_err());
                continue;
            };
            let m = env.model_input.unwrap();
            let text = &line[m.value_start..m.value_end];
            prop_assert_eq!(text, body.trim());
            let got = recorded.with_root(text, |root| root.to_value().into_owned());
            let expected = BodyTape::new().parse(text, |root| root.to_value().into_owned());
            if expected.is_some() {
                prop_assert_eq!(got, expected);
            } else if let Some(got) = got {
                // The scanner compares keys as decoded text, so a recording also takes the
                // escaped keys a parsed tape declines; what it takes reads as serde_json reads
                // it (a repeated key, which serde_json would collapse, declines).
                prop_assert_eq!(Some(got), serde_json::from_str::<Value>(text).ok());
            }
        }
    }

    #[test]
    fn floats_parse_like_serde(text in arb_number_text()) {
        let expected: Result<Value, _> = serde_json::from_str(&text);
        let got = BodyParser::new().parse(text.as_bytes(), |root| root.to_value().into_owned());
        let tape = BodyTape::new().parse(&text, |root| root.to_value().into_owned());
        match expected {
            Ok(expected) => {
                prop_assert_eq!(got.unwrap(), expected.clone());
                prop_assert_eq!(tape, Some(expected));
            }
            Err(_) => {
                prop_assert!(got.is_err());
                prop_assert_eq!(tape, None);
            }
        }
    }
}

/// Spellings of one body that read as the same value: as written, with every non-ASCII
/// character and the first key's first letter escaped (as `json.dumps` with `ensure_ascii`
/// writes, and as the tape must decode), and with a key repeated (which the tape declines).
fn spellings(body: &str) -> Vec<String> {
    let mut escaped = String::with_capacity(body.len() * 2);
    let mut first_key = true;
    let mut chars = body.chars().peekable();
    let mut previous = ' ';
    while let Some(c) = chars.next() {
        if !c.is_ascii() {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                escaped.push_str(&format!("\\u{unit:04x}"));
            }
        } else if first_key && previous == '{' && c == '"' {
            first_key = false;
            escaped.push('"');
            if let Some(&letter) = chars.peek().filter(|l| l.is_ascii_alphabetic()) {
                chars.next();
                escaped.push_str(&format!("\\u{:04x}", letter as u32));
            }
        } else {
            escaped.push(c);
        }
        previous = c;
    }
    let mut spellings = vec![body.to_string(), escaped];
    if let Some(rest) = body.strip_prefix('{') {
        if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(body) {
            if let Some(key) = map.keys().next() {
                let key = serde_json::to_string(key).expect("a string");
                spellings.push(format!("{{{key}: 0, {rest}"));
            }
        }
    }
    spellings
}

/// The real schemas, on their own fixtures: for every embedded family, every body of
/// `fixtures/families/<family>/` (valid and invalid) in several spellings gets the same
/// outcome from the tape the line scanner records, from a parsed tape and from `serde_json`.
#[test]
fn embedded_schemas_give_identical_outcomes_on_the_family_fixtures() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/families");
    let mut parser = BodyParser::new();
    let (mut recorded, mut compared) = (0, 0);
    for family in crate::schema::families() {
        let schema: Value =
            serde_json::from_str(crate::schema::schema_text(family).unwrap()).unwrap();
        let pair = Pair {
            name: family,
            serde: build::<SerdeJson>(&schema),
            simd: build::<SimdJson>(&schema),
            tape: build::<TapeJson>(&schema),
        };
        for file in ["valid.jsonl", "invalid.jsonl"] {
            let path = root.join(family).join(file);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for line in text.lines().filter(|line| !line.trim().is_empty()) {
                let record: Value = serde_json::from_str(line).expect("fixture lines are JSON");
                let body = serde_json::to_string(&record["modelInput"]).unwrap();
                for spelling in spellings(&body) {
                    compare(&pair, &mut parser, &spelling).expect("the spelling is JSON");
                    compared += 1;
                    let line = format!(r#"{{"recordId": "a", "modelInput": {spelling}}}"#);
                    let mut tape = BodyTape::new();
                    let text = crate::schema_tape::record_model_input(&line, &mut tape);
                    let value: Value = serde_json::from_str(text).unwrap();
                    if let Some(got) = tape.with_root(text, |root| outcome(&pair.tape, root)) {
                        recorded += 1;
                        let expected = outcome(&pair.serde, &value);
                        assert_eq!(got, expected, "recorded tape, {family}: {text}");
                    }
                }
            }
        }
    }
    eprintln!("{compared} spellings compared, {recorded} through the recorded tape");
    // Every body in two spellings at least, and the recording takes all but the repeats.
    assert!(compared >= 2 * 200, "only {compared} comparisons");
    assert!(
        recorded * 3 >= compared * 2,
        "{recorded} of {compared} recorded"
    );
}

/// The `allOf` form of a schema's `if`/`then`/`else` chains (`schemas/README.md` writes
/// unions as chains for speed): `{"if": A, "then": X, "else": {"if": B, "then": Y}}` becomes
/// `{"allOf": [{"if": A, "then": X}, {"if": B, "then": Y}]}`.
fn unchain(node: &mut Value) -> usize {
    let mut unchained = 0;
    match node {
        Value::Object(map) => {
            // The head first: its links are taken out whole, so no link is unchained on its own.
            if map.contains_key("if") && map.contains_key("else") && !map.contains_key("allOf") {
                if let Some(members) = chain_links(map) {
                    for key in ["if", "then", "else"] {
                        map.remove(key);
                    }
                    map.insert("allOf".into(), Value::Array(members));
                    unchained += 1;
                }
            }
            for value in map.values_mut() {
                unchained += unchain(value);
            }
        }
        Value::Array(items) => {
            for item in items {
                unchained += unchain(item);
            }
        }
        _ => {}
    }
    unchained
}

/// The `{"if", "then"}` links of the chain that starts at `head`, or `None` if some `else` is
/// not just a link (an `else` that is a schema of its own has no `allOf` form).
fn chain_links(head: &serde_json::Map<String, Value>) -> Option<Vec<Value>> {
    let mut members = Vec::new();
    let mut link = head;
    loop {
        members.push(json!({"if": link.get("if")?, "then": link.get("then")?}));
        match link.get("else") {
            // A later link holding more than its test would lose that in the `allOf` form.
            Some(Value::Object(next))
                if next
                    .keys()
                    .all(|k| ["if", "then", "else"].contains(&k.as_str())) =>
            {
                link = next
            }
            Some(_) => return None,
            None => return Some(members),
        }
    }
}

/// What a schema reports about an instance, whatever its keyword layout: validity and the
/// errors' kinds, places and messages, sorted (the tool sorts findings by place anyway).
fn verdict(
    validator: &Validator<SerdeJson>,
    value: &Value,
) -> (bool, Vec<(String, String, String)>) {
    let mut errors: Vec<_> = validator
        .iter_errors(value)
        .map(|e| {
            (
                format!("{:?}", e.kind()),
                e.instance_path().to_string(),
                e.to_string(),
            )
        })
        .collect();
    errors.sort();
    (validator.is_valid(value), errors)
}

/// The chained unions of the Claude and gpt-oss schemas accept and report exactly what the
/// `allOf` form they replaced did, on every fixture body, and on each body with all its
/// messages, or all its content blocks, swapped for each message or block of the fixtures.
#[test]
fn chained_unions_report_what_the_allof_form_did() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/families");
    let (mut compared, mut invalid) = (0, 0);
    for family in ["anthropic-claude-messages", "openai-chat-completions"] {
        let chained: Value =
            serde_json::from_str(crate::schema::schema_text(family).unwrap()).unwrap();
        let mut flat = chained.clone();
        assert!(
            unchain(&mut flat) >= 2,
            "{family} has no chains left to compare"
        );
        let (chained, flat) = (build::<SerdeJson>(&chained), build::<SerdeJson>(&flat));
        let mut bodies = Vec::new();
        for file in ["valid.jsonl", "invalid.jsonl"] {
            let text = std::fs::read_to_string(root.join(family).join(file)).unwrap();
            for line in text.lines().filter(|line| !line.trim().is_empty()) {
                let record: Value = serde_json::from_str(line).unwrap();
                bodies.push(record["modelInput"].clone());
            }
        }
        // Every array element of every message's content, as a pool of blocks to swap in.
        let blocks: Vec<Value> = bodies
            .iter()
            .filter_map(|body| body["messages"].as_array())
            .flatten()
            .filter_map(|message| message["content"].as_array())
            .flatten()
            .cloned()
            .collect();
        let messages: Vec<Value> = bodies
            .iter()
            .filter_map(|body| body["messages"].as_array())
            .flatten()
            .cloned()
            .collect();
        assert!(blocks.len() >= 3, "{family}: only {} blocks", blocks.len());
        let mut variants = bodies.clone();
        for body in &bodies {
            for message in &messages {
                let mut variant = body.clone();
                if let Some(list) = variant["messages"].as_array_mut() {
                    list.iter_mut().for_each(|m| *m = message.clone());
                }
                variants.push(variant);
            }
            for block in &blocks {
                let mut variant = body.clone();
                if let Some(messages) = variant["messages"].as_array_mut() {
                    for message in messages {
                        if let Some(content) = message["content"].as_array_mut() {
                            content.iter_mut().for_each(|b| *b = block.clone());
                        }
                    }
                }
                variants.push(variant);
            }
        }
        for value in &variants {
            let got = verdict(&chained, value);
            assert_eq!(got, verdict(&flat, value), "{family}: {value}");
            compared += 1;
            invalid += usize::from(!got.0);
        }
    }
    eprintln!("{compared} bodies compared, {invalid} invalid");
    assert!(
        invalid * 10 >= compared,
        "too few invalid bodies: {invalid} of {compared}"
    );
    assert!(
        invalid * 10 <= compared * 9,
        "too few valid bodies: {invalid} of {compared}"
    );
}
