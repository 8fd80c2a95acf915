//! The string scanner's hot loops: plain string bytes skipped 32 (AVX2, detected once at
//! run time), 16 (SSE2, the x86_64 baseline; NEON, the aarch64 baseline) or 8 (SWAR) bytes at a
//! time, and whole strings, escapes included, 64 bytes at a time (AVX2, NEON).
//!
//! The 64-byte string scanners share their bit logic ([`StringBlocks`]): each one only loads a
//! block and turns it into bit masks (quotes, backslashes, control characters, escape classes)
//! with its own instructions, so AVX2 and NEON give the same answers by construction, and the
//! tests compare each with the byte loop.

#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "aarch64", target_feature = "neon")
))]
use super::lex::hex4;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `v` that is zero (exact for the lowest such byte).
#[inline]
pub(crate) fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v & HIGHS
}

/// Bytes that end the fast path inside a string: `"`, `\` or a control character.
#[inline]
pub(crate) fn special_bytes(v: u64) -> u64 {
    let quote = zero_bytes(v ^ (ONES * b'"' as u64));
    let backslash = zero_bytes(v ^ (ONES * b'\\' as u64));
    let control = v.wrapping_sub(ONES * 0x20) & !v & HIGHS;
    quote | backslash | control
}

/// A position at or after `i` such that the bytes from `i` up to it are plain string bytes
/// (not `"`, `\\` or a control character), and it holds one that is not, or is within the
/// last 8 bytes of `b` (the caller looks at those one by one): most string bytes are plain
/// text, so this is the scanner's hot loop.
#[inline]
pub(crate) fn skip_plain(b: &[u8], mut i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        i = if avx2::available() {
            // SAFETY: the CPU supports AVX2 (checked at run time just above).
            unsafe { avx2::skip_plain(b, i) }
        } else {
            sse2::skip_plain(b, i)
        };
    }
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    {
        // SAFETY: this build's target has NEON (the `cfg` above; every aarch64 Linux and
        // macOS target does).
        i = unsafe { neon::skip_plain(b, i) };
    }
    skip_plain_swar(b, i)
}

/// [`skip_plain`] eight bytes at a time, on any CPU (and the tail the vector loops leave).
#[inline]
pub(crate) fn skip_plain_swar(b: &[u8], mut i: usize) -> usize {
    while i + 8 <= b.len() {
        let v = u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let m = special_bytes(v);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i
}

/// The escaped bytes of a block whose backslashes are `backslash`; `carry` says whether
/// the block's first byte is escaped, and is updated for the next block. Runs of
/// backslashes are resolved with one addition instead of a branch per escape (the
/// technique of simdjson's stage 1, Langdale and Lemire, 2019).
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "aarch64", target_feature = "neon")
))]
#[inline(always)]
fn escaped_bits(backslash: u64, carry: &mut u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    if backslash == 0 {
        let escaped = *carry;
        *carry = 0;
        return escaped;
    }
    // An escaped backslash escapes nothing.
    let backslash = backslash & !*carry;
    let follows_escape = (backslash << 1) | *carry;
    let odd_starts = backslash & !EVEN & !follows_escape;
    let (sum, overflow) = odd_starts.overflowing_add(backslash);
    *carry = overflow as u64;
    let invert = sum << 1;
    (EVEN ^ invert) & follows_escape
}

