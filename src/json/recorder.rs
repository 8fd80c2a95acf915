//! The interface through which the record scanner hands a `modelInput` value to whoever
//! records it (the body layer's tape), so that this layer knows nothing of its consumers.
//!
//! The scanner is generic over the recorder and monomorphised for each, so the plain scan
//! (the `()` recorder) has no recording branches at all and the recording scan calls the
//! tape's methods directly.

/// Receives the values of one `modelInput` body, in document order, as the scanner reads
/// them. Positions are byte offsets in the body (the value's first byte is 0); a container's
/// members (key, then value) or elements come between its `open` and its `close`.
pub trait Recorder {
    /// Whether this recorder records at all; `false` compiles every recording call out.
    const RECORDS: bool = true;

    /// A new body starts (also called once per line before scanning).
    fn begin(&mut self);
    /// The body ended after `len` bytes.
    fn finish(&mut self, len: usize);
    /// An object (`is_object`) or array opens at `at`.
    fn open(&mut self, is_object: bool, at: usize);
    /// The innermost container closes; the scanner has already checked its keys for repeats.
    fn close(&mut self);
    /// A string (a value or a key) spans `quote..end` of `body`, quotes included; `escaped`
    /// tells whether it holds a backslash escape, `maybe_lone_surrogate` whether it may hold
    /// a lone surrogate escape (`false` only when it certainly does not).
    fn string(
        &mut self,
        body: &[u8],
        quote: usize,
        end: usize,
        escaped: bool,
        maybe_lone_surrogate: bool,
    );
    /// A number spans `start..end` of `body`.
    fn number(&mut self, body: &[u8], start: usize, end: usize);
    /// `true`, `false` (`Some`) or `null` (`None`) spans `start..end`.
    fn constant(&mut self, value: Option<bool>, start: usize, end: usize);
    /// A value (a member's or an element) ended: it counts in its container.
    fn ended(&mut self);
    /// The scanner saw something the recorder cannot take (a key repeated in one object):
    /// the rest of this body is not worth recording.
    fn decline(&mut self);
}

/// Records nothing: the plain scan.
impl Recorder for () {
    const RECORDS: bool = false;

    #[inline(always)]
    fn begin(&mut self) {}
    #[inline(always)]
    fn finish(&mut self, _len: usize) {}
    #[inline(always)]
    fn open(&mut self, _is_object: bool, _at: usize) {}
    #[inline(always)]
    fn close(&mut self) {}
    #[inline(always)]
    fn string(&mut self, _: &[u8], _: usize, _: usize, _: bool, _: bool) {}
    #[inline(always)]
    fn number(&mut self, _body: &[u8], _start: usize, _end: usize) {}
    #[inline(always)]
    fn constant(&mut self, _value: Option<bool>, _start: usize, _end: usize) {}
    #[inline(always)]
    fn ended(&mut self) {}
    #[inline(always)]
    fn decline(&mut self) {}
}
