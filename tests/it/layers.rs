//! The library's top-level modules import each other without circles (each layer imports
//! only the layers below it). Read from the source: every `crate::NAME`
//! outside comments, in every file of a module, is an edge from that module to `NAME`; a
//! strongly connected component with more than one module is a circle, and fails the test
//! with the edges that form it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::root;

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `text` without `//` comments (doc comments name modules in links, which is no import).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string literal (a URL) cuts a little code; harmless here,
            // since imports never hold one.
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module names a file refers to: `crate::NAME` and the first names inside
/// `use crate::{NAME, NAME::…}`.
fn referenced(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Only top-level names of the group: depth 0 inside the braces.
            let mut depth = 0;
            let mut word = String::new();
            let mut at_start = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => at_start = true,
                    c if is_ident(c) && depth == 0 && at_start => word.push(c),
                    _ => {
                        if !word.is_empty() {
                            out.insert(std::mem::take(&mut word));
                            at_start = false;
                        }
                    }
                }
            }
            if !word.is_empty() {
                out.insert(word);
            }
        } else {
            let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            out.insert(name);
        }
    }
    out.retain(|m| modules.contains(m));
    out
}

#[test]
fn top_level_modules_import_without_circles() {
    let src = root().join("src");
    let mut modules = BTreeSet::new();
    for entry in fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let is_module = path.is_dir() || path.extension().is_some_and(|e| e == "rs");
        if is_module && name != "lib" && name != "main" {
            modules.insert(name);
        }
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for module in &modules {
        let mut files = Vec::new();
        let file = src.join(format!("{module}.rs"));
        if file.is_file() {
            files.push(file);
        }
        if src.join(module).is_dir() {
            rust_files(&src.join(module), &mut files);
        }
        let deps = edges.entry(module.clone()).or_default();
        for f in files {
            let code = code_of(&fs::read_to_string(&f).unwrap());
            deps.extend(referenced(&code, &modules));
        }
        deps.remove(module);
    }
    // Sanity: the scan sees imports at all (the library's layers do import each other).
    assert!(
        edges.values().map(BTreeSet::len).sum::<usize>() >= 20,
        "too few imports found: {edges:?}"
    );
    assert!(
        edges["validate"].contains("input"),
        "{:?}",
        edges["validate"]
    );

    // Tarjan's strongly connected components.
    struct Scc<'e> {
        edges: &'e BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'e str, usize>,
        low: BTreeMap<&'e str, usize>,
        stack: Vec<&'e str>,
        circles: Vec<Vec<&'e str>>,
    }
    impl<'e> Scc<'e> {
        fn visit(&mut self, v: &'e str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in &self.edges[v] {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                loop {
                    let w = self.stack.pop().unwrap();
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort_unstable();
                    self.circles.push(component);
                }
            }
        }
    }
    let mut scc = Scc {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        circles: Vec::new(),
    };
    for m in edges.keys() {
        if !scc.index.contains_key(m.as_str()) {
            scc.visit(m);
        }
    }
    let described: Vec<String> = scc
        .circles
        .iter()
        .map(|c| {
            let inside: Vec<String> = c
                .iter()
                .flat_map(|a| {
                    edges[*a]
                        .iter()
                        .filter(|b| c.contains(&b.as_str()))
                        .map(move |b| format!("{a} -> {b}"))
                })
                .collect();
            inside.join(", ")
        })
        .collect();
    assert!(
        described.is_empty(),
        "import circles between top-level modules of src/: {}",
        described.join("; ")
    );
}

/// The library's public modules: the only `pub mod` lines `src/lib.rs` may have (everything
/// else is private, with what callers need re-exported). Adding one is an API decision: add
/// it here, to the crate doc's API list and to docs/library.md.
const PUBLIC_MODULES: &[&str] = &["commands", "fmt", "internals", "report", "s3"];

/// `#[cfg(test)]` modules of the library that report what they compared on stderr (they opt
/// out of the print lints themselves, and are compiled only into the unit tests).
const TEST_ONLY_MODULES: &[&str] = &["differential"];

