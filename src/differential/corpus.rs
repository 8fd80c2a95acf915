//! The hand-written corpus: schemas that exercise every keyword the body schemas use, and
//! instances around each one's edges.

use super::*;
#[cfg(feature = "simd-dom")]
use crate::schema_simd::SimdJson;
use crate::schema_tape::TapeJson;
use jsonschema::json::SerdeJson;
use serde_json::{json, Value};
use std::sync::LazyLock;

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
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
pub(super) fn claude_schema() -> Value {
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

pub(super) static PAIRS: LazyLock<Vec<Pair>> = LazyLock::new(|| {
    schemas()
        .into_iter()
        .map(|(name, schema)| Pair {
            name,
            serde: build::<SerdeJson>(&schema),
            #[cfg(feature = "simd-dom")]
            simd: build::<SimdJson>(&schema),
            tape: build::<TapeJson>(&schema),
        })
        .collect()
});

/// An object of `count` members `k0`, `k1`, … written in reverse, with `k3` repeated at the end.
pub(super) fn wide_object(count: usize) -> String {
    let mut members: Vec<String> = (0..count)
        .rev()
        .map(|index| format!(r#""k{index}": {index}"#))
        .collect();
    members.push(r#""k3": "again""#.to_string());
    format!("{{{}}}", members.join(", "))
}

pub(super) fn nested_arrays(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

pub(super) fn instances() -> Vec<String> {
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
