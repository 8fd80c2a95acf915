//! Hostile inputs: whatever a user, or an attacker who controls a data file, hands `validate`
//! is answered with a report or a clear one-line error, never a crash, a hang or runaway
//! memory. Every input is built on the fly in a temporary folder (tens of MB at most).
//!
//! "Never a hang" has no timed assertion: the inputs here took minutes to hours before the
//! scanner and the line checks were made linear, so a regression shows as a test that does
//! not finish. Memory is measured (peak RSS of the child), since it is not timing.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::common::run;
use bedrock_batch::commands::validate::{validate, validate_with_progress, ValidateOptions};
use bedrock_batch::Progress;
use serde_json::Value;

const CLAUDE: &str = "anthropic.claude-3-5-haiku-20241022-v1:0";

/// Deterministic pseudo-random bytes (xorshift64*), so failures reproduce.
fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(n);
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// `validate --format json ARGS PATH`: must end with a report (exit 0 or 1), not a crash.
fn report(args: &[&str], path: &Path) -> Value {
    let mut all = vec!["validate", "--format", "json"];
    all.extend_from_slice(args);
    let shown = path.to_string_lossy().into_owned();
    all.push(&shown);
    let r = run(&all, None);
    assert!(
        r.code == 0 || r.code == 1,
        "exit {} for {args:?} {shown}\nstderr: {}",
        r.code,
        r.stderr
    );
    assert!(r.stderr.is_empty(), "stderr: {}", r.stderr);
    r.json()
}

/// The report in every reading mode (mapped, streamed, one thread), which must agree.
fn report_all_modes(args: &[&str], path: &Path) -> Value {
    let mapped = report(args, path);
    for extra in [&["--no-mmap"][..], &["--threads", "1"][..]] {
        let mut with = args.to_vec();
        with.extend_from_slice(extra);
        assert_eq!(
            report(&with, path),
            mapped,
            "{with:?} differs from the mapped read"
        );
    }
    mapped
}

fn count(report: &Value, code: &str) -> u64 {
    report["summary"]["by_code"][code].as_u64().unwrap_or(0)
}

fn listed<'r>(report: &'r Value, code: &str) -> Vec<&'r Value> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == code)
        .collect()
}

/// A one-line tool error (exit 2) that names `what`.
fn tool_error(args: &[&str], what: &str) {
    let mut all = vec!["validate"];
    all.extend_from_slice(args);
    let r = run(&all, None);
    assert_eq!(
        r.code, 2,
        "{args:?}: stdout {} stderr {}",
        r.stdout, r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "not one line: {}", r.stderr);
    assert!(
        r.stderr.starts_with("bedrock-batch: error: "),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(what), "{what} not named in: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn empty_files_and_files_of_only_line_ends_get_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.jsonl", b"");
    let r = report_all_modes(&[], &empty);
    assert_eq!(r["summary"]["records"], 0);
    assert_eq!(count(&r, "F002"), 1);
    assert_eq!(r["verdict"]["status"], "Failed");

    let newlines = write(dir.path(), "newlines.jsonl", &b"\n".repeat(500_000));
    let r = report_all_modes(&[], &newlines);
    assert_eq!(r["summary"]["records"], 0);
    assert_eq!(count(&r, "L003"), 500_000);
    assert_eq!(
        listed(&r, "L003").len(),
        1000,
        "listing stops at --max-diagnostics"
    );
    assert_eq!(count(&r, "F002"), 1);
    // Listing without limit (the largest value the flag takes) lists every one.
    let some = write(dir.path(), "some-newlines.jsonl", &b"\n".repeat(5000));
    let all = report_all_modes(&["--max-diagnostics", &usize::MAX.to_string()], &some);
    assert_eq!(listed(&all, "L003").len(), 5000);

    let crlf = write(
        dir.path(),
        "crlf.jsonl",
        &b"\r\n \t\r\n\x0b\x0c\n".repeat(20_000),
    );
    let r = report_all_modes(&[], &crlf);
    assert_eq!(count(&r, "L003"), 60_000);
    assert_eq!(
        count(&r, "L004"),
        1,
        "one CRLF finding per file, with the count"
    );
    assert_eq!(r["summary"]["records"], 0);
}

