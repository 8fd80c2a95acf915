//! JSON Schema validation of `modelInput` bodies straight from simd-json's borrowed DOM.
//!
//! The validation commands now use [`crate::schema_tape`], which needs no DOM at all and reads
//! each body once, together with its line; this representation is kept as a library API (for
//! callers who hold simd-json values) and as a second reference in the differential tests.
//!
//! Converting every body into a `serde_json::Value` costs more than validating it, so this module
//! lets `jsonschema` walk a [`simd_json::BorrowedValue`] instead: [`SimdJson`] implements the
//! crate's [`Json`] representation traits, and [`BodyParser`] turns body bytes into a root
//! [`SimdNode`] with the parse buffers reused from one body to the next.
//!
//! Guarantee: for any body that `serde_json` parses, a `Validator<SimdJson>` gives the same
//! `is_valid` answer and the same errors (kind, instance path, schema path, instance, order) as a
//! `Validator<SerdeJson>` on `serde_json::from_slice` of the same bytes. Three places where the
//! two parsers read the same text differently are reconciled by [`BodyParser`], once per body:
//!
//! - `-0` is the float `-0.0` to `serde_json` but the integer `0` to simd-json;
//! - a key repeated in an object of at most 32 members is kept twice by simd-json, while
//!   `serde_json` keeps one member, at the first position, with the last value;
//! - objects of more than 32 members are hash maps in simd-json and iterate in hash order;
//!   member order (which orders errors) is recovered from the keys' positions in the buffer.
//!
//! The parsers also accept the same texts: integers past `u64`/`i64` are floats to both (through
//! simd-json's `big-int-as-float` feature), and [`BodyParser`] stops nesting at [`MAX_DEPTH`],
//! where `serde_json` stops, instead of simd-json's 1024. Both reject `1e400`, lone surrogate
//! escapes, raw control characters and bad UTF-8; only the error messages differ.
//!
//! ```
//! use bedrock_batch::internals::{BodyParser, SimdJson};
//! use serde_json::json;
//!
//! let schema = json!({"type": "object", "required": ["max_tokens"]});
//! let validator = jsonschema::options_for::<SimdJson>()
//!     .with_draft(jsonschema::Draft::Draft202012)
//!     .build(&schema)?;
//! let mut parser = BodyParser::new();
//! let valid = parser.parse(br#"{"max_tokens": 512}"#, |root| validator.is_valid(root))?;
//! assert!(valid);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;

use jsonschema::json::{cmp, Array, Json, Node, NodeIdentity, Object};
use jsonschema::types::JsonType;
use serde_json::{Map, Number, Value};
use simd_json::value::borrowed::Object as DomObject;
use simd_json::value::lazy;
use simd_json::{BorrowedValue, Buffers, StaticNode, Tape};

/// `uniqueItems` compares pairwise up to this many elements, as `jsonschema` does for serde
/// values; beyond it the elements are converted and hashed by the crate's own routine.
const PAIRWISE_UNIQUE_LIMIT: usize = 15;

/// The simd-json borrowed DOM as a `jsonschema` instance representation.
///
/// Build validators with `jsonschema::options_for::<SimdJson>()` and feed them the nodes
/// [`BodyParser::parse`] hands out.
pub struct SimdJson;

/// One value of a parsed body: a cheap, copyable handle on a [`BorrowedValue`].
///
/// Only [`BodyParser`] makes these, because the DOM must first be reconciled with `serde_json`'s
/// reading of the text (see the module docs); a raw `to_borrowed_value` result is not.
#[derive(Clone, Copy, Debug)]
pub struct SimdNode<'a>(&'a BorrowedValue<'a>);

impl<'a> SimdNode<'a> {
    /// The underlying simd-json value.
    pub fn value(&self) -> &'a BorrowedValue<'a> {
        self.0
    }
}

/// An object node; see [`Object`].
#[derive(Clone, Copy, Debug)]
pub struct SimdObject<'a>(&'a DomObject<'a>);

