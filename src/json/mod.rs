//! JSON text, knowing nothing of records or schemas: a validating one-pass scanner for one
//! JSONL line that builds no tree, the lexing it shares with the body tape, and pointer
//! location inside a JSON text.
//!
//! The scanner answers, in one pass and without allocating per value, what the envelope
//! checks need: is the line valid JSON (RFC 8259; where parsing failed if not), is it an
//! object, where are its `recordId` and `modelInput` values, which other top-level keys it
//! has, and which objects at any depth repeat a key. It is iterative (an explicit stack), so
//! nesting depth cannot overflow the thread's stack, and duplicate-key detection switches from
//! a linear scan to a hash set for objects with many keys, so hostile input stays linear.
//!
//! Why not a DOM parser: measured on the benchmark file, building a `simd-json` tape or value
//! for every line costs about twice the whole envelope budget, and `serde_json` cannot report
//! duplicate keys below the top level without materialising every string. When a body schema
//! is checked, [`Scanner::scan_recording`] also hands the `modelInput` value to a
//! [`Recorder`] (the body layer's tape) as it goes, so the body is read once. The scanner's
//! accept/reject decisions are tested against `serde_json` by property tests.
//!
//! The input must already be valid UTF-8 (the caller checks whole chunks at once, which is
//! much faster than checking per string).
//!
//! Files: `scanner` (the record scanner), `recorder` (the recording interface), `lex`
//! (whitespace, strings, numbers, literals, decoding and error wording), `simd` (the string
//! loops), `pointer` (JSON pointers and value walking).

mod lex;
mod pointer;
mod recorder;
mod scanner;
mod simd;
#[cfg(test)]
mod tests;

pub use lex::{char_column, decode_string_contents};
pub(crate) use lex::{hex4, literal, scan_number, scan_string_surrogates, skip_ws};
#[cfg(test)]
use pointer::locate_pointer;
pub use pointer::{locate_pointers, more_values_than};
pub use recorder::Recorder;
pub use scanner::{Envelope, Member, Scanned, Scanner};

/// The JSON type of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// `{…}`
    Object,
    /// `[…]`
    Array,
    /// `"…"`
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
}

impl ValueKind {
    /// The name used in messages: "an object", "a string", …
    pub fn with_article(self) -> &'static str {
        match self {
            ValueKind::Object => "an object",
            ValueKind::Array => "an array",
            ValueKind::String => "a string",
            ValueKind::Number => "a number",
            ValueKind::Bool => "a boolean",
            ValueKind::Null => "null",
        }
    }
}

/// Where and why a line is not valid JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Offset in the line where parsing failed (the line's length for "unexpected end").
    pub offset: usize,
    /// What was wrong, for people.
    pub message: String,
}
