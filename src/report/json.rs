//! `--format json`: the whole report as one JSON document (the design's JSON contract).

use std::io::{self, Write};

use crate::validate::Report;

/// Writes `report` as one pretty-printed JSON document followed by a newline.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}
