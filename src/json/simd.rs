//! The string scanner's hot loops: plain string bytes skipped 32 (AVX2, detected once at
//! run time), 16 (SSE2, the x86_64 baseline) or 8 (SWAR) bytes at a time.

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

/// The first position at or after `i` holding `"`, `\\` or a control character (or the
/// end): most string bytes are plain text, so this is the scanner's hot loop.
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
    // Eight bytes at a time (and the tail the SIMD loop leaves).
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

    /// The escaped bytes of a block whose backslashes are `backslash`; `carry` says whether
    /// the block's first byte is escaped, and is updated for the next block. Runs of
    /// backslashes are resolved with one addition instead of a branch per escape (the
    /// technique of simdjson's stage 1, Langdale and Lemire, 2019).
    #[inline]
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
        let mut carry = 0u64;
        // Bits of this block that must be hex digits: the end of a `\\uXXXX` begun in the
        // block before.
        let mut hex_due = 0u64;
        let mut any_escape = false;
        // Whether a `\\u` ended the block before (its first digit opens this one), and whether
        // some `\\u` was followed by `d`/`D`.
        let mut unicode_carry = 0u64;
        let mut lone_surrogate = false;
        // Where the first digit of the low half paired with the last high surrogate is.
        let mut paired_low = usize::MAX;
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
            let escaped = escaped_bits(s, &mut carry);
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
            let escapes = escaped & inside;
            if escapes | hex_due != 0 {
                any_escape |= escapes != 0;
                let (allowed, u, hex) = block.escape_classes();
                let unicode = escapes & u;
                let due =
                    hex_due | (unicode << 1) | (unicode << 2) | (unicode << 3) | (unicode << 4);
                if escapes & !allowed != 0 || due & !hex != 0 {
                    return None;
                }
                hex_due = (unicode >> 63) | (unicode >> 62) | (unicode >> 61) | (unicode >> 60);
                if SURROGATES {
                    let first_digits = (unicode << 1) | unicode_carry;
                    let mut d = if first_digits != 0 {
                        first_digits & block.letter_d()
                    } else {
                        0
                    };
                    while d != 0 {
                        let p = i + d.trailing_zeros() as usize;
                        d &= d - 1;
                        match super::hex4(b, p) {
                            Some(0xD800..=0xDBFF) => {
                                let low = b.get(p + 4..p + 6) == Some(b"\\u")
                                    && matches!(super::hex4(b, p + 6), Some(0xDC00..=0xDFFF));
                                if low {
                                    paired_low = p + 6;
                                } else {
                                    lone_surrogate = true;
                                }
                            }
                            Some(0xDC00..=0xDFFF) => lone_surrogate |= p != paired_low,
                            _ => {}
                        }
                    }
                    unicode_carry = unicode >> 63;
                } else {
                    lone_surrogate = any_escape;
                }
            }
            if quotes != 0 {
                // A hex digit still due would have been where the quote is.
                if hex_due != 0 {
                    return None;
                }
                return Some((
                    i + quotes.trailing_zeros() as usize + 1,
                    any_escape,
                    lone_surrogate,
                ));
            }
            if i + 64 >= len {
                return None;
            }
            i += 64;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
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
