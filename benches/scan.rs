//! Throughput of the scan stages, in bytes/s, beside a "count lines" baseline (what `wc -l`
//! does): UTF-8 check, the line scanner alone, and the whole `validate` (envelope and quota
//! checks, no model id) on the same generated Claude records.

use std::hint::black_box;
use std::io::Write;

// The scanner alone is timed through `internals` (required-features in Cargo.toml).
use bedrock_batch::commands::validate::{validate, ValidateOptions};
use bedrock_batch::internals::Scanner;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// About 8 MB of realistic records: varied lengths, unicode and escapes.
fn records() -> Vec<u8> {
    let words = [
        "the",
        "quarterly",
        "report",
        "shows",
        "café",
        "東京",
        "growth",
        "😀",
        "\\\"quoted\\\"",
        "line\\nbreak",
        "revenue",
        "customer",
        "call",
        "transcript",
        "summary",
        "über",
        "data",
    ];
    let mut out = Vec::new();
    let mut seed = 0x2545F4914F6CDD1Du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut i = 0;
    while out.len() < 8_000_000 {
        let n = 20 + (next() % 300) as usize;
        let text: Vec<&str> = (0..n)
            .map(|_| words[(next() % words.len() as u64) as usize])
            .collect();
        writeln!(
            out,
            r#"{{"recordId":"REC{i:08}","modelInput":{{"anthropic_version":"bedrock-2023-05-31","max_tokens":512,"messages":[{{"role":"user","content":[{{"type":"text","text":"{}"}}]}}]}}}}"#,
            text.join(" ")
        )
        .unwrap();
        i += 1;
    }
    out
}

fn bench(c: &mut Criterion) {
    let data = records();
    let mut g = c.benchmark_group("scan");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("count lines (baseline)", |b| {
        b.iter(|| memchr::memchr_iter(b'\n', black_box(&data)).count())
    });
    g.bench_function("utf-8 check", |b| {
        b.iter(|| simdutf8::basic::from_utf8(black_box(&data)).is_ok())
    });
    g.bench_function("line scanner, 1 thread", |b| {
        let mut scanner = Scanner::new();
        b.iter(|| {
            let mut objects = 0;
            for line in data.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
                if matches!(
                    scanner.scan(line),
                    bedrock_batch::internals::Scanned::Object(_)
                ) {
                    objects += 1;
                }
            }
            objects
        })
    });
    g.bench_function("serde_json IgnoredAny, 1 thread (reference)", |b| {
        b.iter(|| {
            data.split(|&c| c == b'\n')
                .filter(|l| !l.is_empty())
                .filter(|l| serde_json::from_slice::<serde::de::IgnoredAny>(l).is_ok())
                .count()
        })
    });
    let mut file = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    file.write_all(&data).unwrap();
    let path = file.path().to_path_buf();
    for threads in [1, 2] {
        let opts = ValidateOptions {
            threads,
            quota_overrides: bedrock_batch::QuotaOverrides {
                max_records_per_file: Some(u64::MAX),
                max_records_per_job: Some(u64::MAX),
                ..Default::default()
            },
            ..ValidateOptions::default()
        };
        g.bench_with_input(
            BenchmarkId::new("validate", format!("{threads} threads")),
            &opts,
            |b, o| {
                b.iter(|| {
                    validate(std::slice::from_ref(&path), o)
                        .unwrap()
                        .summary
                        .records
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