#[test]
fn random_binary_is_reported_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = random_bytes(4 << 20, 0x5EED);
    let path = write(dir.path(), "random.jsonl", &bytes);
    let r = report_all_modes(&[], &path);
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64
        + u64::from(bytes.last() != Some(&b'\n'));
    let blank = count(&r, "L003");
    assert_eq!(r["summary"]["records"].as_u64().unwrap() + blank, lines);
    // Nearly every line holds a byte that is not UTF-8; the rest are not JSON.
    assert!(count(&r, "L002") > lines / 2, "{}", r["summary"]);
    assert_eq!(
        count(&r, "L001") + count(&r, "L002") + count(&r, "L007"),
        r["summary"]["records"].as_u64().unwrap()
    );
    assert_eq!(r["verdict"]["status"], "Failed");
    // With a body schema too (no line is an object, so no body is checked).
    let with_model = report(&["--model-id", CLAUDE], &path);
    assert_eq!(
        with_model["summary"]["by_code"]["L002"],
        r["summary"]["by_code"]["L002"]
    );

    // The same bytes on standard input.
    let out = common::bb()
        .args(["validate", "--format", "json", "-"])
        .write_stdin(bytes)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let piped: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(piped["summary"]["by_code"], r["summary"]["by_code"]);
}

#[test]
fn nul_bytes_anywhere_are_findings() {
    let dir = tempfile::tempdir().unwrap();
    // A megabyte of NULs and no line end: one invalid line.
    let nuls = write(dir.path(), "nuls.jsonl", &vec![0u8; 1 << 20]);
    let r = report_all_modes(&[], &nuls);
    assert_eq!(count(&r, "L001"), 1);
    assert_eq!(count(&r, "L006"), 1);
    let msg = listed(&r, "L001")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("U+0000"), "{msg}");

    // NUL as a line, inside a string, between tokens and after the object.
    let lines = [
        "\0",
        "{\"recordId\":\"REC0000000\0\",\"modelInput\":{}}",
        "{\"recordId\":\"REC00000001\",\0\"modelInput\":{}}",
        "{\"recordId\":\"REC00000002\",\"modelInput\":{}}\0",
        "{\"recordId\":\"REC00000003\",\"modelInput\":{\"\0\":1}}",
    ];
    let path = write(
        dir.path(),
        "nul-lines.jsonl",
        (lines.join("\n") + "\n").as_bytes(),
    );
    let r = report_all_modes(&[], &path);
    let l001 = listed(&r, "L001");
    assert_eq!(l001.len(), 5, "{:#}", r["diagnostics"]);
    let columns: Vec<u64> = l001.iter().map(|d| d["column"].as_u64().unwrap()).collect();
    assert_eq!(columns, [1, 24, 27, 43, 42]);
}

#[test]
fn a_single_line_of_tens_of_megabytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut line = b"{\"recordId\":\"REC00000001\",\"modelInput\":{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"".to_vec();
    line.extend(std::iter::repeat_n(b'a', 30 << 20));
    line.extend_from_slice(b"\"}]}}\n");
    let path = write(dir.path(), "long.jsonl", &line);
    let r = report_all_modes(&[], &path);
    assert_eq!(count(&r, "R008"), 1, "{}", r["summary"]);
    assert_eq!(r["summary"]["records"], 1);
    // With a schema: the oversized body is not parsed (R008 already fails it).
    let r = report_all_modes(&["--model-id", CLAUDE], &path);
    assert_eq!(count(&r, "R008"), 1);
    let msg = listed(&r, "R008")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("not checked against the schema"), "{msg}");
    assert!(!r["summary"]["by_code"]
        .as_object()
        .unwrap()
        .keys()
        .any(|k| k.starts_with('M')));

    // A 20 MB body under the limit is checked, and is valid.
    let mut line = line[..line.len() - (30 << 20) - 6].to_vec();
    line.extend(std::iter::repeat_n(b'b', 20 << 20));
    line.extend_from_slice(b"\"}]}}\n");
    let path = write(dir.path(), "long-ok.jsonl", &line);
    let r = report_all_modes(&["--model-id", CLAUDE], &path);
    assert_eq!(count(&r, "R008"), 0);
    assert_eq!(
        r["summary"]["errors"], 1,
        "only Q005 (one record): {}",
        r["summary"]
    );
}

