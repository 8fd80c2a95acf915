//! Property tests: the line scanner agrees with `serde_json` on what is JSON, and a report
//! never depends on the chunk size, the thread count or the input source.

use std::io::Write;

use bedrock_batch::commands::validate::{validate, ValidateOptions};
use bedrock_batch::internals::{Scanned, Scanner};
use bedrock_batch::RuleSelection;
use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        "[\"\\\\\\n\\t\\u{1}é😀a-z]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-z\"\\\\é]{0,6}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// What serde_json says: valid JSON or not (it checks syntax fully even when ignoring values).
fn serde_accepts(line: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok()
}

fn scanner_accepts(line: &[u8]) -> bool {
    !matches!(Scanner::new().scan(line), Scanned::Invalid(_))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn serialized_values_are_accepted_with_the_right_kind(v in json_value(), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&v).unwrap().replace('\n', " ") } else { v.to_string() };
        let scanned = Scanner::new().scan(text.as_bytes());
        match (&v, scanned) {
            (Value::Object(_), Scanned::Object(_)) => {}
            (Value::Object(_), other) => prop_assert!(false, "{text}: {other:?}"),
            (_, Scanned::NotObject(_)) => {}
            (_, other) => prop_assert!(false, "{text}: {other:?}"),
        }
    }

    #[test]
    fn mutated_lines_are_judged_like_serde_json(
        v in json_value(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(
            b"{}[]:,\"\\ \t0-1.eE+tfnul\x01\x7f".to_vec())), 1..4),
    ) {
        let mut bytes = v.to_string().into_bytes();
        for (at, op, b) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 => bytes.insert(i, b),
                1 if i < bytes.len() => { bytes.remove(i); }
                _ if i < bytes.len() => bytes[i] = b,
                _ => bytes.push(b),
            }
        }
        // The scanner's contract: valid UTF-8 (checked per chunk before) and not blank.
        prop_assume!(std::str::from_utf8(&bytes).is_ok());
        prop_assume!(bytes.iter().any(|b| !b" \t\r\n".contains(b)));
        prop_assert_eq!(scanner_accepts(&bytes), serde_accepts(&bytes), "{}", String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn envelope_members_match_serde_json(v in json_value(), rid in prop::option::of(json_value()), mi in prop::option::of(json_value())) {
        let mut obj = serde_json::Map::new();
        if let Some(r) = &rid { obj.insert("recordId".into(), r.clone()); }
        obj.insert("other".into(), v);
        if let Some(m) = &mi { obj.insert("modelInput".into(), m.clone()); }
        let text = Value::Object(obj).to_string();
        let Scanned::Object(env) = Scanner::new().scan(text.as_bytes()) else { panic!("{text}") };
        let slice = |m: Option<bedrock_batch::internals::Member>| m.map(|m| serde_json::from_str::<Value>(&text[m.value_start..m.value_end]).unwrap());
        prop_assert_eq!(slice(env.record_id), rid);
        prop_assert_eq!(slice(env.model_input), mi);
        prop_assert_eq!(env.unknown_keys.len(), 1);
    }
}

