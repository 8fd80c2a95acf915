//! Generated documentation is current: `docs/rules.md` is exactly what
//! `bedrock-batch rules --format markdown` prints from the rule table and the fixtures.

use std::fs;
use std::path::Path;

use crate::common::*;

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
            "docs/rules.md is not current: run `UPDATE_DOCS=1 cargo test --test it docs::` (or \
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

/// The README is a front door (short, with a link to every docs page), and every relative
/// link in the README and under `docs/` names a file that exists and, with `#anchor`, a heading
/// of that file (GitHub's slugs: lower case, punctuation dropped, spaces to `-`).
#[test]
fn readme_is_a_front_door_and_doc_links_resolve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.len() <= 12 * 1024,
        "README.md is {} bytes; keep it a front door (at most 12 KiB) and put details in docs/",
        readme.len()
    );
    let mut pages: Vec<_> = fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    for page in &pages {
        let name = page.file_name().unwrap().to_str().unwrap();
        assert!(
            readme.contains(&format!("](docs/{name})")),
            "README.md does not link docs/{name}"
        );
    }
    let mut files = vec![root.join("README.md")];
    files.extend(pages);
    let mut broken = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        for target in markdown_links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let dest = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            if !dest.exists() {
                broken.push(format!("{}: {target} (no such file)", file.display()));
                continue;
            }
            if !anchor.is_empty() && dest.extension().is_some_and(|x| x == "md") {
                let slugs = heading_slugs(&fs::read_to_string(&dest).unwrap());
                if !slugs.iter().any(|s| s == anchor) {
                    broken.push(format!("{}: {target} (no such heading)", file.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The targets of `[text](target)` links outside code blocks and code spans.
fn markdown_links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Drop code spans: a `](x)` inside backticks is not a link.
        let mut plain = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                plain.push_str(part);
            }
        }
        let mut rest = plain.as_str();
        while let Some(at) = rest.find("](") {
            let tail = &rest[at + 2..];
            let Some(end) = tail.find(')') else { break };
            out.push(tail[..end].to_string());
            rest = &tail[end..];
        }
    }
    out
}

/// GitHub's anchor slugs of a Markdown file's headings.
fn heading_slugs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        out.push(slug);
    }
    out
}
