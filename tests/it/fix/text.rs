//! Snapshots of `fix`'s text summary, which people read to see what was changed: a clean
//! export, an export whose repairs need flags (left as they are), the same with every flag as
//! a `--dry-run`, and written. The input is a pandas export with UUID recordIds, a few hundred
//! records, with the mistakes such files pick up on the way.
//!
//! Nothing is redacted: each run happens in a fresh temporary folder with relative paths, so
//! no temporary path is printed (the helper checks), and `fix` prints no timings or new ids.
//! Each run is made with `--threads 1` and with the default thread count, which must print
//! the same.

use crate::common::{pandas_record, pandas_records, transcript_any_threads, uuid_like};

/// A pandas export of 300 records after a trip through other tools: a byte-order mark,
/// Windows line ends on every third line, blank lines, a record without a recordId, a recordId
/// used twice, a DataFrame column left in as a top-level key, a line cut short, and no final
/// newline.
fn messy_export() -> String {
    let mut text = String::from("\u{FEFF}");
    for i in 0..300u64 {
        let mut line = pandas_record(i);
        match i {
            60 => line = line.replacen(&format!(r#""recordId":"{}","#, uuid_like(60)), "", 1),
            70 => line = line.replacen(&uuid_like(70), &uuid_like(5), 1),
            80 => line = line.replacen(r#"","modelInput""#, r#"","source":"crm","modelInput""#, 1),
            200 => line.truncate(90),
            _ => {}
        }
        if i > 0 && i % 100 == 0 {
            text.push('\n');
        }
        text.push_str(&line);
        if i + 1 < 300 {
            text.push_str(if i % 3 == 0 { "\r\n" } else { "\n" });
        }
    }
    text
}

const EVERY_FLAG: &[&str] = &[
    "--add-record-ids",
    "--dedupe-record-ids",
    "--drop-unknown-keys",
];

fn fix(input: &str, extra: &[&str]) -> String {
    let files: &[(&str, &[u8])] = &[("export.jsonl", input.as_bytes())];
    let args = [
        &["fix", "--no-config", "export.jsonl", "--out", "fixed.jsonl"],
        extra,
    ]
    .concat();
    transcript_any_threads(files, &args)
}

#[test]
fn summary_of_a_clean_export() {
    insta::assert_snapshot!(fix(&pandas_records(300), &[]));
}

#[test]
fn summary_with_repairs_left_to_their_flags() {
    insta::assert_snapshot!(fix(&messy_export(), &[]));
}

#[test]
fn dry_run_with_every_repair() {
    insta::assert_snapshot!(fix(&messy_export(), &[EVERY_FLAG, &["--dry-run"]].concat()));
}

#[test]
fn summary_with_every_repair_written() {
    insta::assert_snapshot!(fix(&messy_export(), EVERY_FLAG));
}
