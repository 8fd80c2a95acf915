//! JSON pointers inside a JSON text: where the value a pointer names starts (one walk for
//! many pointers), skipping values, and counting values up to a limit.

use std::collections::HashMap;

use super::lex::{decode_string_contents, scan_string, skip_ws};

/// The byte offset, in the valid JSON text `json`, of the value an RFC 6901 `pointer` names;
/// when it does not exist (a missing field), the offset of its deepest existing ancestor.
/// With repeated keys the last one counts, as most parsers keep the last. (The unit tests'
/// one-pointer form of [`locate_pointers`].)
#[cfg(test)]
pub fn locate_pointer(json: &[u8], pointer: &str) -> usize {
    locate_pointers(json, &[pointer])[0]
}

/// [`locate_pointer`] for several pointers in one walk over `json`. Only the members on the
/// way to a wanted value are looked at and every other value is skipped, so the walk is
/// linear in the text however many pointers are asked for (a body can have hundreds of
/// thousands of findings, and one walk per finding would be quadratic).
pub fn locate_pointers(json: &[u8], pointers: &[&str]) -> Vec<usize> {
    let mut trie = PointerTrie {
        nodes: vec![TrieNode::default()],
    };
    let paths: Vec<Vec<usize>> = pointers.iter().map(|p| trie.insert(p)).collect();
    let root = skip_ws(json, 0);
    trie.walk(json, root);
    paths
        .iter()
        .map(|path| {
            // Follow the path while each value lies inside its parent's last occurrence: a
            // later repeat of a parent key that lacks the child hides the earlier child.
            let mut at = root;
            let mut range = (root, json.len());
            for &id in path {
                match trie.nodes[id].found {
                    Some((s, e)) if s >= range.0 && e <= range.1 => {
                        at = s;
                        range = (s, e);
                    }
                    _ => break,
                }
            }
            at
        })
        .collect()
}

/// The wanted pointers as a tree of decoded tokens; node 0 is the root value.
struct PointerTrie {
    nodes: Vec<TrieNode>,
}

#[derive(Default)]
struct TrieNode {
    children: HashMap<String, usize>,
    /// Start and end of the value's last occurrence.
    found: Option<(usize, usize)>,
}

/// An open container on the way to wanted values.
struct OpenValue {
    node: usize,
    start: usize,
    is_object: bool,
    index: usize,
}

impl PointerTrie {
    /// Adds `pointer`; returns the nodes along it, root first.
    fn insert(&mut self, pointer: &str) -> Vec<usize> {
        let mut path = vec![0];
        let mut node = 0;
        for raw in pointer.split('/').skip(1) {
            let token = raw.replace("~1", "/").replace("~0", "~");
            node = match self.nodes[node].children.get(&token) {
                Some(&n) => n,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push(TrieNode::default());
                    self.nodes[node].children.insert(token, n);
                    n
                }
            };
            path.push(node);
        }
        path
    }

    /// Records where every wanted value occurs. Iterative, so deep input cannot overflow the
    /// stack; stops quietly on text that is not valid JSON.
    fn walk(&mut self, json: &[u8], root: usize) {
        let mut stack: Vec<OpenValue> = Vec::new();
        let mut pos = root;
        // The trie node of the value at `pos`, when it is wanted.
        let mut node = Some(0);
        loop {
            // A value starts at `pos`.
            let opens = json.get(pos).copied().filter(|c| matches!(c, b'{' | b'['));
            match (node, opens) {
                (Some(n), Some(open)) if !self.nodes[n].children.is_empty() => {
                    let is_object = open == b'{';
                    stack.push(OpenValue {
                        node: n,
                        start: pos,
                        is_object,
                        index: 0,
                    });
                    let first = skip_ws(json, pos + 1);
                    if json.get(first) == Some(if is_object { &b'}' } else { &b']' }) {
                        pos = first;
                    } else {
                        match self.enter(json, first, stack.last().expect("just pushed")) {
                            Some((p, child)) => {
                                pos = p;
                                node = child;
                                continue;
                            }
                            None => return,
                        }
                    }
                }
                _ => {
                    let Some(end) = skip_value(json, pos) else {
                        return;
                    };
                    if let Some(n) = node {
                        self.nodes[n].found = Some((pos, end));
                    }
                    pos = end;
                }
            }
            // A value ended at `pos` (or a container is about to close there).
            loop {
                let Some(top) = stack.last_mut() else {
                    return;
                };
                let p = skip_ws(json, pos);
                match json.get(p) {
                    Some(b',') => {
                        top.index += 1;
                        let next = skip_ws(json, p + 1);
                        match self.enter(json, next, stack.last().expect("non-empty")) {
                            Some((v, child)) => {
                                pos = v;
                                node = child;
                                break;
                            }
                            None => return,
                        }
                    }
                    Some(b'}' | b']') => {
                        let done = stack.pop().expect("non-empty");
                        self.nodes[done.node].found = Some((done.start, p + 1));
                        pos = p + 1;
                    }
                    _ => return,
                }
            }
        }
    }

    /// The member or element starting at `pos` inside `parent`: where its value starts and
    /// its trie node, if wanted.
    fn enter(&self, json: &[u8], pos: usize, parent: &OpenValue) -> Option<(usize, Option<usize>)> {
        let children = &self.nodes[parent.node].children;
        if !parent.is_object {
            return Some((pos, children.get(&parent.index.to_string()).copied()));
        }
        if json.get(pos) != Some(&b'"') {
            return None;
        }
        let (end, escaped) = scan_string(json, pos).ok()?;
        let key = decode_string_contents(&json[pos + 1..end - 1], escaped);
        let colon = skip_ws(json, end);
        if json.get(colon) != Some(&b':') {
            return None;
        }
        Some((
            skip_ws(json, colon + 1),
            children.get(key.as_ref()).copied(),
        ))
    }
}

/// Whether the valid JSON text `json` holds more than `limit` values, counted without
/// building it: as one more than its commas outside strings, which misses only the first
/// value of each container.
pub fn more_values_than(json: &[u8], limit: usize) -> bool {
    let mut values = 1usize;
    let mut i = 0;
    while i < json.len() {
        match json[i] {
            b'"' => match scan_string(json, i) {
                Ok((end, _)) => {
                    i = end;
                    continue;
                }
                Err(_) => return false,
            },
            b',' => {
                values += 1;
                if values > limit {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// The end of the (valid) value starting at `pos`.
fn skip_value(json: &[u8], pos: usize) -> Option<usize> {
    match json.get(pos)? {
        b'"' => scan_string(json, pos).ok().map(|(end, _)| end),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut p = pos;
            while p < json.len() {
                match json[p] {
                    b'"' => {
                        p = scan_string(json, p).ok()?.0;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(p + 1);
                        }
                    }
                    _ => {}
                }
                p += 1;
            }
            None
        }
        _ => {
            let mut p = pos;
            while p < json.len()
                && !matches!(json[p], b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n')
            {
                p += 1;
            }
            Some(p)
        }
    }
}
