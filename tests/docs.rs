//! Generated documentation is current: `docs/rules.md` is exactly what
//! `bedrock-batch rules --format markdown` prints from the rule table and the fixtures.

mod common;

use std::fs;
use std::path::Path;

use common::*;

#[test]
fn rules_reference_is_current() {
    let out = bb()
        .args(["rules", "--format", "markdown"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(want.starts_with("# Rules\n"), "{want}");
    assert!(want.contains("## L001 invalid-json"), "{want}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let have = fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            fs::write(&path, &want).expect("docs/rules.md is writable");
            return;
        }
        panic!(
            "docs/rules.md is not current: run `UPDATE_DOCS=1 cargo test --test docs` (or \
             `bedrock-batch rules --format markdown > docs/rules.md`) and commit it"
        );
    }
}

/// One rule in Markdown is the same section as in the whole reference.
#[test]
fn one_rule_in_markdown_is_its_section() {
    let all = String::from_utf8(
        bb().args(["rules", "--format", "markdown"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let one = String::from_utf8(
        bb().args(["rules", "--format", "markdown", "R005"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(one.starts_with("\n## R005 "), "{one}");
    assert!(all.contains(&one), "{one}");
}
