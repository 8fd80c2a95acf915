//! Body validation throughput: `serde_json::Value` against simd-json's borrowed DOM.
//!
//! 1,000 Claude Messages bodies (about 1.3 KB each: ~1 KB of user text with escapes and
//! non-ASCII, a system prompt, sampling parameters), all valid under a Claude-like schema, go
//! through:
//!
//! - `serde_value_is_valid`: `serde_json::from_slice` → `Value` → `Validator::is_valid`;
//! - `simd_dom_is_valid`: [`BodyParser`] → `Validator<SimdJson>::is_valid`;
//! - `simd_parse_only` and `simd_to_borrowed_value`: the simd-json parse alone, through
//!   [`BodyParser`] (reused buffers, DOM reconciliation) and through the plain
//!   `to_borrowed_value` on a fresh copy, the floor for (b);
//! - `serde_parse_only` and `serde_syntax_only`: `serde_json` into a `Value` and into
//!   `IgnoredAny`, the floors for (a).
//!
//! Schema compile time is measured apart (`schema_compile`), once per representation.
//!
//! Run: `cargo bench --bench schema -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

// The body representations are not API: `internals` (required-features in Cargo.toml).
use bedrock_batch::internals::{BodyParser, BodyTape, SimdJson, TapeJson};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jsonschema::json::SerdeJson;
use jsonschema::{Draft, Validator};
use serde_json::{json, Value};

const BODIES: usize = 1_000;

/// A Claude Messages request schema of the kind the catalog holds.
fn claude_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": false,
        "required": ["anthropic_version", "max_tokens", "messages"],
        "properties": {
            "anthropic_version": {"enum": ["bedrock-2023-05-31"]},
            "max_tokens": {"type": "integer", "minimum": 1, "maximum": 200000},
            "messages": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"$ref": "#/$defs/message"}},
            "system": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/$defs/textBlock"}}]},
            "temperature": {"type": "number", "minimum": 0, "maximum": 1},
            "top_p": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "top_k": {"type": "integer", "minimum": 0, "maximum": 500},
            "stop_sequences": {
                "type": "array", "maxItems": 8191, "uniqueItems": true,
                "items": {"type": "string", "minLength": 1}
            },
            "metadata": {"type": "object", "properties": {"user_id": {"type": "string", "maxLength": 256}}}
        },
        "$defs": {
            "message": {
                "type": "object",
                "additionalProperties": false,
                "required": ["role", "content"],
                "properties": {
                    "role": {"enum": ["user", "assistant"]},
                    "content": {
                        "anyOf": [
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
                "properties": {"type": {"const": "text"}, "text": {"type": "string", "minLength": 1}}
            },
            "block": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": ["text", "image", "document", "tool_use", "tool_result"]}},
                "if": {"properties": {"type": {"const": "text"}}},
                "then": {"$ref": "#/$defs/textBlock"}
            }
        }
    })
}

/// A small deterministic generator, so every run measures the same bodies.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// Words as they appear inside a JSON string literal: some escaped, some non-ASCII.
const WORDS: &[&str] = &[
    "the",
    "model",
    "batch",
    "inference",
    "summarize",
    "following",
    "document",
    "and",
    "list",
    "key",
    "points",
    "in",
    "English",
    "please",
    "café",
    "naïve",
    "résumé",
    "東京",
    "データ",
    "😀",
    "\\\"quoted\\\"",
    "line\\nbreak",
    "tab\\there",
    "caf\\u00e9",
    "back\\\\slash",
    "100%",
    "Q3",
    "revenue",
    "grew",
    "by",
    "12.5",
    "percent",
    "compared",
    "to",
    "last",
    "year",
];

fn text(rng: &mut XorShift, bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + 16);
    while text.len() < bytes {
        if !text.is_empty() {
            // An escaped line break now and then, as prompts have.
            text.push_str(if rng.below(12) == 0 { "\\n" } else { " " });
        }
        text.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    text
}

