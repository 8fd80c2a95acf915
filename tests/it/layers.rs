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