#[test]
fn tens_of_megabytes_without_a_line_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "x.jsonl", &vec![b'x'; 30 << 20]);
    let r = report_all_modes(&[], &path);
    assert_eq!(count(&r, "L001"), 1);
    assert_eq!(count(&r, "L006"), 1);

    // An unterminated string that runs to the end of the file.
    let mut bytes = b"{\"recordId\":\"".to_vec();
    bytes.extend(std::iter::repeat_n(b'7', 30 << 20));
    let path = write(dir.path(), "open.jsonl", &bytes);
    let r = report_all_modes(&[], &path);
    let d = listed(&r, "L001")[0];
    assert!(d["message"]
        .as_str()
        .unwrap()
        .contains("unterminated string"));
    assert_eq!(d["byte_offset"].as_u64().unwrap(), bytes.len() as u64);
    assert_eq!(d["column"].as_u64().unwrap(), bytes.len() as u64 + 1);
}

#[test]
fn a_stream_line_past_the_bound_is_a_one_line_error() {
    // Streams hold a line whole, so an endless one (a symlink to /dev/zero, a file with
    // CR-only line ends) is refused past 64 MiB instead of growing without end.
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("data.jsonl");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    tool_error(&[zero.to_str().unwrap()], "longer than 67,108,864 bytes");
    // A mapped file reports the same long line as a finding.
    let mut bytes = b"{\"a\":\"".to_vec();
    bytes.extend(std::iter::repeat_n(b'z', 65 << 20));
    bytes.extend_from_slice(b"\"}\n");
    let path = write(dir.path(), "long.jsonl", &bytes);
    let r = report(&[], &path);
    assert_eq!(count(&r, "R001"), 1);
    tool_error(
        &["--no-mmap", path.to_str().unwrap()],
        "line starting at byte 0",
    );
}

#[test]
fn nesting_hundreds_of_thousands_deep() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 300_000;
    let arrays = format!(
        "{{\"recordId\":\"REC00000001\",\"modelInput\":{{\"messages\":{}{}}}}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let objects = format!(
        "{{\"recordId\":\"REC00000002\",\"modelInput\":{}1{}}}\n",
        "{\"a\":".repeat(depth),
        "}".repeat(depth)
    );
    let unclosed = format!(
        "{{\"recordId\":\"REC00000003\",\"modelInput\":{}\n",
        "[{\"b\":".repeat(depth)
    );
    // A repeated key at the bottom of 100,000 objects: listed, without a 200 KB pointer.
    let deep_dup = format!(
        "{{\"recordId\":\"REC00000004\",\"modelInput\":{}{{\"x\":1,\"x\":2}}{}}}\n",
        "{\"a\":".repeat(100_000),
        "}".repeat(100_000)
    );
    let dup_column = deep_dup.rfind("\"x\"").unwrap() as u64 + 1;
    let text = [arrays, objects, unclosed, deep_dup].concat();
    let path = write(dir.path(), "deep.jsonl", text.as_bytes());
    let r = report_all_modes(&[], &path);
    assert_eq!(
        count(&r, "L001"),
        1,
        "only the unclosed line: {:#}",
        r["diagnostics"]
    );
    assert_eq!(listed(&r, "L001")[0]["line"], 3);
    let dup = listed(&r, "L008");
    assert_eq!(dup.len(), 1);
    assert_eq!(dup[0]["line"], 4);
    assert!(
        dup[0].get("pointer").is_none_or(Value::is_null),
        "{}",
        dup[0]
    );
    assert_eq!(dup[0]["column"].as_u64().unwrap(), dup_column);

    // With a schema: serde_json stops at 128 levels; the body gets an M006, not a crash.
    let r = report_all_modes(&["--model-id", CLAUDE], &path);
    let m006 = listed(&r, "M006");
    assert_eq!(m006.len(), 3, "{:#}", r["diagnostics"]);
    for d in m006 {
        assert!(d["message"].as_str().unwrap().contains("128 levels"), "{d}");
    }
}