/// What a 64-byte string scanner knows between blocks, and the bit logic it applies to each
/// block's masks (bit k = byte k of the block). A scanner loads a block, then calls
/// [`StringBlocks::specials`], [`StringBlocks::escapes`] (when asked to),
/// [`StringBlocks::surrogates`] (when that returns digits) and [`StringBlocks::end`].
///
/// Without `SURROGATES` the "lone surrogate" answer is `true` whenever there is an escape (not
/// worked out, which saves a little per escape).
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "aarch64", target_feature = "neon")
))]
struct StringBlocks<const SURROGATES: bool> {
    /// Whether the next block's first byte is escaped.
    carry: u64,
    /// Bits of the next block that must be hex digits: the end of a `\\uXXXX` begun before.
    hex_due: u64,
    any_escape: bool,
    /// Whether a `\\u` ended the block before (its first digit opens the next one).
    unicode_carry: u64,
    lone_surrogate: bool,
    /// Where the first digit of the low half paired with the last high surrogate is.
    paired_low: usize,
    /// This block's unescaped quotes.
    quotes: u64,
    /// This block's escaped bytes before its first unescaped quote.
    escapes: u64,
}

#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "aarch64", target_feature = "neon")
))]
impl<const SURROGATES: bool> StringBlocks<SURROGATES> {
    #[inline(always)]
    fn new() -> Self {
        StringBlocks {
            carry: 0,
            hex_due: 0,
            any_escape: false,
            unicode_carry: 0,
            lone_surrogate: false,
            paired_low: usize::MAX,
            quotes: 0,
            escapes: 0,
        }
    }

    /// A block's quotes, backslashes and control characters. `None` when a control character
    /// is inside the string; `Some(true)` when the block has escapes or hex digits due, so the
    /// caller must pass its escape classes to [`StringBlocks::escapes`].
    #[inline(always)]
    fn specials(&mut self, q: u64, s: u64, c: u64) -> Option<bool> {
        let escaped = escaped_bits(s, &mut self.carry);
        let quotes = q & !escaped;
        // The bytes before the closing quote, or the whole block when it does not close.
        let inside = if quotes == 0 {
            u64::MAX
        } else {
            (quotes & quotes.wrapping_neg()) - 1
        };
        if c & inside != 0 {
            return None;
        }
        self.quotes = quotes;
        self.escapes = escaped & inside;
        Some(self.escapes | self.hex_due != 0)
    }

    /// Checks the block's escapes against its escape classes: `allowed` (bytes that may follow
    /// a backslash, `"\\/bfnrtu`), `u` and `hex` (hex digits). `None` for a bad escape; otherwise
    /// the first hex digits of its `\\u` escapes (with `SURROGATES`, else 0): the caller passes
    /// those that are `d` or `D` to [`StringBlocks::surrogates`].
    #[inline(always)]
    fn escapes(&mut self, allowed: u64, u: u64, hex: u64) -> Option<u64> {
        let escapes = self.escapes;
        self.any_escape |= escapes != 0;
        let unicode = escapes & u;
        let due = self.hex_due | (unicode << 1) | (unicode << 2) | (unicode << 3) | (unicode << 4);
        if escapes & !allowed != 0 || due & !hex != 0 {
            return None;
        }
        self.hex_due = (unicode >> 63) | (unicode >> 62) | (unicode >> 61) | (unicode >> 60);
        if SURROGATES {
            let first_digits = (unicode << 1) | self.unicode_carry;
            self.unicode_carry = unicode >> 63;
            Some(first_digits)
        } else {
            self.lone_surrogate = self.any_escape;
            Some(0)
        }
    }

    /// Pairs up surrogate escapes: `d` has the first digits (`d` or `D`) of the block at `i`
    /// that may start one. Their digits are read from `b` directly, which works across block
    /// boundaries; a bit mask per block keeps this off the path of nearly every string.
    #[inline]
    fn surrogates(&mut self, b: &[u8], i: usize, mut d: u64) {
        while d != 0 {
            let p = i + d.trailing_zeros() as usize;
            d &= d - 1;
            match hex4(b, p) {
                Some(0xD800..=0xDBFF) => {
                    let low = b.get(p + 4..p + 6) == Some(b"\\u")
                        && matches!(hex4(b, p + 6), Some(0xDC00..=0xDFFF));
                    if low {
                        self.paired_low = p + 6;
                    } else {
                        self.lone_surrogate = true;
                    }
                }
                Some(0xDC00..=0xDFFF) => self.lone_surrogate |= p != self.paired_low,
                _ => {}
            }
        }
    }

