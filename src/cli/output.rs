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