#[test]
fn objects_with_hundreds_of_thousands_of_keys() {
    let dir = tempfile::tempdir().unwrap();
    let n = 300_000;
    let keys = |prefix: &str| -> String {
        (0..n)
            .map(|i| format!("\"{prefix}{i}\":{i}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    // Unknown top-level keys: every one counted, the first thousand listed in order.
    let top = format!(
        "{{\"recordId\":\"REC00000001\",\"modelInput\":{{}},{}}}\n",
        keys("k")
    );
    // One key repeated: n - 1 duplicates.
    let same = format!(
        "{{\"recordId\":\"REC00000002\",\"modelInput\":{{{}}}}}\n",
        vec!["\"k\":1"; n].join(",")
    );
    // Half distinct keys, then the last of them repeated: each repeat is found at once.
    let late = format!(
        "{{\"recordId\":\"REC00000003\",\"modelInput\":{{{},{}}}}}\n",
        (0..n / 2)
            .map(|i| format!("\"k{i}\":1"))
            .collect::<Vec<_>>()
            .join(","),
        vec![format!("\"k{}\":2", n / 2 - 1); n / 2].join(",")
    );
    let path = write(
        dir.path(),
        "keys.jsonl",
        [top, same, late].concat().as_bytes(),
    );
    let r = report_all_modes(&[], &path);
    assert_eq!(count(&r, "R007"), n as u64);
    assert_eq!(count(&r, "L008"), (n - 1 + n / 2) as u64);
    let r007 = listed(&r, "R007");
    assert_eq!(r007.len(), 1000);
    assert_eq!(r007[0]["pointer"], "/k0");
    assert_eq!(r007[999]["pointer"], "/k999");

    // Bodies with a schema: past 100,000 values only the first schema error is reported.
    let body = format!(
        "{{\"recordId\":\"REC00000004\",\"modelInput\":{{{}}}}}\n",
        keys("x")
    );
    let path = write(dir.path(), "body-keys.jsonl", body.as_bytes());
    let r = report_all_modes(&["--model-id", CLAUDE], &path);
    let m: Vec<&Value> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with('M'))
        .collect();
    assert_eq!(m.len(), 1, "{:#}", r["diagnostics"]);
    assert!(m[0]["message"]
        .as_str()
        .unwrap()
        .contains("first schema error only"));

    // Under that bound every error is counted, and max-diagnostics of them listed.
    let body = format!(
        "{{\"recordId\":\"REC00000005\",\"modelInput\":{{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}],{}}}}}\n",
        (0..50_000).map(|i| format!("\"x{i}\":1")).collect::<Vec<_>>().join(",")
    );
    let path = write(dir.path(), "body-50k.jsonl", body.as_bytes());
    let r = report_all_modes(&["--model-id", CLAUDE, "--max-diagnostics", "20"], &path);
    assert_eq!(count(&r, "M002"), 50_000);
    assert_eq!(listed(&r, "M002").len(), 20);
}

#[test]
fn strings_with_every_kind_of_escape() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        // Every valid escape, in the id, a key and the body.
        r#"{"recordId":"A\"\\\/\b\f\n\r\t\u0000\u00e9\ud83d\ude00","modelInput":{"k\u0000\"":"\b\f\n\r\t\/\\\"\u001f\uFFFF"}}"#,
        // The same id without escapes is a duplicate (R006) of line 1... spelled differently.
        "{\"recordId\":\"A\\\"\\\\/\\u0008\\u000c\\u000a\\u000d\\u0009\\u0000\u{e9}\u{1F600}\",\"modelInput\":{}}",
        // Escaped key that equals a plain one: a duplicate key.
        r#"{"recordId":"REC00000003","modelInput":{"role":"user","r\u006fle":"x"}}"#,
        // A lone surrogate: valid JSON (RFC 8259 allows it), not decodable as UTF-8.
        r#"{"recordId":"REC00000004","modelInput":{"messages":"\ud800"}}"#,
        // Invalid escapes and raw control characters.
        r#"{"recordId":"REC00000005","modelInput":{"a":"\x"}}"#,
        r#"{"recordId":"REC00000006","modelInput":{"a":"\u12G4"}}"#,
        r#"{"recordId":"REC00000007","modelInput":{"a":"\u12"}}"#,
        "{\"recordId\":\"REC00000008\",\"modelInput\":{\"a\":\"tab\there\"}}",
        "{\"recordId\":\"REC00000009\",\"modelInput\":{\"a\":\"\\",
        // Keys that need escaping in a pointer.
        r#"{"recordId":"REC00000010","modelInput":{"a/b~c":{"x":1,"x":2}}}"#,
    ];
    let path = write(
        dir.path(),
        "escapes.jsonl",
        (lines.join("\n") + "\n").as_bytes(),
    );
    let r = report_all_modes(&[], &path);
    let l001: Vec<u64> = listed(&r, "L001")
        .iter()
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert_eq!(l001, [5, 6, 7, 8, 9]);
    let r006 = listed(&r, "R006");
    assert_eq!(r006.len(), 1, "{:#}", r["diagnostics"]);
    assert_eq!(r006[0]["line"], 2);
    let dup_pointers: Vec<&str> = listed(&r, "L008")
        .iter()
        .map(|d| d["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(dup_pointers, ["/modelInput/role", "/modelInput/a~1b~0c/x"]);

    // With a schema: the lone surrogate cannot be decoded for it, and says so.
    let r = report_all_modes(&["--model-id", CLAUDE], &path);
    let m006 = listed(&r, "M006");
    assert!(
        m006.iter().any(|d| d["line"] == 4
            && d["message"]
                .as_str()
                .unwrap()
                .contains("could not be decoded")),
        "{:#}",
        r["diagnostics"]
    );
}

#[test]
fn thousands_of_small_files_in_one_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("batch");
    std::fs::create_dir_all(root.join("nested/deeper")).unwrap();
    let files = 3000;
    for i in 0..files {
        let sub = match i % 3 {
            0 => "",
            1 => "nested/",
            _ => "nested/deeper/",
        };
        let id = if i == 2999 { 7 } else { i }; // one id used twice, across folders
        let line = format!("{{\"recordId\":\"REC{id:08}\",\"modelInput\":{{\"i\":{i}}}}}\n");
        std::fs::write(root.join(format!("{sub}part-{i:05}.jsonl")), line).unwrap();
    }
    std::fs::write(root.join("README.md"), "stray").unwrap();
    std::fs::write(root.join("nested/empty.jsonl"), "").unwrap();
    // A FIFO in the folder is not a file: skipped, so the walk cannot block on it.
    let fifo = std::ffi::CString::new(root.join("nested/fifo.jsonl").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo touches nothing else.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);

    let r = report_all_modes(&[], &root);
    assert_eq!(r["summary"]["files"], files + 1);
    assert_eq!(r["summary"]["records"], files);
    assert_eq!(count(&r, "F003"), 1);
    assert_eq!(count(&r, "R006"), 1);
    // Paths sort "nested/deeper/" before "nested/part-…": the later-listed file is the repeat.
    let d = listed(&r, "R006")[0];
    assert!(
        d["path"]
            .as_str()
            .unwrap()
            .ends_with("nested/part-00007.jsonl"),
        "{d}"
    );
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("deeper/part-02999.jsonl:1"),
        "{d}"
    );
}

