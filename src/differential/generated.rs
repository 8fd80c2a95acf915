//! Generated documents (proptest): random JSON in many spellings (escapes, number forms,
//! whitespace, repeated keys), compared across the representations.

use super::*;
#[cfg(feature = "simd-dom")]
use crate::schema_simd::BodyParser;
use crate::schema_tape::BodyTape;
use jsonschema::json::Node;
use proptest::prelude::*;
use serde_json::{json, Number, Value};

pub(super) fn arb_number() -> impl Strategy<Value = Value> {
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

pub(super) fn arb_name() -> impl Strategy<Value = String> {
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
pub(super) fn arb_json() -> impl Strategy<Value = Value> {
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
pub(super) enum Doc {
    Null,
    Bool(bool),
    Number(String),
    String(String, u64),
    Array(Vec<Doc>),
    Object(Vec<(String, u64, Doc)>),
}

pub(super) fn render_string(text: &str, mut style: u64, out: &mut String) {
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

pub(super) fn render(doc: &Doc, out: &mut String) {
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

pub(super) fn arb_number_text() -> impl Strategy<Value = String> {
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

pub(super) fn arb_doc() -> impl Strategy<Value = Doc> {
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
        let mut parser = Simd::new();
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
        let mut parser = Simd::new();
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
        #[cfg(feature = "simd-dom")]
        let got = BodyParser::new().parse(text.as_bytes(), |root| root.to_value().into_owned());
        let tape = BodyTape::new().parse(&text, |root| root.to_value().into_owned());
        match expected {
            Ok(expected) => {
                #[cfg(feature = "simd-dom")]
                prop_assert_eq!(got.unwrap(), expected.clone());
                prop_assert_eq!(tape, Some(expected));
            }
            Err(_) => {
                #[cfg(feature = "simd-dom")]
                prop_assert!(got.is_err());
                prop_assert_eq!(tape, None);
            }
        }
    }
}

/// Spellings of one body that read as the same value: as written, with every non-ASCII
/// character and the first key's first letter escaped (as `json.dumps` with `ensure_ascii`
/// writes, and as the tape must decode), and with a key repeated (which the tape declines).
pub(super) fn spellings(body: &str) -> Vec<String> {
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
