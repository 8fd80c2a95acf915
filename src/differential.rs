//! Differential tests of the body representations the product runs: `Validator<TapeJson>`
//! (the recorded tape, the fast path) against `Validator<SerdeJson>` (the fallback) on the same
//! text; with the `simd-dom` feature, `Validator<SimdJson>` (simd-json's DOM, a library API
//! the commands do not use) too.
//!
//! The tape may decline a text (the caller then takes the `serde_json` path); it must decline
//! every text `serde_json` rejects, and agree on every text it accepts: `is_valid`, the first
//! error, the full error list (kind, instance path, schema path, evaluation path, instance,
//! message, in order) and the `list` evaluation output.

// The tests print how many cases they compared, so a run shows they compared something.
#![allow(clippy::print_stderr)]

use jsonschema::json::{Json, Node, SerdeJson};
use jsonschema::{Draft, ValidationError, Validator};
use serde_json::Value;

#[cfg(feature = "simd-dom")]
use crate::schema_simd::{BodyParser, SimdJson};
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

/// A schema compiled for every representation.
struct Pair {
    name: &'static str,
    serde: Validator<SerdeJson>,
    #[cfg(feature = "simd-dom")]
    simd: Validator<SimdJson>,
    tape: Validator<TapeJson>,
}

/// The simd-json DOM parser, compared too when the `simd-dom` feature is on.
struct Simd {
    #[cfg(feature = "simd-dom")]
    parser: BodyParser,
}

impl Simd {
    fn new() -> Self {
        Simd {
            #[cfg(feature = "simd-dom")]
            parser: BodyParser::new(),
        }
    }
}

/// Compares the validators on `text`; `None` when `serde_json` does not read it as JSON.
fn compare(pair: &Pair, simd: &mut Simd, text: &str) -> Option<Outcome> {
    #[cfg(not(feature = "simd-dom"))]
    let Simd {} = simd;
    let mut tape = BodyTape::new();
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => {
            #[cfg(feature = "simd-dom")]
            assert!(
                simd.parser.parse(text.as_bytes(), |_| ()).is_err(),
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
    #[cfg(feature = "simd-dom")]
    {
        let (got, round_trip) = simd
            .parser
            .parse(text.as_bytes(), |root| {
                (outcome(&pair.simd, root), root.to_value().into_owned())
            })
            .unwrap_or_else(|error| panic!("simd-json rejects {text}: {error}"));
        assert_eq!(round_trip, value, "to_value differs for {text}");
        assert_eq!(got, expected, "schema {}, instance {text}", pair.name);
    }
    if let Some((got, round_trip)) = tape.parse(text, |root| {
        (outcome(&pair.tape, root), root.to_value().into_owned())
    }) {
        assert_eq!(round_trip, value, "tape: to_value differs for {text}");
        assert_eq!(got, expected, "tape: schema {}, instance {text}", pair.name);
    }
    Some(expected)
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
    let mut parser = Simd::new();
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
    let mut parser = Simd::new();
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
