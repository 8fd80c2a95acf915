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

use jsonschema::json::{Array, Json, JsonNumber, Node, Object, SerdeJson};
use jsonschema::{Draft, ValidationError, Validator};
use serde_json::{json, Number, Value};

use super::{BodyParseError, BodyParser, SimdJson, SimdNode};
use crate::schema_tape::{BodyTape, TapeJson};

mod corpus;
mod families;
mod generated;

use corpus::*;

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
