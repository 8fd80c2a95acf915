//! `bedrock-batch shard` through the real binary: the output layout and manifest, byte-exact
//! round trips, `--on-invalid`, refusals that write nothing, the output folder's safety
//! (`--force`, a full disk, an interrupt), `--emit-requests`, and the same output whatever
//! path the input takes. A property test drives the library with random records and quotas.
//! The tests are split by theme into the modules below; the helpers they share are here.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::*;

mod invalid;
mod layout;
mod property;
mod refusals;
mod requests;
mod safety;
mod text;

/// A valid record whose line is about `pad` bytes longer than the smallest.
fn padded(i: usize, pad: usize) -> String {
    format!(
        r#"{{"recordId":"R{i:010}","modelInput":{{"text":"{}"}}}}"#,
        "x".repeat(pad)
    )
}

/// `n` valid records numbered from `first`, each ending in `\n` (unique ids across calls with
/// disjoint ranges).
fn records_from(first: usize, n: usize) -> String {
    (first..first + n).map(|i| record(i) + "\n").collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// CRC64NVME as S3 prints it: base64 of the big-endian bytes.
fn crc64nvme(bytes: &[u8]) -> String {
    use base64::Engine as _;
    let crc = crc_fast::checksum(crc_fast::CrcAlgorithm::Crc64Nvme, bytes);
    base64::engine::general_purpose::STANDARD.encode(crc.to_be_bytes())
}

/// Runs `shard` with `args` (strings) and optional stdin.
fn shard_run(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut all = vec!["shard"];
    all.extend_from_slice(args);
    run(&all, stdin)
}

/// Checks the output folder against its manifest: exactly the listed files (plus the
/// manifest, rejected.jsonl and requests/), each with the listed records, bytes and sha256,
/// within the quotas; returns the concatenation of the parts in manifest order.
fn check_out(out: &Path, quotas: &Value) -> (Value, Vec<u8>) {
    let manifest: Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["version"], 1);
    let mut listed = vec!["manifest.json".to_string()];
    let mut all = Vec::new();
    let q = |k: &str| quotas[k].as_u64().unwrap();
    for job in manifest["jobs"].as_array().unwrap() {
        let (mut records, mut bytes) = (0, 0);
        for f in job["files"].as_array().unwrap() {
            let rel = f["path"].as_str().unwrap();
            assert!(rel.starts_with(&format!("{}/part-", job["name"].as_str().unwrap())));
            assert!(rel.ends_with(".jsonl"));
            let data = fs::read(out.join(rel)).unwrap();
            assert_eq!(f["bytes"].as_u64().unwrap(), data.len() as u64, "{rel}");
            let lines = data.iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(f["records"].as_u64().unwrap(), lines, "{rel}");
            assert!(data.ends_with(b"\n") && !data.windows(2).any(|w| w == b"\r\n"));
            assert_eq!(f["sha256"].as_str().unwrap(), sha256_hex(&data), "{rel}");
            assert_eq!(f["crc64nvme"].as_str().unwrap(), crc64nvme(&data), "{rel}");
            assert!(lines >= 1 && lines <= q("max_records_per_file"), "{rel}");
            assert!(data.len() as u64 <= q("max_file_bytes"), "{rel}");
            records += lines;
            bytes += data.len() as u64;
            all.extend_from_slice(&data);
            listed.push(rel.to_string());
        }
        assert_eq!(job["records"].as_u64().unwrap(), records);
        assert_eq!(job["bytes"].as_u64().unwrap(), bytes);
        assert!(records >= q("min_records_per_job") && records <= q("max_records_per_job"));
        assert!(bytes <= q("max_job_bytes"));
    }
    if let Some(r) = manifest["rejected"].as_object() {
        assert_eq!(r["path"], "rejected.jsonl");
        listed.push("rejected.jsonl".into());
    }
    let mut found: Vec<String> = walkdir(out)
        .into_iter()
        .filter(|p| !p.starts_with("requests/"))
        .collect();
    found.sort();
    listed.sort();
    assert_eq!(
        found, listed,
        "the folder holds exactly what the manifest lists"
    );
    (manifest, all)
}

/// Files below `root`, relative, with `/`.
fn walkdir(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(rel);
            }
        }
    }
    out
}

/// Names in `dir` (to see that no staging folder is left).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

const Q_SMALL: &[&str] = &[
    "--min-records-per-job",
    "50",
    "--max-records-per-job",
    "120",
    "--max-file-bytes",
    "5000",
];
