//! `s3://` inputs and outputs against a real S3-compatible server (`moto_server`, started by
//! the harness on 127.0.0.1), with the user's setup a user would have: a profile in a shared
//! credentials file and `AWS_ENDPOINT_URL`. Faults come from a proxy in front of the server.
//!
//! Opt-in (`#[ignore]`), since they need `moto_server`. CI runs them with a pinned moto:
//!
//! ```sh
//! python3 -m venv .venv-moto && .venv-moto/bin/pip install 'moto[server]==5.2.5'
//! BEDROCK_BATCH_MOTO_SERVER=.venv-moto/bin/moto_server cargo test --test s3 -- --ignored
//! ```
//!
//! The tests are split by theme into the modules below; the helpers they share are here and
//! in `harness.rs` (the server, the proxy, the client that arranges and inspects buckets).

#![cfg(feature = "s3")]

mod harness;

use std::io::Write;
use std::path::Path;

use base64::Engine;
use harness::*;
use sha2::{Digest, Sha256};

mod credentials;
mod faults;
mod fix;
mod prefixes;
mod progress;
mod results;
mod shard;

const BODY: &str = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":256,"messages":[{"role":"user","content":"Classify the sentiment of this review: \"arrived late, works fine\""}]}"#;

/// A record with a UUID-like recordId, as pipelines write them.
fn record(i: usize) -> String {
    format!(
        "{{\"recordId\":\"{:08x}-4f1c-4a2b-9c3d-{:012x}\",\"modelInput\":{BODY}}}\n",
        i,
        i * 7919
    )
}

/// A record with an 11-character recordId (the documented format).
fn short_record(i: usize) -> String {
    format!("{{\"recordId\":\"{i:011}\",\"modelInput\":{BODY}}}\n")
}

/// What pandas `to_json(orient="records", lines=True)` writes: no spaces, `\/` escapes, and
/// no final newline.
fn pandas_lines(from: usize, n: usize) -> String {
    let mut s = String::new();
    for i in from..from + n {
        s.push_str(&format!(
            "{{\"recordId\":\"P{i:010}\",\"modelInput\":{{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":64,\"messages\":[{{\"role\":\"user\",\"content\":\"See https:\\/\\/example.com\\/item\\/{i}\"}}]}}}}"
        ));
        if i + 1 < from + n {
            s.push('\n');
        }
    }
    s
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(rel),
    )
    .unwrap()
}

/// A folder as a data pipeline leaves it: record files at several depths, a file name that
/// sorts between a folder and its contents (`a-b.jsonl` vs `a/`), a compressed file, a stray
/// file, a broken file, a pandas export, and recordIds repeated across files.
fn messy_folder(root: &Path) {
    let w = |rel: &str, bytes: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    };
    w("a-b.jsonl", &fixture("sample/claude-batch.jsonl"));
    w("a/x.jsonl", &fixture("sample/broken-batch.jsonl"));
    w(
        "a/deeper/y.jsonl",
        &fixture("sample/claude-batch.jsonl")[..2000],
    );
    w("a/deeper/pandas.jsonl", pandas_lines(0, 40).as_bytes());
    let many: String = (0..300).map(record).collect();
    w("b/many.jsonl", many.as_bytes());
    w("notes.txt", b"exported 2026-11-29\n");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(record(9).as_bytes()).unwrap();
    w("c/old.jsonl.gz", &gz.finish().unwrap());
}

/// Runs `bedrock-batch` on local files (no AWS settings needed).
fn local(args: &[&str], cwd: &Path) -> Run {
    let out = assert_cmd::Command::cargo_bin("bedrock-batch")
        .unwrap()
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// An input of `records` records of about 700 bytes.
fn big_input(path: &Path, records: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..records {
        let pad = "x".repeat(480 + i % 97);
        writeln!(
            f,
            "{{\"recordId\":\"{i:011}\",\"modelInput\":{{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":100,\"messages\":[{{\"role\":\"user\",\"content\":\"{pad}\"}}]}}}}"
        )
        .unwrap();
    }
}