/// An array node; see [`Array`].
#[derive(Clone, Copy, Debug)]
pub struct SimdArray<'a>(&'a [BorrowedValue<'a>]);

impl Json for SimdJson {
    type Node<'a> = SimdNode<'a>;
    type PreparedKey = Box<str>;
    type StringBuffer = ();

    // Like `SerdeJson` with `preserve_order`: small objects are vectors scanned linearly, so a
    // members pass over a few keys beats one lookup per required name.
    const KEYS_PER_LOOKUP: usize = 2;
    // A DOM is a tree: no value contains itself.
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>((): &mut (), string: &str, f: impl FnOnce(SimdNode<'_>) -> T) -> T {
        // A borrowed string variant costs nothing to build, so no buffer is needed.
        let node = BorrowedValue::String(Cow::Borrowed(string));
        f(SimdNode(&node))
    }
}

/// The number a static node holds, as the `serde_json::Number` `serde_json` would have parsed.
///
/// Reporting through `serde_json::Number` makes every numeric keyword (`multipleOf`, bounds,
/// `type: integer`, `const`/`enum` equality) run the very code it runs for `SerdeJson`.
fn number_of(node: &StaticNode) -> Option<Number> {
    match *node {
        StaticNode::U64(value) => Some(Number::from(value)),
        StaticNode::I64(value) => Some(Number::from(value)),
        // simd-json rejects numbers past `f64` (`1e400`), so this is always finite.
        StaticNode::F64(value) => Number::from_f64(value),
        StaticNode::Null | StaticNode::Bool(_) => None,
        // The 128-bit variants exist when some crate enables simd-json's `128bit` feature.
        #[allow(unreachable_patterns)]
        _ => {
            use simd_json::prelude::ValueAsScalar;
            node.cast_f64().and_then(Number::from_f64)
        }
    }
}

impl<'a> Node<'a, SimdJson> for SimdNode<'a> {
    type Object = SimdObject<'a>;
    type Array = SimdArray<'a>;
    type Number = Number;

    fn as_object(&self) -> Option<SimdObject<'a>> {
        match self.0 {
            BorrowedValue::Object(members) => Some(SimdObject(members)),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<SimdArray<'a>> {
        match self.0 {
            BorrowedValue::Array(items) => Some(SimdArray(items)),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self.0 {
            BorrowedValue::String(string) => Some(Cow::Borrowed(&**string)),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<Number> {
        match self.0 {
            BorrowedValue::Static(node) => number_of(node),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.0 {
            BorrowedValue::Static(StaticNode::Bool(boolean)) => Some(*boolean),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.0, BorrowedValue::Static(StaticNode::Null))
    }

    fn is_string(&self) -> bool {
        matches!(self.0, BorrowedValue::String(_))
    }

    fn json_type(&self) -> JsonType {
        match self.0 {
            BorrowedValue::Static(StaticNode::Null) => JsonType::Null,
            BorrowedValue::Static(StaticNode::Bool(_)) => JsonType::Boolean,
            BorrowedValue::Static(_) => JsonType::Number,
            BorrowedValue::String(_) => JsonType::String,
            BorrowedValue::Array(_) => JsonType::Array,
            BorrowedValue::Object(_) => JsonType::Object,
        }
    }

    fn string_length(&self) -> Option<u64> {
        match self.0 {
            BorrowedValue::String(string) => Some(string.chars().count() as u64),
            _ => None,
        }
    }

    fn string_length_within(&self, min: u64, max: u64) -> Option<bool> {
        let BorrowedValue::String(string) = self.0 else {
            return None;
        };
        // A code point takes one to four bytes, so the count lies in `ceil(bytes / 4)..=bytes`:
        // most `maxLength` checks on long text are decided without counting.
        let bytes = string.len() as u64;
        let fewest = bytes.div_ceil(4);
        if bytes < min || fewest > max {
            return Some(false);
        }
        if min <= fewest && bytes <= max {
            return Some(true);
        }
        Some((min..=max).contains(&(string.chars().count() as u64)))
    }

    // The default converts the node to a `Value` first; `enum` on every message's `role` would
    // then allocate per record.
    fn equals_value(&self, expected: &Value) -> bool {
        equals_value(self.0, expected)
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(to_serde(self.0))
    }

    fn identity(&self) -> Option<NodeIdentity> {
        // Every value of the tree has its own address for as long as the tree lives; name nodes
        // from `with_string_node` live on the stack, apart from the tree.
        Some(NodeIdentity::new(std::ptr::from_ref(self.0) as usize))
    }
}

/// `const`/`enum` equality under JSON Schema rules: numbers compare mathematically (`1 == 1.0`).
///
/// Recursion is bounded by the DOM's depth, which simd-json caps at 1024.
fn equals_value(node: &BorrowedValue<'_>, expected: &Value) -> bool {
    match (node, expected) {
        (BorrowedValue::String(got), Value::String(expected)) => **got == **expected,
        (BorrowedValue::Static(StaticNode::Null), Value::Null) => true,
        (BorrowedValue::Static(StaticNode::Bool(got)), Value::Bool(expected)) => got == expected,
        (BorrowedValue::Static(got), Value::Number(expected)) => {
            number_of(got).is_some_and(|got| cmp::equal_numbers(&got, expected))
        }
        (BorrowedValue::Array(got), Value::Array(expected)) => {
            got.len() == expected.len()
                && got
                    .iter()
                    .zip(expected)
                    .all(|(got, expected)| equals_value(got, expected))
        }
        // Keys are unique on both sides, so equal counts and every expected key matching means
        // the same key set.
        (BorrowedValue::Object(got), Value::Object(expected)) => {
            got.len() == expected.len()
                && expected.iter().all(|(key, expected)| {
                    got.get(key.as_str())
                        .is_some_and(|got| equals_value(got, expected))
                })
        }
        _ => false,
    }
}

/// Node-to-node equality with the same rules as [`equals_value`], for `uniqueItems`.
fn equal_nodes(left: &BorrowedValue<'_>, right: &BorrowedValue<'_>) -> bool {
    match (left, right) {
        (BorrowedValue::String(left), BorrowedValue::String(right)) => **left == **right,
        (BorrowedValue::Static(left), BorrowedValue::Static(right)) => {
            match (number_of(left), number_of(right)) {
                (Some(left), Some(right)) => cmp::equal_numbers(&left, &right),
                (None, None) => left == right,
                _ => false,
            }
        }
        (BorrowedValue::Array(left), BorrowedValue::Array(right)) => {
            left.len() == right.len()
                && left
                    .iter()
                    .zip(right.iter())
                    .all(|(left, right)| equal_nodes(left, right))
        }
        (BorrowedValue::Object(left), BorrowedValue::Object(right)) => {
            left.len() == right.len()
                && left.iter().all(|(key, left)| {
                    right
                        .get(&**key)
                        .is_some_and(|right| equal_nodes(left, right))
                })
        }
        _ => false,
    }
}

/// The `serde_json::Value` of a node, for error reports and annotations (cold paths).
fn to_serde(value: &BorrowedValue<'_>) -> Value {
    match value {
        BorrowedValue::Static(StaticNode::Null) => Value::Null,
        BorrowedValue::Static(StaticNode::Bool(boolean)) => Value::Bool(*boolean),
        BorrowedValue::Static(node) => number_of(node).map_or(Value::Null, Value::Number),
        BorrowedValue::String(string) => Value::String(string.to_string()),
        BorrowedValue::Array(items) => Value::Array(items.iter().map(to_serde).collect()),
        BorrowedValue::Object(members) => {
            let mut map = Map::with_capacity(members.len());
            for (name, value) in SimdObject(members).members() {
                map.insert(name.to_owned(), to_serde(value.0));
            }
            Value::Object(map)
        }
    }
}

/// Members of an object in document order.
pub struct SimdMembers<'a>(MembersInner<'a>);

enum MembersInner<'a> {
    /// A vector-backed object: stored in document order.
    Stored(<&'a DomObject<'a> as IntoIterator>::IntoIter),
    /// A hash-backed object, put back into document order.
    Sorted(std::vec::IntoIter<(&'a str, &'a BorrowedValue<'a>)>),
}

impl<'a> Iterator for SimdMembers<'a> {
    type Item = (&'a str, SimdNode<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            MembersInner::Stored(members) => members
                .next()
                .map(|(name, value)| (&**name, SimdNode(value))),
            MembersInner::Sorted(members) => {
                members.next().map(|(name, value)| (name, SimdNode(value)))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            MembersInner::Stored(members) => members.size_hint(),
            MembersInner::Sorted(members) => members.size_hint(),
        }
    }
}

impl<'a> Object<'a, SimdJson> for SimdObject<'a> {
    type Node = SimdNode<'a>;
    type MemberName = &'a str;
    type MembersIter = SimdMembers<'a>;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, key: &Box<str>) -> Option<SimdNode<'a>> {
        self.0.get(&**key).map(SimdNode)
    }

    fn members(&self) -> SimdMembers<'a> {
        if self.0.is_vec() {
            return SimdMembers(MembersInner::Stored(self.0.iter()));
        }
        // simd-json unescapes every string in place, so keys sit in the buffer in document
        // order; a hash map keeps the first key of a repeated name, as `serde_json` keeps the
        // first position. Only objects of more than 32 members pay for this.
        let mut members: Vec<(&'a str, &'a BorrowedValue<'a>)> = self
            .0
            .iter()
            .map(|(name, value)| (&**name, value))
            .collect();
        members.sort_unstable_by_key(|(name, _)| name.as_ptr());
        SimdMembers(MembersInner::Sorted(members.into_iter()))
    }
}

/// Elements of an array.
pub struct SimdElements<'a>(std::slice::Iter<'a, BorrowedValue<'a>>);

impl<'a> Iterator for SimdElements<'a> {
    type Item = SimdNode<'a>;

    fn next(&mut self) -> Option<SimdNode<'a>> {
        self.0.next().map(SimdNode)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<'a> Array<'a, SimdJson> for SimdArray<'a> {
    type Node = SimdNode<'a>;
    type ElementsIter = SimdElements<'a>;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn elements(&self) -> SimdElements<'a> {
        SimdElements(self.0.iter())
    }

    fn is_unique(&self) -> bool {
        let items = self.0;
        if items.len() <= PAIRWISE_UNIQUE_LIMIT {
            return items.iter().enumerate().all(|(index, item)| {
                items[index + 1..]
                    .iter()
                    .all(|other| !equal_nodes(item, other))
            });
        }
        let values: Vec<Value> = items.iter().map(to_serde).collect();
        jsonschema::json::unique::is_unique(&values)
    }
}

/// Why a body could not be turned into a DOM.
#[derive(Debug, thiserror::Error)]
pub enum BodyParseError {
    /// simd-json rejected the text: syntax, bad UTF-8, a lone surrogate escape, nesting past
    /// 1024 levels, or a number past `f64` such as `1e400` (all of which `serde_json` rejects too).
    #[error("body is not valid JSON: {0}")]
    Syntax(#[from] simd_json::Error),
}

/// Parses bodies into simd-json DOMs, reusing its buffers from one body to the next.
///
/// One per thread: the input copy, simd-json's stage buffers and the tape all keep their
/// capacity, so a steady stream of bodies allocates only the DOM's own vectors and maps.
pub struct BodyParser {
    /// The body copied with simd-json's padding after it; strings are unescaped in place here.
    input: Vec<u8>,
    buffers: Buffers,
    /// Empty between calls; only its allocation is kept.
    tape: Tape<'static>,
}

impl Default for BodyParser {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for BodyParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyParser")
            .field("capacity", &self.input.capacity())
            .finish_non_exhaustive()
    }
}

/// Deepest nesting of arrays and objects [`BodyParser`] accepts: what `serde_json`'s recursion
/// limit admits, so both parsers take the same documents, and validation (which recurses per
/// level) stays well within a thread's stack, as it does for `serde_json` values.
pub const MAX_DEPTH: usize = 127;

impl BodyParser {
    /// A parser with buffers sized for typical bodies; they grow as needed.
    pub fn new() -> Self {
        const TYPICAL_BODY: usize = 8 * 1024;
        BodyParser {
            input: Vec::with_capacity(TYPICAL_BODY + simd_json::INPUT_PADDING),
            buffers: Buffers::with_max_depth(TYPICAL_BODY, MAX_DEPTH),
            tape: Tape(Vec::new()),
        }
    }

    /// Parses `body` and calls `f` with its root node.
    ///
    /// The node borrows the parser, so whatever `f` keeps must be owned (an error list can be
    /// made `'static` with `ValidationError::to_owned`).
    ///
    /// # Errors
    ///
    /// [`BodyParseError`] when `body` is not JSON simd-json accepts.
    pub fn parse<T>(
        &mut self,
        body: &[u8],
        f: impl FnOnce(SimdNode<'_>) -> T,
    ) -> Result<T, BodyParseError> {
        self.input.clear();
        self.input.extend_from_slice(body);
        // The padding's content does not matter; simd-json reads past the end in SIMD blocks.
        self.input
            .resize(body.len() + simd_json::INPUT_PADDING, b' ');
        let mut tape = std::mem::replace(&mut self.tape, Tape(Vec::new())).reset();
        let parsed =
            simd_json::fill_tape_padded(&mut self.input, body.len(), &mut self.buffers, &mut tape);
        let result = match parsed {
            Ok(()) => {
                let mut root = lazy::Value::from_tape(tape.as_value()).into_value();
                reconcile(&mut root);
                Ok(f(SimdNode(&root)))
            }
            Err(error) => Err(BodyParseError::Syntax(error)),
        };
        self.tape = tape.reset();
        result
    }
}

/// Makes the DOM read like `serde_json`'s parse of the same text (see the module docs).
///
/// Recursion is bounded by simd-json's depth cap of 1024.
fn reconcile(value: &mut BorrowedValue<'_>) {
    match value {
        // simd-json reads every non-negative integer as `U64`, so `I64(0)` can only be `-0`,
        // which `serde_json` reads as a float.
        BorrowedValue::Static(StaticNode::I64(0)) => {
            *value = BorrowedValue::Static(StaticNode::F64(-0.0));
        }
        BorrowedValue::Static(_) | BorrowedValue::String(_) => {}
        BorrowedValue::Array(items) => {
            for item in items.iter_mut() {
                reconcile(item);
            }
        }
        BorrowedValue::Object(members) => {
            if members.is_vec() && has_repeated_key(members) {
                merge_repeated_keys(members);
            }
            for (_, member) in members.iter_mut() {
                reconcile(member);
            }
        }
    }
}

/// Whether a vector-backed object names a key twice: `O(n²)` over at most 32 keys, and most
/// comparisons stop at the length.
fn has_repeated_key(members: &DomObject<'_>) -> bool {
    members.iter().enumerate().any(|(index, (name, _))| {
        members
            .iter()
            .take(index)
            .any(|(earlier, _)| **earlier == **name)
    })
}

/// Rebuilds a vector-backed object the way `serde_json` (`preserve_order`) builds a map: one
/// member per key, at its first position, holding its last value.
fn merge_repeated_keys(members: &mut DomObject<'_>) {
    let entries = std::mem::take(members);
    for (name, value) in entries {
        // A vector-backed insert overwrites the value in place and keeps the position.
        members.insert(name, value);
    }
}

#[cfg(test)]
mod tests;
