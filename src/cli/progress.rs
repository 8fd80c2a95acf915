//! The progress bar: built in one place, drawn on stderr, and only when someone is watching
//! (stderr is a terminal, no `--quiet`/`--no-progress`, a human format, `CI` unset) and the
//! input is large enough to notice.

use std::io::IsTerminal;
use std::time::Duration;

use bedrock_batch::validate::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs smaller than this finish before a bar would be seen.
const MIN_BYTES: u64 = 32 << 20;

/// A [`Progress`] drawn with indicatif, or nothing.
pub struct Bar {
    bar: Option<ProgressBar>,
    verb: &'static str,
}

impl Bar {
    /// A bar if `wanted` and someone can see it.
    pub fn new(wanted: bool) -> Bar {
        Bar::with_verb(wanted, "checking")
    }

    /// A bar that says `verb` (`checking`, `writing`) for what it measures.
    pub fn with_verb(wanted: bool, verb: &'static str) -> Bar {
        let visible = wanted
            && std::io::stderr().is_terminal()
            && std::env::var_os("CI").is_none_or(|v| v.is_empty());
        let bar = visible.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "{{spinner}} {verb} {{binary_bytes}}/{{binary_total_bytes}} [{{bar:30}}] {{binary_bytes_per_sec}} {{eta}}"
                ))
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar
        });
        Bar { bar, verb }
    }
}

impl Progress for Bar {
    fn start(&self, total: Option<u64>) {
        if let Some(bar) = &self.bar {
            match total {
                Some(t) if t < MIN_BYTES => bar.set_draw_target(ProgressDrawTarget::hidden()),
                Some(t) => bar.set_length(t),
                None => {
                    bar.set_style(
                        ProgressStyle::with_template(&format!(
                            "{{spinner}} {} {{binary_bytes}} {{binary_bytes_per_sec}}",
                            self.verb
                        ))
                        .expect("valid template"),
                    );
                }
            }
            bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
