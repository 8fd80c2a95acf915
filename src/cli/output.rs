//! Writing to stdout: colour choice, and a closed pipe (`| head`) ending the run quietly.

use std::io::{self, IsTerminal, Write};

use clap::ValueEnum;

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal, unless `NO_COLOR` is set (`CLICOLOR_FORCE` forces it).
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour stdout.
    pub fn enabled(self) -> bool {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                if set("NO_COLOR") {
                    false
                } else if set("CLICOLOR_FORCE") {
                    true
                } else {
                    io::stdout().is_terminal()
                        && std::env::var_os("CLICOLOR").is_none_or(|v| v != "0")
                        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
                }
            }
        }
    }
}

/// What writing the report came to.
pub enum Written {
    /// Everything was written.
    Ok,
    /// The reader went away (closed pipe): stop quietly.
    Closed,
}

/// Runs `f` on a locked, buffered stdout; a closed pipe is not an error.
pub fn with_stdout(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<Written> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let result = f(&mut out).and_then(|()| out.flush());
    match result {
        Ok(()) => Ok(Written::Ok),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(Written::Closed),
        Err(e) => Err(e),
    }
}

/// [`local_output`], except that `s3://bucket/…` is taken: `shard --out` and `fix --out`
/// write there themselves (docs/s3.md; a build without the `s3` feature refuses it in the
/// library, with one line).
pub fn local_or_s3_output(flag: &str, path: &std::path::Path) -> Result<(), String> {
    if bedrock_batch::s3::is_s3(path) {
        return Ok(());
    }
    local_output(flag, path)
}

/// Refuses an output path that is a URI (`s3://bucket/prefix/`, `gs://…`, `https://…`):
/// written as a local path it would make a folder named `s3:`. `flag` names the option in
/// the message. The one place that decides which outputs can be written (S3 support may
/// take `s3://` here).
pub fn local_output(flag: &str, path: &std::path::Path) -> Result<(), String> {
    let text = path.to_string_lossy();
    let Some((scheme, _)) = text.split_once("://") else {
        return Ok(());
    };
    // A scheme is a letter then letters, digits, `+`, `-` or `.` (RFC 3986); two characters at
    // least, so that a Windows drive (`C:/`) is never taken for one.
    let is_scheme = scheme.len() >= 2
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        return Ok(());
    }
    let hint = if scheme.eq_ignore_ascii_case("s3") {
        format!("write to a local path, then upload it to {text} with `aws s3 cp` or `aws s3 sync`")
    } else {
        "give a local path".to_string()
    };
    Err(format!(
        "{flag} {text}: writing to {scheme}:// is not supported; {hint}. Nothing was written"
    ))
}
