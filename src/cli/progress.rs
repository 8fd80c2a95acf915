//! The progress bars: built in one place, drawn on stderr, and only when someone is watching
//! (stderr is a terminal, no `--quiet`/`--no-progress`, a human format, `CI` unset). The
//! checking bar shows only for inputs large enough to notice; S3 listings and transfers
//! ([`install_remote`]) always show, since the network makes even small ones slow.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bedrock_batch::s3::{Direction, RemoteProgress};
use bedrock_batch::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs smaller than this finish before a bar would be seen.
const MIN_BYTES: u64 = 32 << 20;

/// Whether a bar the user `wanted` can be seen: stderr is a terminal and `CI` is unset.
fn visible(wanted: bool) -> bool {
    wanted && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none_or(|v| v.is_empty())
}

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
        let bar = visible(wanted).then(|| {
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

/// What the S3 bars show besides listings and transfers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Bytes read from objects are counted by the command's own checking bar.
    Counted,
    /// Nothing else counts them (`job create --check-s3-input`): a bar of their own, out of
    /// the bytes listed.
    Shown,
}

/// Draws the library's S3 progress reports when `wanted` and someone can see them: a
/// spinner while a prefix is listed, a bar while files are uploaded or downloaded, and with
/// [`Reads::Shown`] a bar of the bytes read. Does nothing otherwise.
pub fn install_remote(wanted: bool, reads: Reads) {
    if visible(wanted) {
        let bars = Arc::new(RemoteBars {
            reads,
            state: Mutex::default(),
        });
        if INSTALLED.set(bars.clone()).is_ok() {
            bedrock_batch::s3::set_progress(bars);
        }
    }
}

/// The bars installed, so an error can clear them before it is printed.
static INSTALLED: std::sync::OnceLock<Arc<RemoteBars>> = std::sync::OnceLock::new();

/// Clears whatever S3 bar is on the screen (a failed transfer leaves its bar behind).
pub fn clear_remote() {
    if let Some(bars) = INSTALLED.get() {
        let mut state = bars.state();
        for bar in [
            state.listing.take(),
            state.transfer.take(),
            state.reading.take(),
        ]
        .into_iter()
        .flatten()
        {
            bar.finish_and_clear();
        }
    }
}

/// The bars of [`install_remote`].
struct RemoteBars {
    reads: Reads,
    state: Mutex<RemoteState>,
}

#[derive(Default)]
struct RemoteState {
    listing: Option<ProgressBar>,
    transfer: Option<ProgressBar>,
    reading: Option<ProgressBar>,
    /// Bytes listed so far: what [`Reads::Shown`] will read.
    to_read: u64,
}

/// A bar of `total` bytes that says `what`.
fn bytes_bar(what: &str, total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {what} {{binary_bytes}}/{{binary_total_bytes}} [{{bar:30}}] {{binary_bytes_per_sec}} {{eta}}"
        ))
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    // Drawn at once, however soon it ends (a fresh bar's first draw is never rate-limited).
    bar.tick();
    bar
}

impl RemoteBars {
    fn state(&self) -> std::sync::MutexGuard<'_, RemoteState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl RemoteProgress for RemoteBars {
    fn listing(&self, prefix: &str, objects: u64, bytes: u64) {
        let mut state = self.state();
        let bar = state.listing.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} listing {prefix}: {msg}")
                    .expect("valid template"),
            );
            bar.set_prefix(prefix.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar.tick();
            bar
        });
        bar.set_message(format!(
            "{} objects, {}",
            bedrock_batch::fmt::group_digits(objects),
            indicatif::BinaryBytes(bytes)
        ));
    }

    fn listed(&self, _uri: &str, _objects: u64, bytes: u64) {
        let mut state = self.state();
        if let Some(bar) = state.listing.take() {
            bar.finish_and_clear();
        }
        state.to_read += bytes;
        // Shown from here: the first bytes are a network round trip away.
        if self.reads == Reads::Shown && bytes > 0 {
            let total = state.to_read;
            match &state.reading {
                Some(bar) => bar.set_length(total),
                None => state.reading = Some(bytes_bar("reading", total)),
            }
        }
    }

    fn read(&self, _object: &str, bytes: u64) {
        if self.reads != Reads::Shown {
            return;
        }
        let mut state = self.state();
        let total = state.to_read;
        let bar = state
            .reading
            .get_or_insert_with(|| bytes_bar("reading", total));
        bar.inc(bytes);
        if bar.position() >= total {
            bar.finish_and_clear();
            state.reading = None;
        }
    }

    fn transfer_start(&self, direction: Direction, prefix: &str, files: u64, bytes: u64) {
        let what = match direction {
            Direction::Upload => format!(
                "uploading {} file{} to {prefix}",
                bedrock_batch::fmt::group_digits(files),
                if files == 1 { "" } else { "s" }
            ),
            Direction::Download => format!("downloading {prefix}"),
        };
        let mut state = self.state();
        if let Some(old) = state.transfer.replace(bytes_bar(&what, bytes)) {
            old.finish_and_clear();
        }
    }

    fn transferred(&self, _direction: Direction, _object: &str, bytes: u64) {
        if let Some(bar) = &self.state().transfer {
            bar.inc(bytes);
        }
    }

    fn transfer_done(&self, _direction: Direction, _prefix: &str) {
        if let Some(bar) = self.state().transfer.take() {
            bar.finish_and_clear();
        }
    }
}
