//! `bedrock-batch fix`: each repair, byte-exact `modelInput`, the rejected file and the id
//! map, atomic writes and `--in-place`, and a property test (fix, then validate: none of the
//! repaired codes, and the same multiset of `modelInput` bodies). The tests are split by
//! theme into the modules below; the helpers they share are here.

use crate::common;
use crate::common::write;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::common::{run, Run};
use bedrock_batch::commands::fix::{fix, FixOptions, IdFormat, Target};
use bedrock_batch::commands::validate::{validate, ValidateOptions};
use bedrock_batch::internals::{Scanned, Scanner};
use bedrock_batch::NoProgress;
use proptest::prelude::*;
use serde_json::Value;

mod files;
mod ids;
mod property;
mod repairs;
mod text;

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `bedrock-batch fix --format json ARGS INPUT --out DIR/out.jsonl`.
fn fix_to(dir: &Path, input: &Path, args: &[&str]) -> (Run, PathBuf) {
    let out = dir.join("out.jsonl");
    let mut all = vec!["fix", "--format", "json"];
    all.extend_from_slice(args);
    let (i, o) = (s(input), s(&out));
    all.extend([i.as_str(), "--out", o.as_str()]);
    (run(&all, None), out)
}

fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    assert_eq!(v.pop(), Some(&b""[..]), "every line ends in \\n");
    v
}

/// The raw bytes of `recordId` and `modelInput` of a record line.
fn members(line: &[u8]) -> (Option<Vec<u8>>, Vec<u8>) {
    match Scanner::new().scan(line) {
        Scanned::Object(env) => {
            let m = env.model_input.expect("modelInput");
            (
                env.record_id
                    .map(|r| line[r.value_start..r.value_end].to_vec()),
                line[m.value_start..m.value_end].to_vec(),
            )
        }
        other => panic!("not an object: {other:?}"),
    }
}

fn id_of(line: &[u8]) -> String {
    let raw = members(line).0.expect("a recordId");
    serde_json::from_slice::<String>(&raw).unwrap()
}

fn change(report: &Value, code: &str) -> u64 {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .map_or(0, |c| c["count"].as_u64().unwrap())
}

fn remaining(report: &Value, code: &str) -> u64 {
    report["remaining"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .map_or(0, |c| c["count"].as_u64().unwrap())
}

/// `validate` on the output: the findings per code.
fn validate_codes(path: &Path) -> std::collections::BTreeMap<String, u64> {
    let report = validate(&[path.to_path_buf()], &ValidateOptions::default()).unwrap();
    report.summary.by_code
}

const REC: &str = r#"{"recordId":"CALL0000001","modelInput":{"a":1}}"#;