#[test]
fn unreadable_and_vanished_paths_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    tool_error(&[&p("missing.jsonl")], "missing.jsonl");
    std::os::unix::fs::symlink(p("loop.jsonl"), p("loop.jsonl")).unwrap();
    tool_error(&[&p("loop.jsonl")], "loop.jsonl");
    write(dir.path(), "file.jsonl", b"{}\n");
    tool_error(&[&p("file.jsonl/inner.jsonl")], "file.jsonl/inner.jsonl");
    // A dangling link inside a folder names the link.
    std::fs::create_dir(p("folder")).unwrap();
    write(&dir.path().join("folder"), "ok.jsonl", b"{}\n");
    std::os::unix::fs::symlink(p("gone.jsonl"), p("folder/dangling.jsonl")).unwrap();
    tool_error(&[&p("folder")], "dangling.jsonl");
    // Permissions: root reads everything, so only other users can see this one.
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        let locked = write(dir.path(), "locked.jsonl", b"{}\n");
        std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000))
            .unwrap();
        tool_error(&[&p("locked.jsonl")], "locked.jsonl");
        tool_error(&["--no-mmap", &p("locked.jsonl")], "locked.jsonl");
    }
}

#[test]
fn a_file_that_vanishes_between_listing_and_reading() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.jsonl",
        b"{\"recordId\":\"REC00000001\",\"modelInput\":{}}\n",
    );
    let b = write(
        dir.path(),
        "b.jsonl",
        b"{\"recordId\":\"REC00000002\",\"modelInput\":{}}\n",
    );
    let opts = ValidateOptions::default();
    let inputs = bedrock_batch::internals::collect(&[dir.path().to_path_buf()], None).unwrap();
    std::fs::remove_file(&b).unwrap();
    let setup = bedrock_batch::internals::JobSetup::new(&opts).unwrap();
    let mut run = bedrock_batch::internals::JobRun::new(&opts, &setup);
    let err = run
        .scan_all(&inputs.files, &bedrock_batch::NoProgress, &mut |_, _, _| {
            Ok(())
        })
        .unwrap_err();
    assert!(err.to_string().contains("b.jsonl"), "{err}");
    assert!(a.exists());
}

