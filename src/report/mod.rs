//! Renderers of a [`Report`]: each output format is its own small module that writes to any
//! `io::Write`, so each can be tested on its own and the binary only picks one.

pub mod json;
pub mod text;

pub use crate::validate::Report;
