//! The built tape as a `jsonschema` instance: [`TapeNode`], [`TapeObject`], [`TapeArray`] implement
//! `jsonschema::json::{Node, Object, Array}`, so validators run on the tape without building a
//! `serde_json::Value`.

use super::*;
use crate::json::decode_string_contents;
use jsonschema::json::{cmp, Array, Json, Node, NodeIdentity, Object};
use jsonschema::types::JsonType;
use serde_json::{Map, Number, Value};
use std::borrow::Cow;

/// A built tape and the body it spans.
#[derive(Clone, Copy, Debug)]
pub struct Doc<'a> {
    pub(super) text: &'a str,
    pub(super) entries: &'a [Entry],
    pub(super) numbers: &'a [Number],
}

impl<'a> Doc<'a> {
    /// The bytes of a string's contents (between its quotes) or a number's literal.
    #[inline]
    pub(super) fn raw(&self, e: &Entry) -> &'a str {
        let span = e.start as usize..e.end as usize;
        debug_assert!(self.text.get(span.clone()).is_some());
        // SAFETY: a `Doc` is only made by `BodyTape::with_root`, after checking that every
        // entry's span is ordered and that both its ends are char boundaries of `text` (so
        // within it). Skipping the checks here matters: member names are sliced by every
        // keyword that looks at an object.
        unsafe { self.text.get_unchecked(span) }
    }

    pub(super) fn string(&self, index: usize) -> Cow<'a, str> {
        let e = &self.entries[index];
        let raw = self.raw(e);
        if e.escaped {
            decode_string_contents(raw.as_bytes(), true)
        } else {
            Cow::Borrowed(raw)
        }
    }

    /// Whether the string at `index` reads as `expected`, without decoding when it has no
    /// escape.
    pub(super) fn string_is(&self, index: usize, expected: &str) -> bool {
        let e = &self.entries[index];
        if e.escaped {
            self.string(index) == expected
        } else {
            self.raw(e) == expected
        }
    }
}

/// One value of a body: a node of the tape, or a free-standing string (a property name that
/// `propertyNames` validates).
#[derive(Clone, Copy, Debug)]
pub enum TapeNode<'a> {
    /// The value at an index of the tape.
    Tape(Doc<'a>, usize),
    /// A string that is not part of the tape.
    Str(&'a str),
}

/// An object node; see [`Object`].
#[derive(Clone, Copy, Debug)]
pub struct TapeObject<'a>(Doc<'a>, usize);

/// An array node; see [`Array`].
#[derive(Clone, Copy, Debug)]
pub struct TapeArray<'a>(Doc<'a>, usize);

impl Json for TapeJson {
    type Node<'a> = TapeNode<'a>;
    type PreparedKey = Box<str>;
    type StringBuffer = ();

    // Objects are scanned linearly, so a members pass over a few keys beats one lookup per
    // required name.
    const KEYS_PER_LOOKUP: usize = 2;
    // A tape is a tree: no value contains itself.
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>((): &mut (), string: &str, f: impl FnOnce(TapeNode<'_>) -> T) -> T {
        f(TapeNode::Str(string))
    }
}

impl<'a> TapeNode<'a> {
    pub(super) fn entry(&self) -> Option<(Doc<'a>, usize, &'a Entry)> {
        match *self {
            TapeNode::Tape(doc, index) => Some((doc, index, &doc.entries[index])),
            TapeNode::Str(_) => None,
        }
    }

    pub(super) fn kind(&self) -> Kind {
        self.entry().map_or(Kind::String, |(_, _, e)| e.kind)
    }

    /// The member `key` of an object node.
    pub fn get(&self, key: &str) -> Option<TapeNode<'a>> {
        self.as_object().and_then(|o| o.find(key))
    }
}