/// Truncates a file the first time progress is reported, i.e. after the first chunks were
/// read and merged and while later ones are still to be read.
struct TruncateOnProgress {
    path: PathBuf,
    to: u64,
    done: std::sync::atomic::AtomicBool,
}

impl Progress for TruncateOnProgress {
    fn advance(&self, _bytes: u64) {
        if !self.done.swap(true, std::sync::atomic::Ordering::SeqCst) {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&self.path)
                .unwrap();
            f.set_len(self.to).unwrap();
        }
    }
}

#[test]
fn a_file_truncated_while_it_is_read_without_mmap() {
    let dir = tempfile::tempdir().unwrap();
    let line = "{\"recordId\":\"REC00000001\",\"modelInput\":{\"anthropic_version\":\"x\"}}\n";
    let total = 8 << 20;
    let mut text = String::with_capacity(total + line.len());
    while text.len() < total {
        text.push_str(line);
    }
    let path = write(dir.path(), "shrinking.jsonl", text.as_bytes());
    // Cut mid-line, far past what the first windows hold.
    let to = 6_000_000 + 17;
    let progress = TruncateOnProgress {
        path: path.clone(),
        to,
        done: Default::default(),
    };
    let opts = ValidateOptions {
        mmap: false,
        threads: 1,
        chunk_size: 64 << 10,
        ..ValidateOptions::default()
    };
    let r = validate_with_progress(std::slice::from_ref(&path), &opts, &progress).unwrap();
    assert!(progress.done.load(std::sync::atomic::Ordering::SeqCst));
    // What was read before the cut is reported, ending in the half line at the cut.
    assert_eq!(r.summary.bytes, to);
    assert_eq!(r.summary.by_code.get("L001"), Some(&1));
    assert_eq!(r.summary.by_code.get("L006"), Some(&1));
    assert!(r.summary.records > 0);
    // The mapped read of the file as it is now agrees.
    let now = validate(&[path], &ValidateOptions::default()).unwrap();
    assert_eq!(now.summary, r.summary);
}