fn line_pool() -> Vec<&'static str> {
    vec![
        r#"{"recordId":"REC00000001","modelInput":{"a":1}}"#,
        r#"{"recordId":"REC00000002","modelInput":{"t":"日本語 😀 \" \\n"}}"#,
        r#"{"recordId":"REC00000001","modelInput":{}}"#,
        r#"{"recordId":"x","modelInput":{"k":1,"k":2},"z":0}"#,
        r#"{"modelInput":"nope"}"#,
        r#"{"recordId":7,"modelInput":[]}"#,
        r#"[1,2,3]"#,
        r#"{"recordId":"REC0000000"#,
        "",
        "   ",
        "\u{FEFF}{}",
        "{\"modelInput\":{\"a\":\"\u{1}\"}}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// For any file, any chunk size, any thread count and both sources: the same report.
    #[test]
    fn reports_never_depend_on_chunking_threads_or_source(
        picks in prop::collection::vec((0usize..12, any::<bool>()), 0..60),
        chunk in 1usize..300,
        threads in 1usize..4,
        final_newline in any::<bool>(),
        max_diag in 1usize..20,
    ) {
        let pool = line_pool();
        let mut text = String::new();
        for (i, (pick, crlf)) in picks.iter().enumerate() {
            text.push_str(pool[*pick]);
            if i + 1 < picks.len() || final_newline {
                text.push_str(if *crlf { "\r\n" } else { "\n" });
            }
        }
        let mut file = tempfile::Builder::new().suffix(".jsonl").tempfile().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        let path = file.path().to_path_buf();
        let base = ValidateOptions { max_diagnostics: max_diag, rules: RuleSelection::default(), threads: 1, ..ValidateOptions::default() };
        let reference = serde_json::to_string(&validate(std::slice::from_ref(&path), &base).unwrap()).unwrap();
        for mmap in [true, false] {
            let opts = ValidateOptions { chunk_size: chunk, threads, mmap, ..base.clone() };
            let got = serde_json::to_string(&validate(std::slice::from_ref(&path), &opts).unwrap()).unwrap();
            prop_assert_eq!(&got, &reference, "chunk={} threads={} mmap={}", chunk, threads, mmap);
        }
    }
}

/// Pieces of hostile files: records, invalid UTF-8 (lone continuation bytes, truncated
/// sequences), NUL, CR in every place, BOMs mid-file, long lines, deep nesting, repeated
/// keys; joined in any order, so line ends fall anywhere.
fn byte_pieces() -> Vec<Vec<u8>> {
    let mut pieces: Vec<Vec<u8>> = [
        &br#"{"recordId":"REC00000001","modelInput":{"anthropic_version":"bedrock-2023-05-31","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}}"#[..],
        br#"{"recordId":"x","modelInput":{"k":1,"k":2,"messages":[{"role":"assistant"}]},"z":0}"#,
        br#"{"recordId":"A\u0041","modelInput":{"temperature":"hot"},"recordId":"AA"}"#,
        br#"{"recordId":7,"modelInput":"{}"}"#,
        b"\n",
        b"\r\n",
        b"\r",
        b"\0",
        b"\xEF\xBB\xBF",
        b"\xFF",
        b"\x80",
        b"\xC3",
        b"\xE2\x82",
        b"{",
        b"}",
        b"\"",
        b"\\",
        b" \t",
        "é😀".as_bytes(),
    ]
    .iter()
    .map(|p| p.to_vec())
    .collect();
    pieces.push(vec![b'a'; 3000]);
    pieces.push([b"[".repeat(300), b"]".repeat(300)].concat());
    pieces.push(format!("{{\"modelInput\":{{{}}}}}", vec!["\"d\":0"; 40].join(",")).into_bytes());
    pieces
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Any bytes, any chunk size, any thread count, both sources, with or without the body
    /// schema, and a listing limit small enough to cut inside a line: the same report.
    #[test]
    fn byte_soup_reports_never_depend_on_chunking_threads_or_source(
        picks in prop::collection::vec(0usize..22, 0..80),
        chunk in 1usize..400,
        threads in 1usize..4,
        max_diag in 1usize..6,
        with_model in any::<bool>(),
    ) {
        let pieces = byte_pieces();
        let bytes: Vec<u8> = picks.iter().flat_map(|&i| pieces[i].iter().copied()).collect();
        let mut file = tempfile::Builder::new().suffix(".jsonl").tempfile().unwrap();
        file.write_all(&bytes).unwrap();
        let path = file.path().to_path_buf();
        let base = ValidateOptions {
            max_diagnostics: max_diag,
            threads: 1,
            model_id: with_model.then(|| "anthropic.claude-3-5-haiku-20241022-v1:0".to_string()),
            ..ValidateOptions::default()
        };
        let reference = serde_json::to_string(&validate(std::slice::from_ref(&path), &base).unwrap()).unwrap();
        for mmap in [true, false] {
            let opts = ValidateOptions { chunk_size: chunk, threads, mmap, ..base.clone() };
            let got = serde_json::to_string(&validate(std::slice::from_ref(&path), &opts).unwrap()).unwrap();
            prop_assert_eq!(&got, &reference, "chunk={} threads={} mmap={}", chunk, threads, mmap);
        }
    }
}