    /// After the block at `i` of a line of `len` bytes: the answer when the scan is over
    /// (`Some(None)`: fall back to the byte loop), `None` to go on with the next block.
    #[inline(always)]
    #[allow(clippy::option_option)]
    fn end(&self, i: usize, len: usize) -> Option<Option<(usize, bool, bool)>> {
        if self.quotes != 0 {
            // A hex digit still due would have been where the quote is.
            if self.hex_due != 0 {
                return Some(None);
            }
            return Some(Some((
                i + self.quotes.trailing_zeros() as usize + 1,
                self.any_escape,
                self.lone_surrogate,
            )));
        }
        if i + 64 >= len {
            return Some(None);
        }
        None
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
    //! 32 bytes at a time where the CPU has AVX2 (detected once, at run time).
    use std::arch::x86_64::*;
    use std::sync::atomic::{AtomicU8, Ordering};

    /// 0 = not checked yet, 1 = no, 2 = yes.
    static AVX2: AtomicU8 = AtomicU8::new(0);

    #[inline]
    pub fn available() -> bool {
        match AVX2.load(Ordering::Relaxed) {
            0 => {
                let yes = std::arch::is_x86_feature_detected!("avx2");
                AVX2.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
                yes
            }
            v => v == 2,
        }
    }

    /// Like [`super::skip_plain`], 32 bytes at a time; leaves the last < 32 bytes to the
    /// caller.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn skip_plain(b: &[u8], mut i: usize) -> usize {
        let quote = _mm256_set1_epi8(b'"' as i8);
        let backslash = _mm256_set1_epi8(b'\\' as i8);
        let ctl_max = _mm256_set1_epi8(0x1F);
        while i + 32 <= b.len() {
            // SAFETY: `i + 32 <= b.len()`, so the 32 bytes read are inside the slice, and
            // `loadu` allows any alignment.
            let v = unsafe { _mm256_loadu_si256(b.as_ptr().add(i) as *const __m256i) };
            let q = _mm256_cmpeq_epi8(v, quote);
            let s = _mm256_cmpeq_epi8(v, backslash);
            let c = _mm256_cmpeq_epi8(_mm256_max_epu8(v, ctl_max), ctl_max);
            let m = _mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(q, s), c)) as u32;
            if m != 0 {
                return i + m.trailing_zeros() as usize;
            }
            i += 32;
        }
        i
    }

    /// A 64-byte block as two AVX2 registers.
    #[derive(Clone, Copy)]
    struct Block(__m256i, __m256i);

    impl Block {
        /// Loads the 64 bytes at `p`.
        ///
        /// # Safety
        /// The CPU must support AVX2 and `p..p + 64` must be readable.
        #[target_feature(enable = "avx2")]
        #[inline]
        unsafe fn load(p: *const u8) -> Block {
            // SAFETY: the caller guarantees 64 readable bytes at `p`; `loadu` allows any
            // alignment.
            unsafe {
                Block(
                    _mm256_loadu_si256(p as *const __m256i),
                    _mm256_loadu_si256(p.add(32) as *const __m256i),
                )
            }
        }

        /// Quotes, backslashes and control characters.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn specials(self) -> (u64, u64, u64) {
            let quote = _mm256_set1_epi8(b'"' as i8);
            let backslash = _mm256_set1_epi8(b'\\' as i8);
            let ctl_max = _mm256_set1_epi8(0x1F);
            let Block(lo, hi) = self;
            (
                bits(_mm256_cmpeq_epi8(lo, quote), _mm256_cmpeq_epi8(hi, quote)),
                bits(
                    _mm256_cmpeq_epi8(lo, backslash),
                    _mm256_cmpeq_epi8(hi, backslash),
                ),
                // v <= 0x1F (unsigned) exactly when max(v, 0x1F) == 0x1F.
                bits(
                    _mm256_cmpeq_epi8(_mm256_max_epu8(lo, ctl_max), ctl_max),
                    _mm256_cmpeq_epi8(_mm256_max_epu8(hi, ctl_max), ctl_max),
                ),
            )
        }

        /// What escapes need: bytes that may follow a backslash (`"\\/bfnrtu`), `u`, and
        /// hex digits. Each class is a nibble lookup (`pshufb` on the low and high halves of
        /// every byte, then AND), so there is no branch per escape.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn escape_classes(self) -> (u64, u64, u64) {
            // Escape letters by high nibble: 0x2_ → bit 0, 0x5_ → 1, 0x6_ → 2, 0x7_ → 3.
            #[rustfmt::skip]
            let esc_low = _mm256_setr_epi8(
                0, 0, 0b1101, 0, 0b1000, 0b1000, 0b0100, 0, 0, 0, 0, 0, 0b0010, 0, 0b0100, 0b0001,
                0, 0, 0b1101, 0, 0b1000, 0b1000, 0b0100, 0, 0, 0, 0, 0, 0b0010, 0, 0b0100, 0b0001,
            );
            #[rustfmt::skip]
            let esc_high = _mm256_setr_epi8(
                0, 0, 0b0001, 0, 0, 0b0010, 0b0100, 0b1000, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0b0001, 0, 0, 0b0010, 0b0100, 0b1000, 0, 0, 0, 0, 0, 0, 0, 0,
            );
            // Hex digits: 0x3_ with low 0–9 → bit 0; 0x4_ or 0x6_ with low 1–6 → bit 1.
            #[rustfmt::skip]
            let hex_low = _mm256_setr_epi8(
                1, 3, 3, 3, 3, 3, 3, 1, 1, 1, 0, 0, 0, 0, 0, 0,
                1, 3, 3, 3, 3, 3, 3, 1, 1, 1, 0, 0, 0, 0, 0, 0,
            );
            #[rustfmt::skip]
            let hex_high = _mm256_setr_epi8(
                0, 0, 0, 1, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 1, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            );
            let u = _mm256_set1_epi8(b'u' as i8);
            let Block(lo, hi) = self;
            (
                !bits(
                    no_class(lo, esc_low, esc_high),
                    no_class(hi, esc_low, esc_high),
                ),
                bits(_mm256_cmpeq_epi8(lo, u), _mm256_cmpeq_epi8(hi, u)),
                !bits(
                    no_class(lo, hex_low, hex_high),
                    no_class(hi, hex_low, hex_high),
                ),
            )
        }
    }

    impl Block {
        /// The bytes `d` and `D`.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn letter_d(self) -> u64 {
            // `D` is `d` without bit 5.
            let fold = _mm256_set1_epi8(0x20);
            let d = _mm256_set1_epi8(b'd' as i8);
            let Block(lo, hi) = self;
            bits(
                _mm256_cmpeq_epi8(_mm256_or_si256(lo, fold), d),
                _mm256_cmpeq_epi8(_mm256_or_si256(hi, fold), d),
            )
        }
    }

    /// The sign bits of two 32-byte masks as one 64-bit mask.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn bits(lo: __m256i, hi: __m256i) -> u64 {
        (_mm256_movemask_epi8(lo) as u32 as u64) | ((_mm256_movemask_epi8(hi) as u32 as u64) << 32)
    }

    /// 0xFF for each byte of `v` in none of the classes of the nibble tables `low` and
    /// `high` (a byte is in class k when bit k is set in both its nibbles' entries).
    #[target_feature(enable = "avx2")]
    #[inline]
    fn no_class(v: __m256i, low: __m256i, high: __m256i) -> __m256i {
        let nibble = _mm256_set1_epi8(0x0F);
        let lo = _mm256_and_si256(v, nibble);
        let hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble);
        let both = _mm256_and_si256(_mm256_shuffle_epi8(low, lo), _mm256_shuffle_epi8(high, hi));
        _mm256_cmpeq_epi8(both, _mm256_setzero_si256())
    }

    /// Like `lex::scan_string` 64 bytes at a time, escapes included: `None` for anything
    /// but a well-formed string that closes within `b` (the caller then words the error).
    ///
    /// Returns the position after the closing quote, whether the string holds an escape, and
    /// whether it holds a lone surrogate escape (`\\uD800`–`\\uDFFF` that is not a high half
    /// directly followed by a low half), which JSON readers such as `serde_json` reject.
    ///
    /// Without `SURROGATES` the third answer is `true` whenever there is an escape (not worked
    /// out, which saves a little per escape).
    ///
    /// Surrogates are paired up by looking only at the escapes whose first hex digit is `d`
    /// or `D` (a bit mask per block, so nearly always none), reading their digits from `b`
    /// directly, which works across block boundaries.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn scan_string<const SURROGATES: bool>(
        b: &[u8],
        start: usize,
    ) -> Option<(usize, bool, bool)> {
        let len = b.len();
        let mut i = start + 1;
        // Most strings are short keys and values with no escape: one 32-byte look settles them.
        if i + 32 <= len {
            // SAFETY: AVX2 is available and `i + 32 <= len`; `loadu` allows any alignment.
            let v = unsafe { _mm256_loadu_si256(b.as_ptr().add(i) as *const __m256i) };
            let ctl_max = _mm256_set1_epi8(0x1F);
            let q = _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'"' as i8))) as u32;
            let other = _mm256_movemask_epi8(_mm256_or_si256(
                _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\\' as i8)),
                _mm256_cmpeq_epi8(_mm256_max_epu8(v, ctl_max), ctl_max),
            )) as u32;
            if q != 0 && other & ((q & q.wrapping_neg()) - 1) == 0 {
                return Some((i + q.trailing_zeros() as usize + 1, false, false));
            }
        }
        let mut blocks = super::StringBlocks::<SURROGATES>::new();
        loop {
            let block = if i + 64 <= len {
                // SAFETY: AVX2 is available (this function's contract) and `i + 64 <= len`.
                unsafe { Block::load(b.as_ptr().add(i)) }
            } else {
                // The last bytes, padded with spaces: not special, not hex and not a valid
                // escape, so a string cut short by the line's end falls back.
                let mut tail = [b' '; 64];
                let rest = b.get(i..)?;
                tail[..rest.len()].copy_from_slice(rest);
                // SAFETY: AVX2 is available and `tail` is 64 bytes long.
                unsafe { Block::load(tail.as_ptr()) }
            };
            let (q, s, c) = block.specials();
            if blocks.specials(q, s, c)? {
                let (allowed, u, hex) = block.escape_classes();
                let first_digits = blocks.escapes(allowed, u, hex)?;
                if first_digits != 0 {
                    blocks.surrogates(b, i, first_digits & block.letter_d());
                }
            }
            if let Some(done) = blocks.end(i, len) {
                return done;
            }
            i += 64;
        }
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod sse2 {
    //! SSE2 is part of the x86_64 baseline, so this needs no runtime detection.
    use std::arch::x86_64::*;

    /// Like [`super::skip_plain`], 16 bytes at a time; stops early (before the last 16
    /// bytes) and leaves the rest to the caller.
    #[inline]
    pub fn skip_plain(b: &[u8], mut i: usize) -> usize {
        // SAFETY: SSE2 is always available on x86_64; every load reads 16 bytes starting at
        // `i` with `i + 16 <= b.len()`, inside the slice, and `loadu` allows any alignment.
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let backslash = _mm_set1_epi8(b'\\' as i8);
            let ctl_max = _mm_set1_epi8(0x1F);
            while i + 16 <= b.len() {
                let v = _mm_loadu_si128(b.as_ptr().add(i) as *const __m128i);
                let q = _mm_cmpeq_epi8(v, quote);
                let s = _mm_cmpeq_epi8(v, backslash);
                // v <= 0x1F (unsigned) exactly when max(v, 0x1F) == 0x1F.
                let c = _mm_cmpeq_epi8(_mm_max_epu8(v, ctl_max), ctl_max);
                let m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(q, s), c));
                if m != 0 {
                    return i + m.trailing_zeros() as usize;
                }
                i += 16;
            }
        }
        i
    }
}

