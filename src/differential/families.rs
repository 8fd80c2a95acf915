//! The real embedded schemas on their own fixtures, and the chained-union form of the
//! schemas against the `allOf` form they replaced.

use super::generated::spellings;
use super::*;
#[cfg(feature = "simd-dom")]
use crate::schema_simd::SimdJson;
use crate::schema_tape::{BodyTape, TapeJson};
use jsonschema::json::SerdeJson;
use jsonschema::Validator;
use serde_json::{json, Value};

/// The real schemas, on their own fixtures: for every embedded family, every body of
/// `fixtures/families/<family>/` (valid and invalid) in several spellings gets the same
/// outcome from the tape the line scanner records, from a parsed tape and from `serde_json`.
#[test]
fn embedded_schemas_give_identical_outcomes_on_the_family_fixtures() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/families");
    let mut parser = Simd::new();
    let (mut recorded, mut compared) = (0, 0);
    for family in crate::schema::families() {
        let schema: Value =
            serde_json::from_str(crate::schema::schema_text(family).unwrap()).unwrap();
        let pair = Pair {
            name: family,
            serde: build::<SerdeJson>(&schema),
            #[cfg(feature = "simd-dom")]
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
pub(super) fn unchain(node: &mut Value) -> usize {
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
pub(super) fn chain_links(head: &serde_json::Map<String, Value>) -> Option<Vec<Value>> {
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
pub(super) fn verdict(
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
