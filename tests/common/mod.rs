//! Helpers shared by the integration tests (`tests/it/`, `tests/precommit.rs`): run the real
//! binary, parse its JSON report.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The repository root (fixtures are relative to it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture path.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// `bedrock-batch` with the repository root as working directory and no CI noise.
pub fn bb() -> Command {
    let mut cmd = Command::cargo_bin("bedrock-batch").expect("binary built");
    cmd.current_dir(root());
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

/// The outcome of a run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs a prepared command and captures everything (the binary writes UTF-8).
pub fn run_cmd(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

/// Writes `bytes` to `dir/name`, creating the folders `name` names, and returns the path.
pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// Runs `bedrock-batch ARGS` (optionally with stdin) and captures everything.
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = bb();
    cmd.args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_vec());
    }
    let out = cmd.output().expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `validate --format json ARGS` on paths, returning the parsed report and exit code.
pub fn validate_json(args: &[&str], paths: &[&Path]) -> (Value, i32) {
    let mut all: Vec<String> = vec!["validate".into(), "--format".into(), "json".into()];
    all.extend(args.iter().map(|s| s.to_string()));
    all.extend(paths.iter().map(|p| p.to_string_lossy().into_owned()));
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let r = run(&refs, None);
    (r.json(), r.code)
}

/// The codes of a report's diagnostics, in order.
pub fn codes(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// The first diagnostic with `code`.
pub fn find<'a>(report: &'a Value, code: &str) -> Option<&'a Value> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == code)
}

/// Three valid Claude records with 11-character ids, one per line.
pub fn record(i: usize) -> String {
    format!(
        r#"{{"recordId":"REC{i:08}","modelInput":{{"anthropic_version":"bedrock-2023-05-31","max_tokens":256,"messages":[{{"role":"user","content":"Summarize record {i}."}}]}}}}"#
    )
}

/// `n` valid records, each ending in `\n`.
pub fn records(n: usize) -> String {
    (1..=n).map(|i| record(i) + "\n").collect()
}

/// A UUID-shaped id (version 4 layout), different for every `i`, as `uuid.uuid4()` or
/// `crypto.randomUUID()` would give (and as AWS's own batch samples use).
pub fn uuid_like(i: u64) -> String {
    let h = |salt: u64| {
        let mut x = i
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(salt.wrapping_mul(0xD1B5_4A32_D192_ED03));
        x ^= x >> 31;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^ (x >> 29)
    };
    let (a, b) = (h(1), h(2));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        8 + (b >> 62),
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

/// One Claude record as pandas writes it with `df.to_json(orient="records", lines=True)`:
/// compact, `/` escaped as `\/`, non-ASCII as `\uXXXX`, columns in frame order, a UUID id.
pub fn pandas_record(i: u64) -> String {
    format!(
        r#"{{"recordId":"{}","modelInput":{{"anthropic_version":"bedrock-2023-05-31","max_tokens":512,"messages":[{{"role":"user","content":"Summarise ticket {i} from https:\/\/support.example.com\/t\/{i} (caf\u00e9 order)"}}]}}}}"#,
        uuid_like(i)
    )
}

/// `n` pandas-shaped records with UUID ids, each line ending in `\n` (pandas ≥ 1.5).
pub fn pandas_records(n: u64) -> String {
    (0..n).map(|i| pandas_record(i) + "\n").collect()
}

/// `bedrock-batch ARGS` run in a fresh temporary folder holding `files` (relative names), with
/// no config file found by chance and no AWS region or job state from the environment. Every
/// path the command prints is then relative, so its output holds nothing volatile.
pub fn run_in_fresh_dir(files: &[(&str, &[u8])], args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (name, bytes) in files {
        write(dir.path(), name, bytes);
    }
    let run = run_cmd(
        bb().current_dir(dir.path())
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env_remove("BEDROCK_BATCH_STATE_DIR")
            .env_remove("GITHUB_STEP_SUMMARY")
            .args(args),
    );
    let tmp = dir.path().to_string_lossy();
    assert!(
        !run.stdout.contains(&*tmp) && !run.stderr.contains(&*tmp),
        "the output names the temporary folder, so a snapshot of it would not be stable:\n{}",
        run.transcript()
    );
    run
}

/// `run_in_fresh_dir` twice: with `--threads 1`, and with the default thread count and 4 KiB
/// chunks (the hidden `--chunk-size`), so that on a small input the workers really share the
/// work. The two transcripts must be byte-identical (output never depends on the thread count
/// or the chunk size). Returns it.
pub fn transcript_any_threads(files: &[(&str, &[u8])], args: &[&str]) -> String {
    let one = run_in_fresh_dir(files, &[args, &["--threads", "1"]].concat()).transcript();
    let default = run_in_fresh_dir(files, &[args, &["--chunk-size", "4096"]].concat()).transcript();
    assert_eq!(
        one, default,
        "--threads 1 and the default thread count with small chunks differ"
    );
    default
}

impl Run {
    /// The exit code, stdout and stderr as one text, for a snapshot.
    pub fn transcript(&self) -> String {
        format!(
            "exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}