fn bodies() -> Vec<Vec<u8>> {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    (0..BODIES)
        .map(|index| {
            let user_bytes = 900 + rng.below(250) as usize;
            let user = text(&mut rng, user_bytes);
            let system_bytes = 80 + rng.below(60) as usize;
            let system = text(&mut rng, system_bytes);
            let max_tokens = 1 + rng.below(4096);
            let temperature = [0.0, 0.25, 0.5, 0.7, 1.0][rng.below(5) as usize];
            let messages = if index % 4 == 0 {
                // A short multi-turn exchange in a quarter of the bodies.
                format!(
                    r#"[{{"role":"user","content":"Hello"}},{{"role":"assistant","content":[{{"type":"text","text":"Hi! How can I help?"}}]}},{{"role":"user","content":[{{"type":"text","text":"{user}"}}]}}]"#
                )
            } else {
                format!(r#"[{{"role":"user","content":[{{"type":"text","text":"{user}"}}]}}]"#)
            };
            format!(
                r#"{{"anthropic_version":"bedrock-2023-05-31","max_tokens":{max_tokens},"messages":{messages},"system":"{system}","temperature":{temperature}}}"#
            )
            .into_bytes()
        })
        .collect()
}

fn build<F: jsonschema::json::Json>(schema: &Value) -> Validator<F> {
    jsonschema::options_for::<F>()
        .with_draft(Draft::Draft202012)
        .build(schema)
        .expect("schema compiles")
}

fn validation(c: &mut Criterion) {
    let schema = claude_schema();
    let serde_validator = build::<SerdeJson>(&schema);
    let simd_validator = build::<SimdJson>(&schema);
    let tape_validator = build::<TapeJson>(&schema);
    let bodies = bodies();
    let texts: Vec<&str> = bodies
        .iter()
        .map(|b| std::str::from_utf8(b).expect("bodies are UTF-8"))
        .collect();
    let total: usize = bodies.iter().map(Vec::len).sum();

    // Both paths must do the same work: every body parsed and found valid.
    let mut parser = BodyParser::new();
    for body in &bodies {
        let value: Value = serde_json::from_slice(body).expect("body parses");
        assert!(
            serde_validator.is_valid(&value),
            "{}",
            String::from_utf8_lossy(body)
        );
        assert!(parser
            .parse(body, |root| simd_validator.is_valid(root))
            .unwrap());
    }
    let mut tape = BodyTape::new();
    for text in &texts {
        assert_eq!(
            tape.parse(text, |root| tape_validator.is_valid(root)),
            Some(true)
        );
    }
    eprintln!(
        "{} bodies, {} bytes, {:.0} bytes on average",
        bodies.len(),
        total,
        total as f64 / bodies.len() as f64
    );

    let mut group = c.benchmark_group("schema_validate");
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("serde_value_is_valid", |b| {
        b.iter(|| {
            let mut valid = 0_usize;
            for body in &bodies {
                let value: Value = serde_json::from_slice(body).unwrap();
                valid += usize::from(serde_validator.is_valid(&value));
            }
            assert_eq!(valid, BODIES);
        });
    });
    group.bench_function("simd_dom_is_valid", |b| {
        let mut parser = BodyParser::new();
        b.iter(|| {
            let mut valid = 0_usize;
            for body in &bodies {
                valid += usize::from(
                    parser
                        .parse(body, |root| simd_validator.is_valid(root))
                        .unwrap(),
                );
            }
            assert_eq!(valid, BODIES);
        });
    });
    // The tape read on its own; `validate` records it during the line scan instead, which
    // saves this read of the body.
    group.bench_function("tape_is_valid", |b| {
        let mut tape = BodyTape::new();
        b.iter(|| {
            let mut valid = 0_usize;
            for text in &texts {
                valid += usize::from(
                    tape.parse(text, |root| tape_validator.is_valid(root))
                        .unwrap(),
                );
            }
            assert_eq!(valid, BODIES);
        });
    });
    group.bench_function("simd_parse_only", |b| {
        let mut parser = BodyParser::new();
        b.iter(|| {
            for body in &bodies {
                parser
                    .parse(body, |root| {
                        black_box(root);
                    })
                    .unwrap();
            }
        });
    });
    group.bench_function("simd_to_borrowed_value", |b| {
        b.iter(|| {
            for body in &bodies {
                let mut copy = body.clone();
                black_box(simd_json::to_borrowed_value(&mut copy).unwrap());
            }
        });
    });
    group.bench_function("serde_parse_only", |b| {
        b.iter(|| {
            for body in &bodies {
                black_box(serde_json::from_slice::<Value>(body).unwrap());
            }
        });
    });
    group.bench_function("serde_syntax_only", |b| {
        b.iter(|| {
            for body in &bodies {
                black_box(serde_json::from_slice::<serde::de::IgnoredAny>(body).unwrap());
            }
        });
    });
    group.finish();
}

fn compile(c: &mut Criterion) {
    let schema = claude_schema();
    let mut group = c.benchmark_group("schema_compile");
    group.bench_function("serde", |b| {
        b.iter(|| black_box(build::<SerdeJson>(black_box(&schema))));
    });
    group.bench_function("simd", |b| {
        b.iter(|| black_box(build::<SimdJson>(black_box(&schema))));
    });
    group.finish();
}

criterion_group!(benches, validation, compile);
criterion_main!(benches);