/// The names of the `pub mod NAME` declarations of a file's code.
fn pub_mods(code: &str) -> BTreeSet<String> {
    code.lines()
        .filter_map(|line| line.trim().strip_prefix("pub mod "))
        .map(|rest| {
            rest.chars()
                .take_while(|&c| c.is_ascii_alphanumeric() || c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn the_public_api_is_the_documented_list_of_modules() {
    let lib = fs::read_to_string(root().join("src/lib.rs")).unwrap();
    let declared = pub_mods(&code_of(&lib));
    let listed: BTreeSet<String> = PUBLIC_MODULES.iter().map(|m| m.to_string()).collect();
    assert_eq!(
        declared, listed,
        "src/lib.rs's `pub mod`s differ from the API list in tests/it/layers.rs: a module is \
         private unless it is the library's API"
    );
    // Sanity: the reading sees private modules too.
    assert!(
        lib.contains("\nmod json;"),
        "src/lib.rs no longer declares `mod json;`?"
    );
    // Every public module but `internals` (no API) is named in the crate doc's API list.
    let crate_doc: String = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    for module in PUBLIC_MODULES.iter().filter(|&&m| m != "internals") {
        assert!(
            crate_doc.contains(&format!("[`{module}`]")),
            "the crate doc of src/lib.rs does not list the public module `{module}`"
        );
    }
    // `internals` is hidden and exists only with its cargo feature.
    assert!(
        lib.contains("#[cfg(feature = \"internals\")]\n#[doc(hidden)]\npub mod internals;"),
        "`internals` must stay behind its feature and hidden"
    );
    // Missing docs stay an error for everything public, and every reachable type is nameable.
    assert!(lib.contains("#![deny(missing_docs)]"));
    assert!(lib.contains("deny(unnameable_types)"));
}

#[test]
fn the_library_never_prints_or_exits() {
    let src = root().join("src");
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    // The lints that enforce it, on the whole library (its unit tests included).
    assert!(
        lib.contains("#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]"),
        "src/lib.rs must deny clippy::print_stdout, print_stderr and exit"
    );
    for module in TEST_ONLY_MODULES {
        assert!(
            lib.contains(&format!("#[cfg(test)]\nmod {module};")),
            "`{module}` may print only while it is a #[cfg(test)] module"
        );
    }
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let binary = |p: &Path| p.starts_with(src.join("cli")) || p == src.join("main.rs");
    let test_only = |p: &Path| {
        TEST_ONLY_MODULES
            .iter()
            .any(|m| p == src.join(format!("{m}.rs")) || p.starts_with(src.join(m)))
    };
    let mut found = Vec::new();
    for f in files.iter().filter(|f| !binary(f)) {
        let code = code_of(&fs::read_to_string(f).unwrap());
        let rel = f.strip_prefix(&src).unwrap().display();
        for (n, line) in code.lines().enumerate() {
            if lifts_print_lints(line) && !test_only(f) {
                found.push(format!(
                    "src/{rel}:{}: lifts the lints: {}",
                    n + 1,
                    line.trim()
                ));
            }
            if prints_or_exits(line) && !test_only(f) {
                found.push(format!("src/{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "library code prints or exits (only the binary, src/cli/, may):\n{}",
        found.join("\n")
    );
    // Sanity: the reading sees the library's files, and would catch each form.
    assert!(
        files.iter().filter(|f| !binary(f)).count() > 50,
        "{files:?}"
    );
    for line in [
        "println!(\"{x}\");",
        "eprintln!(\"{x}\")",
        "eprint!(\"x\")",
        "dbg!(x);",
        "std::process::exit(2)",
    ] {
        assert!(prints_or_exits(line), "{line}");
    }
    assert!(lifts_print_lints("#[allow(clippy::print_stdout)]"));
    assert!(!prints_or_exits("writeln!(out, \"{x}\")?;"));
}

/// Whether a line of code prints to stdout or stderr, or exits the process.
fn prints_or_exits(line: &str) -> bool {
    // `print!` also matches `eprint!`; `println!` also `eprintln!`.
    ["println!", "print!", "dbg!", "process::exit"]
        .iter()
        .any(|m| line.contains(m))
}

/// Whether a line of code allows what the library's lints deny.
fn lifts_print_lints(line: &str) -> bool {
    [
        "clippy::print_stdout",
        "clippy::print_stderr",
        "clippy::exit",
    ]
    .iter()
    .any(|lint| line.contains(lint) && (line.contains("allow(") || line.contains("expect(")))
}