/// Runs the binary and returns its exit code and peak resident set in bytes, from `wait4`
/// on that one child (other tests' children do not count).
// `wait4` reaps the child; clippy cannot see that.
#[allow(clippy::zombie_processes)]
fn peak_rss(args: &[&str]) -> (i32, u64) {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_bedrock-batch"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own unwaited child, and both out-pointers are valid for writes.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t);
    assert!(
        libc::WIFEXITED(status),
        "the child died: status {status:#x}"
    );
    // Linux reports ru_maxrss in KiB.
    (libc::WEXITSTATUS(status), usage.ru_maxrss as u64 * 1024)
}

fn write_repeated(path: &Path, mut record: impl FnMut(usize) -> String, bytes: usize) -> usize {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let (mut written, mut n) = (0, 0);
    while written < bytes {
        let line = record(n);
        out.write_all(line.as_bytes()).unwrap();
        written += line.len();
        n += 1;
    }
    out.flush().unwrap();
    n
}

#[test]
fn peak_memory_stays_bounded_on_a_large_input() {
    // 200 MB of Claude records of about 1 KB, read in blocks: the buffers and one id entry
    // per record, far below the file's size.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.jsonl");
    let text = "All work and no play makes Jack a dull boy. ".repeat(20);
    let records = write_repeated(
        &path,
        |i| {
            format!("{{\"recordId\":\"R{i:010}\",\"modelInput\":{{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":256,\"messages\":[{{\"role\":\"user\",\"content\":\"{i} {text}\"}}]}}}}\n")
        },
        200_000_000,
    );
    let (code, peak) = peak_rss(&[
        "validate",
        "--no-mmap",
        "--format",
        "json",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "over the record quota");
    assert!(records > 150_000);
    assert!(peak < 256 << 20, "peak RSS {} MiB", peak >> 20);

    // The worst case per record: 100 MB of the smallest records (2.3 million ids). The id
    // map is the only memory that grows with the input; it stays under 100 bytes per record
    // on top of the fixed buffers.
    let tiny = dir.path().join("tiny.jsonl");
    let records = write_repeated(
        &tiny,
        |i| format!("{{\"recordId\":\"R{i:010}\",\"modelInput\":{{}}}}\n"),
        100_000_000,
    );
    std::fs::remove_file(&path).unwrap();
    let (code, peak) = peak_rss(&[
        "validate",
        "--no-mmap",
        "--format",
        "json",
        tiny.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    let budget = (96 << 20) + 100 * records as u64;
    assert!(
        peak < budget,
        "peak RSS {} MiB for {records} records (budget {} MiB)",
        peak >> 20,
        budget >> 20
    );
}

/// Findings of one line are emitted check by check, not in byte order; which of them a chunk
/// lists must not depend on where the chunk starts (it did, when the listing limit fell
/// inside such a line).
#[test]
fn listed_findings_do_not_depend_on_where_a_chunk_starts() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "order.jsonl",
        b"[1]\n{\"recordId\":\"x\",\"modelInput\":{\"k\":1,\"k\":2},\"z\":0}\n",
    );
    let mut reports = Vec::new();
    for chunk_size in [1, 4, 1000] {
        let opts = ValidateOptions {
            max_diagnostics: 2,
            chunk_size,
            threads: 1,
            ..ValidateOptions::default()
        };
        let r = validate(std::slice::from_ref(&path), &opts).unwrap();
        let listed: Vec<(String, u64)> = r
            .diagnostics
            .iter()
            .filter_map(|d| Some((d.code.to_string(), d.position?.byte_offset)))
            .collect();
        // Job-level findings (Q005 here) are always listed, on top of the cap.
        assert_eq!(r.diagnostics.last().unwrap().code.to_string(), "Q005");
        reports.push(listed);
    }
    // Errors first: the L007, then the earliest warning (the repeated key, before "z").
    assert_eq!(
        reports[0],
        [("L007".to_string(), 0), ("L008".to_string(), 40)]
    );
    assert!(reports.iter().all(|r| *r == reports[0]), "{reports:?}");
}