#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
pub(crate) mod neon {
    //! NEON (Advanced SIMD) is part of the aarch64 baseline (Graviton, Apple silicon), so this
    //! needs no run-time detection: 16 bytes per register, four registers per 64-byte block.
    //! NEON has no `movemask`; a compare result becomes bits either four per byte (`shrn`
    //! narrowing, cheapest when only the first set byte matters) or one per byte (a weighted
    //! pairwise sum, for the 64-bit block masks the shared bit logic works on).
    use std::arch::aarch64::*;

    /// A 16-byte compare result (0x00 or 0xFF per byte) as 64 bits, four per byte: byte k
    /// set ⇔ bits 4k..4k+4 set.
    #[target_feature(enable = "neon")]
    #[inline]
    fn nibble_mask(m: uint8x16_t) -> u64 {
        vget_lane_u64::<0>(vreinterpret_u64_u8(vshrn_n_u16::<4>(vreinterpretq_u16_u8(
            m,
        ))))
    }

    /// `"`, `\` or a control character (below 0x20), as 0xFF per byte.
    #[target_feature(enable = "neon")]
    #[inline]
    fn specials(v: uint8x16_t) -> uint8x16_t {
        vorrq_u8(
            vorrq_u8(
                vceqq_u8(v, vdupq_n_u8(b'"')),
                vceqq_u8(v, vdupq_n_u8(b'\\')),
            ),
            vcltq_u8(v, vdupq_n_u8(0x20)),
        )
    }