impl<'a> Node<'a, TapeJson> for TapeNode<'a> {
    type Object = TapeObject<'a>;
    type Array = TapeArray<'a>;
    type Number = Number;

    fn as_object(&self) -> Option<TapeObject<'a>> {
        match self.entry()? {
            (doc, index, e) if e.kind == Kind::Object => Some(TapeObject(doc, index)),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<TapeArray<'a>> {
        match self.entry()? {
            (doc, index, e) if e.kind == Kind::Array => Some(TapeArray(doc, index)),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match *self {
            TapeNode::Str(s) => Some(Cow::Borrowed(s)),
            TapeNode::Tape(doc, index) => {
                (doc.entries[index].kind == Kind::String).then(|| doc.string(index))
            }
        }
    }

    fn as_number(&self) -> Option<Number> {
        match self.entry()? {
            (doc, _, e) if e.kind == Kind::Number => Some(doc.numbers[e.count as usize].clone()),
            _ => None,
        }
    }

    fn is_number(&self) -> bool {
        self.kind() == Kind::Number
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.kind() {
            Kind::True => Some(true),
            Kind::False => Some(false),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        self.kind() == Kind::Null
    }

    fn is_string(&self) -> bool {
        self.kind() == Kind::String
    }

    fn json_type(&self) -> JsonType {
        match self.kind() {
            Kind::Null => JsonType::Null,
            Kind::False | Kind::True => JsonType::Boolean,
            Kind::Number => JsonType::Number,
            Kind::String => JsonType::String,
            Kind::Array => JsonType::Array,
            Kind::Object => JsonType::Object,
        }
    }

    fn string_length_within(&self, min: u64, max: u64) -> Option<bool> {
        // A code point is one to four bytes of UTF-8, or an escape of up to twelve (a
        // surrogate pair), so the count lies in `ceil(bytes / 4)..=bytes` for plain text and
        // in `ceil(bytes / 12)..=bytes` for escaped text: most `minLength`/`maxLength` checks
        // on long text are decided without decoding or counting.
        let (bytes, widest) = match *self {
            TapeNode::Str(s) => (s.len() as u64, 4),
            TapeNode::Tape(doc, index) => {
                let e = &doc.entries[index];
                if e.kind != Kind::String {
                    return None;
                }
                (u64::from(e.end - e.start), if e.escaped { 12 } else { 4 })
            }
        };
        let fewest = bytes.div_ceil(widest);
        if bytes < min || fewest > max {
            return Some(false);
        }
        if min <= fewest && bytes <= max {
            return Some(true);
        }
        self.string_length()
            .map(|count| (min..=max).contains(&count))
    }

    // The default converts the node to a `Value` first; `enum` on every message's `role` would
    // then allocate per record.
    fn equals_value(&self, expected: &Value) -> bool {
        equals_value(*self, expected)
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(to_serde(*self))
    }

    fn identity(&self) -> Option<NodeIdentity> {
        match *self {
            // Every value of a tape has its own index for as long as the tape lives; name
            // nodes from `with_string_node` live on the stack, apart from it.
            TapeNode::Tape(doc, index) => Some(NodeIdentity::tagged(
                doc.entries.as_ptr() as usize,
                index as u32,
            )),
            TapeNode::Str(s) => Some(NodeIdentity::tagged(s.as_ptr() as usize, u32::MAX)),
        }
    }
}

/// `const`/`enum` equality under JSON Schema rules: numbers compare mathematically (`1 == 1.0`).
/// Recursion is bounded by the tape's depth cap.
pub(super) fn equals_value(node: TapeNode<'_>, expected: &Value) -> bool {
    match (node.json_type(), expected) {
        (JsonType::String, Value::String(expected)) => match node {
            TapeNode::Str(s) => s == expected,
            TapeNode::Tape(doc, index) => doc.string_is(index, expected),
        },
        (JsonType::Null, Value::Null) => true,
        (JsonType::Boolean, Value::Bool(expected)) => node.as_boolean() == Some(*expected),
        (JsonType::Number, Value::Number(expected)) => node
            .as_number()
            .is_some_and(|got| cmp::equal_numbers(&got, expected)),
        (JsonType::Array, Value::Array(expected)) => {
            let got = node.as_array().expect("an array");
            got.len() == expected.len()
                && got
                    .elements()
                    .zip(expected)
                    .all(|(got, expected)| equals_value(got, expected))
        }
        // Keys are unique on both sides, so equal counts and every expected key matching means
        // the same key set.
        (JsonType::Object, Value::Object(expected)) => {
            let got = node.as_object().expect("an object");
            got.len() == expected.len()
                && expected.iter().all(|(key, expected)| {
                    got.find(key).is_some_and(|got| equals_value(got, expected))
                })
        }
        _ => false,
    }
}

/// Node-to-node equality with the same rules as [`equals_value`], for `uniqueItems`.
pub(super) fn equal_nodes(left: TapeNode<'_>, right: TapeNode<'_>) -> bool {
    match (left.json_type(), right.json_type()) {
        (JsonType::String, JsonType::String) => left.as_string() == right.as_string(),
        (JsonType::Number, JsonType::Number) => match (left.as_number(), right.as_number()) {
            (Some(l), Some(r)) => cmp::equal_numbers(&l, &r),
            _ => false,
        },
        (JsonType::Array, JsonType::Array) => {
            let (l, r) = (
                left.as_array().expect("array"),
                right.as_array().expect("array"),
            );
            l.len() == r.len()
                && l.elements()
                    .zip(r.elements())
                    .all(|(l, r)| equal_nodes(l, r))
        }
        (JsonType::Object, JsonType::Object) => {
            let (l, r) = (
                left.as_object().expect("object"),
                right.as_object().expect("object"),
            );
            l.len() == r.len()
                && l.members()
                    .all(|(key, l)| r.find(&key).is_some_and(|r| equal_nodes(l, r)))
        }
        (JsonType::Null, JsonType::Null) => true,
        (JsonType::Boolean, JsonType::Boolean) => left.as_boolean() == right.as_boolean(),
        _ => false,
    }
}

/// The `serde_json::Value` of a node, for error reports and annotations (cold paths).
pub(super) fn to_serde(node: TapeNode<'_>) -> Value {
    match node.json_type() {
        JsonType::Null => Value::Null,
        JsonType::Boolean => Value::Bool(node.as_boolean() == Some(true)),
        JsonType::Number => node.as_number().map_or(Value::Null, Value::Number),
        JsonType::String => Value::String(node.as_string().unwrap_or_default().into_owned()),
        JsonType::Array => Value::Array(
            node.as_array()
                .expect("an array")
                .elements()
                .map(to_serde)
                .collect(),
        ),
        JsonType::Object => {
            let object = node.as_object().expect("an object");
            let mut map = Map::with_capacity(object.len());
            for (name, value) in object.members() {
                map.insert(name.into_owned(), to_serde(value));
            }
            Value::Object(map)
        }
        // `JsonType::Integer` is never a node's type.
        _ => Value::Null,
    }
}

impl<'a> TapeObject<'a> {
    /// The member named `key`.
    pub(super) fn find(&self, key: &str) -> Option<TapeNode<'a>> {
        let TapeObject(doc, index) = *self;
        MemberEntries::new(doc.entries, index)
            .find(|&(k, _)| doc.string_is(k, key))
            .map(|(_, v)| TapeNode::Tape(doc, v))
    }
}

