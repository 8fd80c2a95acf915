//! Embeds the body schemas (`schemas/<family>.json`) and the rule fixtures
//! (`fixtures/<CODE>/`) in the binary, so that adding a family or an example is adding a file.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&root);
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo:rerun-if-changed=schemas");
    println!("cargo:rerun-if-changed=fixtures");

    let mut families = Vec::new();
    if let Ok(dir) = fs::read_dir(root.join("schemas")) {
        for entry in dir.flatten() {
            let path = entry.path();
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            if path.extension().is_some_and(|e| e == "json") && name != "catalog" {
                println!("cargo:rerun-if-changed={}", path.display());
                families.push((name, path));
            }
        }
    }
    families.sort();
    let mut code = String::from("/// Embedded body schemas: (family, JSON text), by family name.\npub const EMBEDDED_SCHEMAS: &[(&str, &str)] = &[\n");
    for (name, path) in &families {
        writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    // A real model id per family (`fixtures/families/<family>/model.txt`), for messages that
    // suggest one. The Converse family has no model of its own.
    code.push_str("/// A model id per body family, from `fixtures/families/<family>/model.txt`.\npub const FAMILY_EXAMPLES: &[(&str, &str)] = &[\n");
    for (name, _) in &families {
        let model = root.join("fixtures/families").join(name).join("model.txt");
        println!("cargo:rerun-if-changed={}", model.display());
        if name == "converse" {
            continue;
        }
        if let Ok(id) = fs::read_to_string(&model) {
            writeln!(code, "    ({name:?}, {:?}),", id.trim()).unwrap();
        }
    }
    code.push_str("];\n");
    fs::write(Path::new(&out).join("schemas.rs"), code).expect("write schemas.rs");

    // Rule examples: (code, case.json, [(name, bytes)] of the failing input, same for passing).
    let mut code = String::from("/// Embedded rule fixtures: (code, case.json, failing files, passing files).\npub const RULE_EXAMPLES: &[(&str, &str, FixtureFiles, FixtureFiles)] = &[\n");
    let mut dirs: Vec<_> = fs::read_dir(root.join("fixtures"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    for dir in dirs {
        let case = dir.join("case.json");
        let Ok(text) = fs::read_to_string(&case) else {
            continue;
        };
        let code_name = dir.file_name().unwrap().to_string_lossy().to_string();
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("case.json is JSON");
        let files = |key: &str| -> String {
            let Some(rel) = parsed[key].as_str() else {
                return "&[]".into();
            };
            let p = dir.join(rel);
            let mut list = Vec::new();
            if p.is_dir() {
                let mut entries: Vec<_> = fs::read_dir(&p)
                    .unwrap()
                    .flatten()
                    .map(|e| e.path())
                    .collect();
                entries.sort();
                for e in entries {
                    let shown = format!("{rel}/{}", e.file_name().unwrap().to_string_lossy());
                    list.push((shown, e));
                }
            } else if p.is_file() {
                list.push((rel.to_string(), p));
            }
            let items: Vec<String> = list
                .iter()
                .map(|(shown, path)| {
                    format!(
                        "({shown:?}, include_bytes!({:?}))",
                        path.display().to_string()
                    )
                })
                .collect();
            format!("&[{}]", items.join(", "))
        };
        writeln!(
            code,
            "    ({code_name:?}, include_str!({:?}), {}, {}),",
            case.display().to_string(),
            files("fail"),
            files("pass")
        )
        .unwrap();
    }
    code.push_str("];\n");
    fs::write(Path::new(&out).join("rule_examples.rs"), code).expect("write rule_examples.rs");
}