    /// [`nibble_mask`] of 32 bytes (`lo`, then `hi`).
    #[target_feature(enable = "neon")]
    #[inline]
    fn wide_nibble_mask(lo: uint8x16_t, hi: uint8x16_t) -> u128 {
        nibble_mask(lo) as u128 | (nibble_mask(hi) as u128) << 64
    }

    /// `\` or a control character: what may not come before a string's closing quote
    /// for the string to be settled in one look.
    #[target_feature(enable = "neon")]
    #[inline]
    fn not_quote(v: uint8x16_t) -> uint8x16_t {
        vorrq_u8(
            vceqq_u8(v, vdupq_n_u8(b'\\')),
            vcltq_u8(v, vdupq_n_u8(0x20)),
        )
    }

    /// Like [`super::skip_plain`], 16 bytes at a time; stops early (before the last 16
    /// bytes) and leaves the rest to the caller.
    #[target_feature(enable = "neon")]
    #[inline]
    pub fn skip_plain(b: &[u8], mut i: usize) -> usize {
        while i + 16 <= b.len() {
            // SAFETY: `i + 16 <= b.len()`, so the 16 bytes read are inside the slice, and
            // `vld1q_u8` has no alignment requirement.
            let v = unsafe { vld1q_u8(b.as_ptr().add(i)) };
            let m = specials(v);
            // The horizontal maximum is cheaper than building the mask for the usual case.
            if vmaxvq_u8(m) != 0 {
                return i + (nibble_mask(m).trailing_zeros() / 4) as usize;
            }
            i += 16;
        }
        i
    }

