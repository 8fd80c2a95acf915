//! `bedrock-batch.toml` through the real binary: found from the current folder upward or
//! named with `--config`, keys are the long flag names, flags win, and every mistake is a
//! tool error (exit 2) naming the file and the key.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use serde_json::Value;

/// A temp project: `in.jsonl` with three clean records and one without a recordId (R003,
/// a warning) and one whose id holds a space (R005, an info), and `sub/` to run from.
fn project(config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut text = records(3);
    text.push_str("{\"modelInput\":{}}\n");
    text.push_str("{\"recordId\":\"r 1\",\"modelInput\":{}}\n");
    fs::write(dir.path().join("in.jsonl"), text).unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    if let Some(config) = config {
        fs::write(dir.path().join("bedrock-batch.toml"), config).unwrap();
    }
    dir
}

/// Runs `bedrock-batch ARGS` in `cwd`.
fn run_in(cwd: &Path, args: &[&str]) -> Run {
    let out = bb().current_dir(cwd).args(args).output().expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn codes_of(r: &Run) -> Vec<String> {
    codes(&r.json())
}

const CONFIG: &str = r#"
# Defaults for this data.
format = "json"
min-records-per-job = 1
ignore = ["R005"]
"#;

#[test]
fn keys_set_defaults_found_from_the_current_folder_upward() {
    let dir = project(Some(CONFIG));
    for cwd in [dir.path().to_path_buf(), dir.path().join("sub")] {
        let input = dir.path().join("in.jsonl");
        let r = run_in(&cwd, &["validate", input.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        // format = "json" took effect; Q005 and R005 are gone.
        assert_eq!(codes_of(&r), ["R003"]);
    }
}

#[test]
fn flags_win_over_keys() {
    let dir = project(Some(CONFIG));
    let r = run_in(
        dir.path(),
        &[
            "validate",
            "--ignore",
            "R003",
            "--min-records-per-job",
            "10",
            "in.jsonl",
        ],
    );
    // The command line's --ignore replaces the file's list: R005 is back, R003 is gone.
    assert_eq!(codes_of(&r), ["R005", "Q005"]);
    let text = run_in(dir.path(), &["validate", "--format", "text", "in.jsonl"]);
    assert!(
        text.stdout.contains("Verdict: Scheduled"),
        "{}",
        text.stdout
    );
}

#[test]
fn every_kind_of_value_reaches_its_flag() {
    let dir = project(Some(
        r#"
format = "json"
min-records-per-job = 1
max-file-bytes = "1KB"
max-diagnostics = 1
fail-on = "warning"
select = "R,L"
quiet = true
no-mmap = true
threads = 2
group = "file"
stdin-filename = "piped.jsonl"
"#,
    ));
    let r = run_in(dir.path(), &["validate", "in.jsonl"]);
    assert_eq!(
        r.code, 1,
        "fail-on warning: R003 fails the run\n{}",
        r.stderr
    );
    let report = r.json();
    assert_eq!(report["jobs"][0]["job"], "in.jsonl", "group = file");
    assert_eq!(report["quotas"]["max_file_bytes"], 1000);
    assert_eq!(
        report["summary"]["by_code"],
        serde_json::json!({"R003": 1, "R005": 1})
    );
    assert_eq!(
        report["diagnostics"].as_array().unwrap().len(),
        1,
        "max-diagnostics"
    );
    let piped = bb()
        .current_dir(dir.path())
        .args(["validate", "-"])
        .write_stdin(records(1))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert_eq!(report["files"][0]["path"], "piped.jsonl");
}

#[test]
fn config_flag_names_the_file_and_no_config_skips_it() {
    let dir = project(Some("format = \"json\"\n"));
    let other = dir.path().join("strict.toml");
    fs::write(
        &other,
        "min-records-per-job = 1\nfail-on = \"info\"\nformat = \"json\"\n",
    )
    .unwrap();
    let r = run_in(
        dir.path(),
        &["validate", "--config", "strict.toml", "in.jsonl"],
    );
    assert_eq!(r.code, 1, "fail-on info from strict.toml");
    assert_eq!(codes_of(&r), ["R003", "R005"]);
    let r = run_in(
        dir.path(),
        &["validate", "--no-config", "--color", "never", "in.jsonl"],
    );
    assert!(
        r.stdout
            .starts_with(dir.path().join("in.jsonl").to_str().unwrap())
            || r.stdout.starts_with("in.jsonl:"),
        "text, not json: {}",
        r.stdout
    );
    let missing = run_in(
        dir.path(),
        &["validate", "--config", "nope.toml", "in.jsonl"],
    );
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("--config: `nope.toml` is not a file"),
        "{}",
        missing.stderr
    );
}

#[test]
fn relative_paths_are_taken_from_the_config_folder() {
    let dir = project(Some(
        "format = \"json\"\nschema = \"body.schema.json\"\nmin-records-per-job = 1\n",
    ));
    fs::write(
        dir.path().join("body.schema.json"),
        r#"{"type": "object", "required": ["prompt"]}"#,
    )
    .unwrap();
    let input = dir.path().join("in.jsonl");
    let r = run_in(
        &dir.path().join("sub"),
        &["validate", input.to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        codes_of(&r).contains(&"M001".to_string()),
        "the schema was loaded: {}",
        r.stdout
    );
}

#[test]
fn mistakes_are_tool_errors_naming_file_and_key() {
    let cases: &[(&str, &str)] = &[
        (
            "colour = \"never\"\n",
            "key `colour`: unknown key; keys are validate's long flag names:",
        ),
        (
            "threads = \"many\"\n",
            "key `threads`: invalid value 'many' for '--threads <N>'",
        ),
        (
            "format = \"xml\"\n",
            "key `format`: invalid value 'xml' for '--format <FORMAT>'",
        ),
        (
            "max-file-bytes = \"1 gigabyte\"\n",
            "key `max-file-bytes`: invalid value '1 gigabyte'",
        ),
        ("quiet = \"yes\"\n", "key `quiet`: expects true or false"),
        (
            "model-id = true\n",
            "key `model-id`: expects a value, not true or false",
        ),
        (
            "model-id = [\"a\", \"b\"]\n",
            "key `model-id`: takes one value, not a list",
        ),
        ("config = \"other.toml\"\n", "key `config`: unknown key"),
        (
            "[validate]\nformat = \"json\"\n",
            "key `validate`: unknown key",
        ),
        ("format = \"json\"\nformat = \"text\"\n", "duplicate key"),
        ("format = json\n", "config `"),
    ];
    for (text, expected) in cases {
        let dir = project(Some(text));
        let r = run_in(dir.path(), &["validate", "in.jsonl"]);
        assert_eq!(r.code, 2, "{text}: {}", r.stderr);
        assert!(r.stderr.contains(expected), "{text}:\n{}", r.stderr);
        assert!(
            r.stderr.contains("bedrock-batch.toml"),
            "names the file: {}",
            r.stderr
        );
        assert_eq!(r.stdout, "");
    }
}