/// Members of an object in document order.
pub struct TapeMembers<'a> {
    pub(super) doc: Doc<'a>,
    pub(super) inner: MemberEntries<'a>,
}

impl<'a> Iterator for TapeMembers<'a> {
    type Item = (Cow<'a, str>, TapeNode<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let (key, value) = self.inner.next()?;
        Some((self.doc.string(key), TapeNode::Tape(self.doc, value)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.inner.left as usize;
        (left, Some(left))
    }
}

impl<'a> Object<'a, TapeJson> for TapeObject<'a> {
    type Node = TapeNode<'a>;
    type MemberName = Cow<'a, str>;
    type MembersIter = TapeMembers<'a>;

    fn len(&self) -> usize {
        self.0.entries[self.1].count as usize
    }

    fn get(&self, key: &Box<str>) -> Option<TapeNode<'a>> {
        self.find(key)
    }

    fn members(&self) -> TapeMembers<'a> {
        TapeMembers {
            doc: self.0,
            inner: MemberEntries::new(self.0.entries, self.1),
        }
    }
}

/// Elements of an array.
pub struct TapeElements<'a> {
    pub(super) doc: Doc<'a>,
    pub(super) at: usize,
    pub(super) left: u32,
}

impl<'a> Iterator for TapeElements<'a> {
    type Item = TapeNode<'a>;

    fn next(&mut self) -> Option<TapeNode<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let node = TapeNode::Tape(self.doc, self.at);
        self.at = self.doc.entries[self.at].next as usize;
        Some(node)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl<'a> Array<'a, TapeJson> for TapeArray<'a> {
    type Node = TapeNode<'a>;
    type ElementsIter = TapeElements<'a>;

    fn len(&self) -> usize {
        self.0.entries[self.1].count as usize
    }

    fn elements(&self) -> TapeElements<'a> {
        TapeElements {
            doc: self.0,
            at: self.1 + 1,
            left: self.0.entries[self.1].count,
        }
    }

    fn is_unique(&self) -> bool {
        let items: Vec<TapeNode<'a>> = self.elements().collect();
        if items.len() <= PAIRWISE_UNIQUE_LIMIT {
            return items.iter().enumerate().all(|(index, item)| {
                items[index + 1..]
                    .iter()
                    .all(|other| !equal_nodes(*item, *other))
            });
        }
        let values: Vec<Value> = items.into_iter().map(to_serde).collect();
        jsonschema::json::unique::is_unique(&values)
    }
}
