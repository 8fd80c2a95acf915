//! simd-json's DOM read as `serde_json` reads the same text: nesting limit, number kinds,
//! escapes, repeated keys, member order of wide objects, node identity, parse errors. (The
//! differential tests against the other representations are in `crate::differential`.)

use jsonschema::json::{Array, Json, JsonNumber, Node, Object};
use serde_json::{json, Number, Value};

use super::{BodyParseError, BodyParser, SimdJson, SimdNode};

// The two shapes below are also in the differential corpus; they are repeated here so that
// this module (behind the `simd-dom` feature) does not import the differential tests.

/// `depth` arrays nested in one another around `1`.
fn nested_arrays(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

/// An object of `count` members `k0`, `k1`, … written in reverse, with `k3` repeated at the end.
fn wide_object(count: usize) -> String {
    let mut members: Vec<String> = (0..count)
        .rev()
        .map(|index| format!(r#""k{index}": {index}"#))
        .collect();
    members.push(r#""k3": "again""#.to_string());
    format!("{{{}}}", members.join(", "))
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
