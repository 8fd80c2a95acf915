//! `bedrock-batch job`: the real binary, temporary state folders and inputs. The tests are
//! split by theme into the modules below; the helpers they share are here.

use std::fs;
use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::common::{run_cmd as run, Run};

mod constraints;
mod create;
mod output;
mod state;

const ROLE: &str = "arn:aws:iam::123456789012:role/BatchRole";
const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const INPUT_SHORTHAND: &str = "s3InputDataConfig={s3Uri=s3://my-bucket/in/,s3InputFormat=JSONL}";
const OUTPUT_SHORTHAND: &str = "s3OutputDataConfig={s3Uri=s3://my-bucket/out/}";
const NOW: &str = "2024-05-01T12:00:00Z";

struct Env {
    dir: TempDir,
}

impl Env {
    fn new() -> Self {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn state(&self) -> PathBuf {
        self.path("state")
    }

    /// A JSONL file of `n` valid Claude records.
    fn input(&self, name: &str, n: usize) -> PathBuf {
        let mut text = String::new();
        for i in 0..n {
            text.push_str(
                &json!({
                    "recordId": format!("REC{i:08}"),
                    "modelInput": {
                        "anthropic_version": "bedrock-2023-05-31",
                        "max_tokens": 16,
                        "messages": [{"role": "user", "content": "hi"}]
                    }
                })
                .to_string(),
            );
            text.push('\n');
        }
        let path = self.path(name);
        fs::write(&path, text).unwrap();
        path
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, text).unwrap();
        path
    }

    /// `bedrock-batch job SUB` with this state folder and a clean environment.
    fn job(&self, sub: &str) -> Command {
        let mut cmd = Command::cargo_bin("bedrock-batch").unwrap();
        cmd.current_dir(self.dir.path())
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env_remove("BEDROCK_BATCH_STATE_DIR")
            .args(["job", sub, "--state-dir"])
            .arg(self.state());
        cmd
    }

    /// `job create` with a good request in shorthand syntax.
    fn create(&self) -> Command {
        let mut cmd = self.job("create");
        cmd.args(["--job-name", "my-batch-job", "--role-arn", ROLE])
            .args(["--model-id", MODEL])
            .args(["--input-data-config", INPUT_SHORTHAND])
            .args(["--output-data-config", OUTPUT_SHORTHAND])
            .args(["--now", NOW]);
        cmd
    }
}

/// Runs a request that must be refused; returns its stderr lines.
fn refused(cmd: &mut Command) -> Vec<String> {
    let r = run(cmd);
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    assert_eq!(r.stdout, "", "nothing on stdout when refused");
    r.stderr.lines().map(str::to_owned).collect()
}

/// Runs a command that must fail as a tool error; returns the one stderr line.
fn tool_error(cmd: &mut Command) -> String {
    let r = run(cmd);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert_eq!(r.stdout, "");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {}", r.stderr);
    lines[0].to_owned()
}

const VALIDATION: &str =
    "An error occurred (ValidationException) when calling the CreateModelInvocationJob operation: ";

fn is_job_arn(arn: &str) -> bool {
    let Some(id) = arn.strip_prefix("arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/")
    else {
        return false;
    };
    id.len() == 12
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn is_iso_timestamp(s: &str) -> bool {
    // 2024-05-01T12:00:00+00:00 or 2024-05-01T12:00:00.123000+00:00
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    s.ends_with("+00:00")
        && b.len() >= 25
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[10] == b'T'
        && digits(11..13)
        && (b.len() == 25 || (b[19] == b'.' && b.len() == 32 && digits(20..26)))
}