    /// A 64-byte block as four NEON registers.
    #[derive(Clone, Copy)]
    struct Block([uint8x16_t; 4]);

    /// Escape letters by low nibble (see `escape_classes`).
    const ESC_LOW: [u8; 16] = [
        0, 0, 0b1101, 0, 0b1000, 0b1000, 0b0100, 0, 0, 0, 0, 0, 0b0010, 0, 0b0100, 0b0001,
    ];
    /// Escape letters by high nibble: 0x2_ → bit 0, 0x5_ → 1, 0x6_ → 2, 0x7_ → 3.
    const ESC_HIGH: [u8; 16] = [
        0, 0, 0b0001, 0, 0, 0b0010, 0b0100, 0b1000, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    /// Hex digits by low nibble: 0x3_ with low 0–9 → bit 0; 0x4_ or 0x6_ with low 1–6 → bit 1.
    const HEX_LOW: [u8; 16] = [1, 3, 3, 3, 3, 3, 3, 1, 1, 1, 0, 0, 0, 0, 0, 0];
    /// Hex digits by high nibble.
    const HEX_HIGH: [u8; 16] = [0, 0, 0, 1, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// A 16-byte table as a register.
    #[target_feature(enable = "neon")]
    #[inline]
    fn table(t: &[u8; 16]) -> uint8x16_t {
        // SAFETY: `t` is 16 readable bytes; `vld1q_u8` has no alignment requirement.
        unsafe { vld1q_u8(t.as_ptr()) }
    }

    impl Block {
        /// Loads the 64 bytes at `p`.
        ///
        /// # Safety
        /// `p..p + 64` must be readable.
        #[target_feature(enable = "neon")]
        #[inline]
        unsafe fn load(p: *const u8) -> Block {
            // SAFETY: the caller guarantees 64 readable bytes at `p`; `vld1q_u8` has no
            // alignment requirement.
            unsafe {
                Block([
                    vld1q_u8(p),
                    vld1q_u8(p.add(16)),
                    vld1q_u8(p.add(32)),
                    vld1q_u8(p.add(48)),
                ])
            }
        }

        /// The block with `f` applied to each register, as one bit per byte.
        #[target_feature(enable = "neon")]
        #[inline]
        fn bits(self, f: impl Fn(uint8x16_t) -> uint8x16_t) -> u64 {
            let Block([a, b, c, d]) = self;
            bits([f(a), f(b), f(c), f(d)])
        }

        /// Quotes, backslashes and control characters.
        #[target_feature(enable = "neon")]
        #[inline]
        fn specials(self) -> (u64, u64, u64) {
            (
                self.bits(|v| vceqq_u8(v, vdupq_n_u8(b'"'))),
                self.bits(|v| vceqq_u8(v, vdupq_n_u8(b'\\'))),
                self.bits(|v| vcltq_u8(v, vdupq_n_u8(0x20))),
            )
        }

        /// What escapes need: bytes that may follow a backslash (`"\\/bfnrtu`), `u`, and
        /// hex digits. Each class is a nibble lookup (`tbl` on the low and high halves of
        /// every byte, then a bit test), so there is no branch per escape.
        #[target_feature(enable = "neon")]
        #[inline]
        fn escape_classes(self) -> (u64, u64, u64) {
            let (esc_low, esc_high) = (table(&ESC_LOW), table(&ESC_HIGH));
            let (hex_low, hex_high) = (table(&HEX_LOW), table(&HEX_HIGH));
            (
                self.bits(|v| class(v, esc_low, esc_high)),
                self.bits(|v| vceqq_u8(v, vdupq_n_u8(b'u'))),
                self.bits(|v| class(v, hex_low, hex_high)),
            )
        }

        /// The bytes `d` and `D` (`D` is `d` without bit 5).
        #[target_feature(enable = "neon")]
        #[inline]
        fn letter_d(self) -> u64 {
            self.bits(|v| vceqq_u8(vorrq_u8(v, vdupq_n_u8(0x20)), vdupq_n_u8(b'd')))
        }
    }

    /// Four 16-byte compare results (0x00 or 0xFF per byte) as one 64-bit mask, bit k for
    /// byte k: each byte keeps its bit of 1, 2, 4 … 128, and three rounds of pairwise
    /// addition gather eight bytes' bits into one byte (as simdjson does on ARM).
    #[target_feature(enable = "neon")]
    #[inline]
    fn bits(m: [uint8x16_t; 4]) -> u64 {
        let weights = vreinterpretq_u8_u64(vdupq_n_u64(0x8040_2010_0804_0201));
        let [a, b, c, d] = m.map(|m| vandq_u8(m, weights));
        let ab = vpaddq_u8(a, b);
        let cd = vpaddq_u8(c, d);
        let abcd = vpaddq_u8(ab, cd);
        vgetq_lane_u64::<0>(vreinterpretq_u64_u8(vpaddq_u8(abcd, abcd)))
    }

    /// 0xFF for each byte of `v` in some class of the nibble tables `low` and `high` (a
    /// byte is in class k when bit k is set in both its nibbles' entries).
    #[target_feature(enable = "neon")]
    #[inline]
    fn class(v: uint8x16_t, low: uint8x16_t, high: uint8x16_t) -> uint8x16_t {
        let lo = vandq_u8(v, vdupq_n_u8(0x0F));
        let hi = vshrq_n_u8::<4>(v);
        vtstq_u8(vqtbl1q_u8(low, lo), vqtbl1q_u8(high, hi))
    }

    /// Like `lex::scan_string` 64 bytes at a time, escapes included: `None` for anything
    /// but a well-formed string that closes within `b` (the caller then words the error).
    /// The same contract and answers as the AVX2 version (`avx2::scan_string`): the position
    /// after the closing quote, whether the string holds an escape, and whether it holds a
    /// lone surrogate escape (with `SURROGATES`; else `true` whenever it holds an escape).
    #[target_feature(enable = "neon")]
    #[inline]
    pub fn scan_string<const SURROGATES: bool>(
        b: &[u8],
        start: usize,
    ) -> Option<(usize, bool, bool)> {
        let len = b.len();
        let mut i = start + 1;
        // Most strings are short keys and values with no escape: one 32-byte look settles them.
        if i + 32 <= len {
            // SAFETY: `i + 32 <= len`, so both 16-byte loads are inside the slice, and
            // `vld1q_u8` has no alignment requirement.
            let (lo, hi) = unsafe {
                (
                    vld1q_u8(b.as_ptr().add(i)),
                    vld1q_u8(b.as_ptr().add(i + 16)),
                )
            };
            let quote = vdupq_n_u8(b'"');
            let q = wide_nibble_mask(vceqq_u8(lo, quote), vceqq_u8(hi, quote));
            let other = wide_nibble_mask(not_quote(lo), not_quote(hi));
            if q != 0 && other & ((q & q.wrapping_neg()) - 1) == 0 {
                return Some((i + (q.trailing_zeros() / 4) as usize + 1, false, false));
            }
        }
        let mut blocks = super::StringBlocks::<SURROGATES>::new();
        loop {
            let block = if i + 64 <= len {
                // SAFETY: `i + 64 <= len`: the 64 bytes are inside the slice.
                unsafe { Block::load(b.as_ptr().add(i)) }
            } else {
                // The last bytes, padded with spaces: not special, not hex and not a valid
                // escape, so a string cut short by the line's end falls back.
                let mut tail = [b' '; 64];
                let rest = b.get(i..)?;
                tail[..rest.len()].copy_from_slice(rest);
                // SAFETY: `tail` is 64 bytes long.
                unsafe { Block::load(tail.as_ptr()) }
            };
            let (q, s, c) = block.specials();
            if blocks.specials(q, s, c)? {
                let (allowed, u, hex) = block.escape_classes();
                let first_digits = blocks.escapes(allowed, u, hex)?;
                if first_digits != 0 {
                    blocks.surrogates(b, i, first_digits & block.letter_d());
                }
            }
            if let Some(done) = blocks.end(i, len) {
                return done;
            }
            i += 64;
        }
    }
}
