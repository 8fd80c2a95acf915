//! The packing plan of `shard`: which valid records go to which job, and which file of it.
//!
//! Input: the output size of every valid record, in input order, as prefix sums
//! (`ends[i]` = bytes of records `0..i`, so `ends[0] == 0` and record `i` has
//! `ends[i + 1] - ends[i]` bytes, its `\n` included). Output: jobs and files as contiguous
//! ranges of record indexes, in order, so concatenating the files gives back the records.
//!
//! Guarantees (each one is a property test below):
//! - every job holds at least `min_records_per_job` and at most `max_records_per_job`
//!   records and `max_job_bytes` bytes; every file at most `max_records_per_file` records and
//!   `max_file_bytes` bytes; no job or file is empty;
//! - the number of jobs is the smallest that fits the per-job quotas, and the number of files
//!   of a job the smallest that fits the per-file quotas;
//! - sizes are balanced: among all cuts into that many parts, the plan minimises the largest
//!   distance of a cut from its ideal place (`k/J` of the total), measured in the quota that
//!   binds (records, or bytes when bytes need more parts). A short last job or file happens
//!   only when nothing else fits;
//! - [`plan`] refuses exactly when no cut satisfies the quotas, and says which quota and by
//!   how much.
//!
//! How: the fewest parts come from a dynamic program over cut positions (a sliding-window
//! minimum, O(n)). Balance comes from a search on the allowed distance `d`: for a given `d`,
//! the positions a cut `k` may take form a window around its ideal place, and a forward pass
//! over the windows keeps the positions reachable by valid parts from the start; the smallest
//! `d` for which the end is reachable is found by doubling then bisection, and a backward pass
//! picks, for every cut, the reachable position nearest its ideal place. The work of a pass is
//! the total width of its windows, small for the `d` that matter.

use std::ops::Range;

use serde::Serialize;

use crate::quota::QuotaProfile;
use crate::text::group_digits;

/// One of the five quotas, for refusal messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quota {
    /// `--min-records-per-job`.
    MinRecordsPerJob,
    /// `--max-records-per-file`.
    MaxRecordsPerFile,
    /// `--max-records-per-job`.
    MaxRecordsPerJob,
    /// `--max-file-bytes`.
    MaxFileBytes,
    /// `--max-job-bytes`.
    MaxJobBytes,
}

impl Quota {
    /// The command-line flag that overrides it.
    pub fn flag(self) -> &'static str {
        match self {
            Quota::MinRecordsPerJob => "--min-records-per-job",
            Quota::MaxRecordsPerFile => "--max-records-per-file",
            Quota::MaxRecordsPerJob => "--max-records-per-job",
            Quota::MaxFileBytes => "--max-file-bytes",
            Quota::MaxJobBytes => "--max-job-bytes",
        }
    }
}

/// Why no plan fits the quotas. Record numbers in messages are 1-based positions among the
/// valid records.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Nothing to shard.
    #[error("no valid record to shard; a job needs at least one (and at least {min} for this model, --min-records-per-job)")]
    NoRecords {
        /// The minimum records per job.
        min: u64,
    },
    /// A quota of zero leaves no room for any record.
    #[error("{} is 0: no {} can hold a record", .quota.flag(), if matches!(.quota, Quota::MaxRecordsPerFile) { "file" } else { "job" })]
    ZeroQuota {
        /// The quota.
        quota: Quota,
    },
    /// One record is larger than a file (or a job) may be.
    #[error("valid record {} is {} bytes, over {} ({}) by {} bytes; no {} can hold it", group_digits(*.record as u64 + 1), group_digits(*.bytes), .quota.flag(), group_digits(*.cap), group_digits(.bytes - .cap), if matches!(.quota, Quota::MaxFileBytes) { "file" } else { "job" })]
    RecordTooLarge {
        /// 0-based index of the record among the valid ones.
        record: usize,
        /// Its size, `\n` included.
        bytes: u64,
        /// The quota it is over.
        quota: Quota,
        /// The quota's value.
        cap: u64,
    },
    /// Fewer records than one job needs.
    #[error("{} valid record{}, {} short of the minimum of {} per job (--min-records-per-job)", group_digits(*.records), if *.records == 1 { "" } else { "s" }, group_digits(.min - .records), group_digits(*.min))]
    TooFewRecords {
        /// Valid records.
        records: u64,
        /// The minimum per job.
        min: u64,
    },
    /// The minimum per job is above the maximum per job.
    #[error("--min-records-per-job ({}) is above --max-records-per-job ({}) by {}: no job can satisfy both", group_digits(*.min), group_digits(*.max), group_digits(.min - .max))]
    MinAboveMax {
        /// The minimum per job.
        min: u64,
        /// The maximum per job.
        max: u64,
    },
    /// The record count falls between what `k` and `k + 1` jobs can hold.
    #[error("{} valid records need at least {} jobs of at most {} records (--max-records-per-job), and {} jobs need at least {} records (--min-records-per-job {}): {} short", group_digits(*.records), group_digits(*.jobs), group_digits(*.max), group_digits(*.jobs), group_digits(.jobs * .min), group_digits(*.min), group_digits(.jobs * .min - .records))]
    CountGap {
        /// Valid records.
        records: u64,
        /// The fewest jobs that hold them by count.
        jobs: u64,
        /// The minimum per job.
        min: u64,
        /// The maximum per job.
        max: u64,
    },
    /// Somewhere, the minimum number of records per job is more bytes than a job may hold.
    #[error("the {} valid records from record {} on total {} bytes, over --max-job-bytes ({}) by {} bytes, so no job starting there can hold the minimum of {} records (--min-records-per-job)", group_digits(*.min), group_digits(*.record as u64 + 1), group_digits(*.bytes), group_digits(*.cap), group_digits(.bytes - .cap), group_digits(*.min))]
    TooDense {
        /// 0-based index of the first record of the stretch.
        record: usize,
        /// The minimum per job.
        min: u64,
        /// Bytes of the `min` records from `record` on.
        bytes: u64,
        /// The per-job byte quota.
        cap: u64,
    },
    /// The last records are too few for a job of their own and cannot join earlier ones.
    #[error("the last {} valid records (from record {} on) are too few for a job of their own (--min-records-per-job {}, {} short), and earlier jobs cannot take them without going over --max-job-bytes ({}) or --max-records-per-job ({})", group_digits(*.records), group_digits(*.record as u64 + 1), group_digits(*.min), group_digits(.min - .records), group_digits(*.max_bytes), group_digits(*.max_records))]
    ShortTail {
        /// 0-based index of the first record of the tail.
        record: usize,
        /// Records in the tail.
        records: u64,
        /// The minimum per job.
        min: u64,
        /// The per-job byte quota.
        max_bytes: u64,
        /// The per-job record quota.
        max_records: u64,
    },
}

impl PlanError {
    /// The quota that makes the plan impossible.
    pub fn quota(&self) -> Quota {
        match self {
            PlanError::NoRecords { .. }
            | PlanError::TooFewRecords { .. }
            | PlanError::MinAboveMax { .. }
            | PlanError::CountGap { .. } => Quota::MinRecordsPerJob,
            PlanError::ZeroQuota { quota } | PlanError::RecordTooLarge { quota, .. } => *quota,
            PlanError::TooDense { .. } | PlanError::ShortTail { .. } => Quota::MaxJobBytes,
        }
    }
}

/// Limits on one part (a job, or a file of a job).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartCaps {
    /// At least this many records (at least 1: parts are never empty).
    pub min_records: u64,
    /// At most this many records.
    pub max_records: u64,
    /// At most this many bytes.
    pub max_bytes: u64,
}

/// The plan: jobs in order, each with its files in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShardPlan {
    /// The jobs.
    pub jobs: Vec<JobPlan>,
}

/// One job of a [`ShardPlan`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobPlan {
    /// The records of the job (indexes among the valid records).
    pub records: Range<usize>,
    /// Its files, contiguous and in order, covering `records`.
    pub files: Vec<Range<usize>>,
}

/// Plans jobs and files for the records whose prefix sums of sizes are `ends`.
pub fn plan(ends: &[u64], q: &QuotaProfile) -> Result<ShardPlan, PlanError> {
    assert!(!ends.is_empty() && ends[0] == 0, "ends starts with 0");
    let n = ends.len() - 1;
    let min = q.min_records_per_job.max(1);
    if n == 0 {
        return Err(PlanError::NoRecords { min });
    }
    for quota in [Quota::MaxRecordsPerFile, Quota::MaxRecordsPerJob] {
        let value = match quota {
            Quota::MaxRecordsPerFile => q.max_records_per_file,
            _ => q.max_records_per_job,
        };
        if value == 0 {
            return Err(PlanError::ZeroQuota { quota });
        }
    }
    // A record must fit a file and a job; name the smaller cap (the file's on a tie, as the
    // file is what holds it).
    let (record_cap, cap_quota) = if q.max_file_bytes <= q.max_job_bytes {
        (q.max_file_bytes, Quota::MaxFileBytes)
    } else {
        (q.max_job_bytes, Quota::MaxJobBytes)
    };
    if let Some(record) = (0..n).find(|&i| ends[i + 1] - ends[i] > record_cap) {
        return Err(PlanError::RecordTooLarge {
            record,
            bytes: ends[record + 1] - ends[record],
            quota: cap_quota,
            cap: record_cap,
        });
    }
    if (n as u64) < min {
        return Err(PlanError::TooFewRecords {
            records: n as u64,
            min,
        });
    }
    if min > q.max_records_per_job {
        return Err(PlanError::MinAboveMax {
            min,
            max: q.max_records_per_job,
        });
    }
    let job_caps = PartCaps {
        min_records: min,
        max_records: q.max_records_per_job,
        max_bytes: q.max_job_bytes,
    };
    let jobs = match fewest_parts(ends, &job_caps) {
        Ok(j) => j,
        Err(furthest) => return Err(explain_failure(ends, &job_caps, furthest)),
    };
    let job_cuts = balanced_cuts(ends, &job_caps, jobs);
    let file_caps = PartCaps {
        min_records: 1,
        max_records: q.max_records_per_file,
        max_bytes: q.max_file_bytes,
    };
    let mut plan = ShardPlan::default();
    for w in job_cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let sub = &ends[a..=b];
        // Every record fits a file, so the greedy packing always succeeds.
        let files = fewest_parts(sub, &file_caps).expect("every record fits a file");
        let cuts = balanced_cuts(sub, &file_caps, files);
        plan.jobs.push(JobPlan {
            records: a..b,
            files: cuts.windows(2).map(|c| a + c[0]..a + c[1]).collect(),
        });
    }
    Ok(plan)
}

/// Why the dynamic program found no cut, once the simple causes are ruled out.
fn explain_failure(ends: &[u64], caps: &PartCaps, furthest: usize) -> PlanError {
    let n = ends.len() - 1;
    let (min, max) = (caps.min_records, caps.max_records);
    // By count alone, `k` jobs hold between k*min and k*max records.
    let jobs = (n as u64).div_ceil(max);
    if jobs * min > n as u64 {
        return PlanError::CountGap {
            records: n as u64,
            jobs,
            min,
            max,
        };
    }
    // The furthest reachable cut has no valid part after it: either the rest is shorter than
    // the minimum, or the minimum number of records from there is over the byte cap (the
    // count cap cannot be the reason, as min <= max).
    let rest = (n - furthest) as u64;
    if rest < min {
        return PlanError::ShortTail {
            record: furthest,
            records: rest,
            min,
            max_bytes: caps.max_bytes,
            max_records: max,
        };
    }
    PlanError::TooDense {
        record: furthest,
        min,
        bytes: ends[furthest + min as usize] - ends[furthest],
        cap: caps.max_bytes,
    }
}

/// The lowest start `a` of a part ending at `b` that is within the upper caps.
fn lowest_start(ends: &[u64], caps: &PartCaps, b: usize) -> usize {
    let by_count = b.saturating_sub(usize::try_from(caps.max_records).unwrap_or(usize::MAX));
    let floor = ends[b].saturating_sub(caps.max_bytes);
    let by_bytes = ends[..=b].partition_point(|&e| e < floor);
    by_count.max(by_bytes)
}

/// The fewest parts that cut `ends` into valid parts, or (when none does) the furthest
/// position reachable by valid parts from the start.
///
/// `best[b]` = fewest parts covering records `0..b`; a part `a..b` is valid when
/// `lowest_start(b) <= a <= b - min`. Both bounds only grow with `b`, so the minimum over
/// the window is kept in a monotone deque: O(n) in all.
pub fn fewest_parts(ends: &[u64], caps: &PartCaps) -> Result<usize, usize> {
    let n = ends.len() - 1;
    let min = usize::try_from(caps.min_records.max(1)).unwrap_or(usize::MAX);
    const UNREACHABLE: u32 = u32::MAX;
    let mut best = vec![UNREACHABLE; n + 1];
    best[0] = 0;
    let mut window: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let mut lo = 0usize;
    let mut furthest = 0usize;
    for b in 1..=n {
        if b >= min {
            let a = b - min;
            if best[a] != UNREACHABLE {
                while window.back().is_some_and(|&x| best[x] >= best[a]) {
                    window.pop_back();
                }
                window.push_back(a);
            }
        }
        while lo < b && ((b - lo) as u64 > caps.max_records || ends[b] - ends[lo] > caps.max_bytes)
        {
            lo += 1;
        }
        while window.front().is_some_and(|&x| x < lo) {
            window.pop_front();
        }
        if let Some(&a) = window.front() {
            best[b] = best[a] + 1;
            furthest = b;
        }
    }
    if best[n] == UNREACHABLE {
        Err(furthest)
    } else {
        Ok(best[n] as usize)
    }
}

/// How balance is measured: in records, or in bytes when bytes are what forces the parts.
struct Measure<'a> {
    ends: &'a [u64],
    by_bytes: bool,
    parts: u128,
    total: u128,
}

impl Measure<'_> {
    fn at(&self, p: usize) -> u128 {
        if self.by_bytes {
            u128::from(self.ends[p] - self.ends[0])
        } else {
            p as u128
        }
    }

    /// Distance of position `p` from the ideal place of cut `k`, scaled by the number of
    /// parts so it stays an integer: `|at(p) * J - k * total|`.
    fn distance(&self, p: usize, k: usize) -> u128 {
        (self.at(p) * self.parts).abs_diff(k as u128 * self.total)
    }

    /// Positions whose distance from cut `k`'s ideal place is at most `d`, as a range.
    fn window(&self, k: usize, d: u128) -> Range<usize> {
        let target = k as u128 * self.total;
        let n = self.ends.len() - 1;
        let lo_val = target.saturating_sub(d);
        let hi_val = target + d;
        // at() is strictly increasing in p (every record has at least one byte).
        let first = partition_point(n + 1, |p| self.at(p) * self.parts < lo_val);
        let end = partition_point(n + 1, |p| self.at(p) * self.parts <= hi_val);
        first..end
    }
}

/// The first index in `0..len` where `pred` turns false (`pred` true then false).
fn partition_point(len: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0usize, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The positions reachable as cut `k`: `start + i` for every set `reach[i]`.
struct Layer {
    start: usize,
    reach: Vec<bool>,
    /// `count[i]` = set entries in `reach[..i]`.
    count: Vec<u32>,
}

impl Layer {
    fn single(p: usize) -> Layer {
        Layer {
            start: p,
            reach: vec![true],
            count: vec![0, 1],
        }
    }

    /// Whether any position in `lo..=hi` is reachable.
    fn any_in(&self, lo: usize, hi: usize) -> bool {
        let end = self.start + self.reach.len();
        let lo = lo.max(self.start);
        let hi_excl = (hi + 1).min(end);
        lo < hi_excl && self.count[hi_excl - self.start] > self.count[lo - self.start]
    }
}

/// Cut positions `0 = p_0 < p_1 < ... < p_parts = n` of a balanced plan with exactly `parts`
/// valid parts. `parts` must be feasible (it is, when it comes from [`fewest_parts`]).
pub fn balanced_cuts(ends: &[u64], caps: &PartCaps, parts: usize) -> Vec<usize> {
    let n = ends.len() - 1;
    if parts <= 1 {
        return vec![0, n];
    }
    let total_bytes = u128::from(ends[n] - ends[0]);
    // Bytes bind when they need more parts than records do: bytes/max_bytes > n/max_records.
    let by_bytes =
        total_bytes * u128::from(caps.max_records) > n as u128 * u128::from(caps.max_bytes.max(1));
    let m = Measure {
        ends,
        by_bytes,
        parts: parts as u128,
        total: if by_bytes { total_bytes } else { n as u128 },
    };
    let limit = m.parts * m.total;
    if let Some(layers) = reachable(&m, caps, parts, 0) {
        return pick_cuts(&m, caps, parts, &layers);
    }
    // Doubling, then bisection, on the allowed distance.
    let mut hi = 1u128;
    let layers = loop {
        let d = hi.min(limit);
        if let Some(layers) = reachable(&m, caps, parts, d) {
            hi = d;
            break layers;
        }
        assert!(d < limit, "{parts} parts must be feasible");
        hi = d * 2;
    };
    let (mut lo, mut best) = (hi / 2, layers);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match reachable(&m, caps, parts, mid) {
            Some(layers) => {
                hi = mid;
                best = layers;
            }
            None => lo = mid,
        }
    }
    pick_cuts(&m, caps, parts, &best)
}

/// The forward pass for distance `d`: the reachable positions of every cut, or `None` when
/// the end is not reachable.
fn reachable(m: &Measure<'_>, caps: &PartCaps, parts: usize, d: u128) -> Option<Vec<Layer>> {
    let n = m.ends.len() - 1;
    let min = usize::try_from(caps.min_records.max(1)).unwrap_or(usize::MAX);
    let max = usize::try_from(caps.max_records).unwrap_or(usize::MAX);
    let mut layers = vec![Layer::single(0)];
    for k in 1..parts {
        // Besides the distance, cut k must leave room: k parts before it and parts - k after.
        let w = m.window(k, d);
        let lo = w
            .start
            .max(k.saturating_mul(min))
            .max(n.saturating_sub((parts - k).saturating_mul(max)));
        let hi_excl = w
            .end
            .min((n + 1).saturating_sub((parts - k).saturating_mul(min)))
            .min(k.saturating_mul(max).saturating_add(1));
        if lo >= hi_excl {
            return None;
        }
        let prev = layers.last().expect("layer 0 exists");
        let mut reach = Vec::with_capacity(hi_excl - lo);
        let mut count = Vec::with_capacity(hi_excl - lo + 1);
        count.push(0u32);
        let mut any = false;
        for b in lo..hi_excl {
            let ok = b >= min && prev.any_in(lowest_start(m.ends, caps, b), b - min);
            any |= ok;
            reach.push(ok);
            count.push(count.last().copied().unwrap_or(0) + u32::from(ok));
        }
        if !any {
            return None;
        }
        layers.push(Layer {
            start: lo,
            reach,
            count,
        });
    }
    let prev = layers.last().expect("layers");
    if n >= min && prev.any_in(lowest_start(m.ends, caps, n), n - min) {
        Some(layers)
    } else {
        None
    }
}

/// The backward pass: from the end, each cut at the reachable position nearest its ideal
/// place among those that start a valid part ending at the next cut.
fn pick_cuts(m: &Measure<'_>, caps: &PartCaps, parts: usize, layers: &[Layer]) -> Vec<usize> {
    let n = m.ends.len() - 1;
    let min = usize::try_from(caps.min_records.max(1)).unwrap_or(usize::MAX);
    let mut cuts = vec![n];
    let mut next = n;
    for k in (1..parts).rev() {
        let layer = &layers[k];
        let lo = lowest_start(m.ends, caps, next).max(layer.start);
        let hi = (next - min).min(layer.start + layer.reach.len() - 1);
        let p = (lo..=hi)
            .filter(|&p| layer.reach[p - layer.start])
            .min_by_key(|&p| m.distance(p, k))
            .expect("the forward pass left a reachable cut");
        cuts.push(p);
        next = p;
    }
    cuts.push(0);
    cuts.reverse();
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ends_of(sizes: &[u64]) -> Vec<u64> {
        let mut ends = vec![0];
        for s in sizes {
            ends.push(ends.last().unwrap() + s);
        }
        ends
    }

    fn quotas(min: u64, rf: u64, rj: u64, fb: u64, jb: u64) -> QuotaProfile {
        QuotaProfile {
            min_records_per_job: min,
            max_records_per_file: rf,
            max_records_per_job: rj,
            max_file_bytes: fb,
            max_job_bytes: jb,
        }
    }

    fn is_valid_part(ends: &[u64], caps: &PartCaps, a: usize, b: usize) -> bool {
        let len = (b - a) as u64;
        b > a
            && len >= caps.min_records.max(1)
            && len <= caps.max_records
            && ends[b] - ends[a] <= caps.max_bytes
    }

    /// Every cut of `0..n` into valid parts, by brute force (small n only).
    fn all_cuts(ends: &[u64], caps: &PartCaps) -> Vec<Vec<usize>> {
        let n = ends.len() - 1;
        let mut out = Vec::new();
        let mut stack = vec![vec![0usize]];
        while let Some(cuts) = stack.pop() {
            let a = *cuts.last().unwrap();
            if a == n {
                out.push(cuts);
                continue;
            }
            for b in a + 1..=n {
                if is_valid_part(ends, caps, a, b) {
                    let mut next = cuts.clone();
                    next.push(b);
                    stack.push(next);
                }
            }
        }
        out
    }

    fn max_distance(ends: &[u64], caps: &PartCaps, cuts: &[usize]) -> u128 {
        let n = ends.len() - 1;
        let parts = cuts.len() - 1;
        let total_bytes = u128::from(ends[n] - ends[0]);
        let by_bytes = total_bytes * u128::from(caps.max_records)
            > n as u128 * u128::from(caps.max_bytes.max(1));
        let m = Measure {
            ends,
            by_bytes,
            parts: parts as u128,
            total: if by_bytes { total_bytes } else { n as u128 },
        };
        cuts.iter()
            .enumerate()
            .map(|(k, &p)| m.distance(p, k))
            .max()
            .unwrap()
    }

    /// Checks every invariant of a plan against the quotas.
    fn check_plan(ends: &[u64], q: &QuotaProfile, p: &ShardPlan) {
        let n = ends.len() - 1;
        let min = q.min_records_per_job.max(1);
        let mut next = 0;
        for job in &p.jobs {
            assert_eq!(job.records.start, next, "jobs are contiguous");
            let len = job.records.len() as u64;
            assert!(len >= min, "job {job:?} below the minimum {min}");
            assert!(len <= q.max_records_per_job, "job {job:?} over max records");
            let bytes = ends[job.records.end] - ends[job.records.start];
            assert!(bytes <= q.max_job_bytes, "job {job:?} over max bytes");
            let mut fnext = job.records.start;
            for f in &job.files {
                assert_eq!(f.start, fnext, "files are contiguous");
                assert!(!f.is_empty(), "no empty file");
                assert!(f.len() as u64 <= q.max_records_per_file);
                assert!(ends[f.end] - ends[f.start] <= q.max_file_bytes);
                fnext = f.end;
            }
            assert_eq!(fnext, job.records.end, "files cover the job");
            next = job.records.end;
        }
        assert_eq!(next, n, "jobs cover every record");
    }

    #[test]
    fn remainder_is_spread_not_left_over() {
        // 10 records, at most 4 per job: 3 jobs, 4/3/3 rather than 4/4/2.
        let ends = ends_of(&[10; 10]);
        let p = plan(&ends, &quotas(1, 100, 4, 1000, 1000)).unwrap();
        let sizes: Vec<usize> = p.jobs.iter().map(|j| j.records.len()).collect();
        assert_eq!(sizes.iter().sum::<usize>(), 10);
        assert!(sizes.iter().all(|&s| s == 3 || s == 4), "{sizes:?}");
    }

    #[test]
    fn the_last_job_is_not_left_under_the_minimum() {
        // 250 records, 100..=200 per job: `split -l 200` leaves 50; here 125 + 125.
        let ends = ends_of(&[5; 250]);
        let p = plan(&ends, &quotas(100, 50_000, 200, 1 << 30, 1 << 32)).unwrap();
        let sizes: Vec<usize> = p.jobs.iter().map(|j| j.records.len()).collect();
        assert_eq!(sizes, vec![125, 125]);
    }

    #[test]
    fn bytes_bind_when_records_are_large() {
        // 9 records of 100 bytes, files of at most 400 bytes: 3 files of 300 bytes.
        let ends = ends_of(&[100; 9]);
        let p = plan(&ends, &quotas(1, 1000, 1000, 400, 10_000)).unwrap();
        assert_eq!(p.jobs.len(), 1);
        assert_eq!(p.jobs[0].files, vec![0..3, 3..6, 6..9]);
    }

    #[test]
    fn refusals_name_the_quota_and_the_amount() {
        let ends = ends_of(&[10; 50]);
        let e = plan(&ends, &quotas(100, 10, 10, 100, 100)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "50 valid records, 50 short of the minimum of 100 per job (--min-records-per-job)"
        );
        let e = plan(&ends, &quotas(20, 10, 10, 1000, 1000)).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "--min-records-per-job (20) is above --max-records-per-job (10) by 10"
            ),
            "{e}"
        );
        let e = plan(&ends_of(&[10, 500, 10]), &quotas(1, 10, 10, 100, 1000)).unwrap_err();
        assert_eq!(e.to_string(), "valid record 2 is 500 bytes, over --max-file-bytes (100) by 400 bytes; no file can hold it");
        // 150 records, 100..=120 per job: 2 jobs are needed, and they need 200.
        let e = plan(
            &ends_of(&[1; 150]),
            &quotas(100, 1000, 120, 1 << 20, 1 << 20),
        )
        .unwrap_err();
        assert_eq!(e.quota(), Quota::MinRecordsPerJob);
        assert!(e.to_string().contains("need at least 2 jobs"), "{e}");
        assert!(e.to_string().contains("50 short"), "{e}");
        // 4 records, at least 2 per job, at most 15 bytes per job, sizes 10: no job holds 2.
        let e = plan(&ends_of(&[10; 4]), &quotas(2, 10, 10, 10, 15)).unwrap_err();
        assert_eq!(e.quota(), Quota::MaxJobBytes);
        assert!(
            e.to_string()
                .contains("over --max-job-bytes (15) by 5 bytes"),
            "{e}"
        );
        let e = plan(&ends_of(&[]), &quotas(2, 10, 10, 10, 15)).unwrap_err();
        assert!(matches!(e, PlanError::NoRecords { .. }));
        let e = plan(&ends_of(&[1]), &quotas(1, 0, 10, 10, 15)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--max-records-per-file is 0: no file can hold a record"
        );
    }

    #[test]
    fn a_big_even_input_plans_fast_and_even() {
        // 800,000 records of about 1.3 KB: 16 jobs of 50,000 (records bind).
        let sizes: Vec<u64> = (0..800_000u64).map(|i| 1000 + (i * 7919) % 600).collect();
        let ends = ends_of(&sizes);
        let p = plan(&ends, &QuotaProfile::default()).unwrap();
        assert_eq!(p.jobs.len(), 16);
        assert!(p
            .jobs
            .iter()
            .all(|j| j.records.len() == 50_000 && j.files.len() == 1));
        // Files of at most 100 MB in one job: bytes bind, files within a few records of equal.
        let q = quotas(100, 10_000_000, 10_000_000, 100_000_000, 5_000_000_000);
        let p = plan(&ends, &q).unwrap();
        check_plan(&ends, &q, &p);
        let bytes: Vec<u64> = p.jobs[0]
            .files
            .iter()
            .map(|f| ends[f.end] - ends[f.start])
            .collect();
        let (lo, hi) = (*bytes.iter().min().unwrap(), *bytes.iter().max().unwrap());
        assert!(hi - lo <= 2 * 1600, "{bytes:?}");
    }

    fn small_case() -> impl Strategy<Value = (Vec<u64>, QuotaProfile)> {
        (
            prop::collection::vec(1u64..20, 0..11),
            0u64..6,
            1u64..6,
            1u64..8,
            1u64..40,
            1u64..80,
        )
            .prop_map(|(sizes, min, rf, rj, fb, jb)| (sizes, quotas(min, rf, rj, fb, jb)))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// On small inputs, compared with brute force: refuse exactly when no cut exists;
        /// otherwise every quota holds, jobs and files are fewest, and the cuts are as
        /// balanced as any cut into that many parts.
        #[test]
        fn plans_match_brute_force((sizes, q) in small_case()) {
            let ends = ends_of(&sizes);
            let job_caps = PartCaps {
                min_records: q.min_records_per_job.max(1),
                max_records: q.max_records_per_job,
                max_bytes: q.max_job_bytes,
            };
            let file_caps = PartCaps { min_records: 1, max_records: q.max_records_per_file, max_bytes: q.max_file_bytes };
            // A job is possible only when its records also fit files.
            let job_ok = |a: usize, b: usize| is_valid_part(&ends, &job_caps, a, b)
                && fewest_parts(&ends[a..=b], &file_caps).is_ok();
            let all: Vec<Vec<usize>> = all_cuts(&ends, &job_caps)
                .into_iter()
                .filter(|c| c.windows(2).all(|w| job_ok(w[0], w[1])))
                .collect();
            let result = plan(&ends, &q);
            if sizes.is_empty() || all.is_empty() {
                prop_assert!(result.is_err(), "planned {result:?} where none exists");
                return Ok(());
            }
            let p = result.map_err(|e| TestCaseError::fail(format!("refused a possible plan: {e}")))?;
            check_plan(&ends, &q, &p);
            let fewest = all.iter().map(|c| c.len() - 1).min().unwrap();
            prop_assert_eq!(p.jobs.len(), fewest);
            let mut cuts: Vec<usize> = p.jobs.iter().map(|j| j.records.start).collect();
            cuts.push(ends.len() - 1);
            let best = all.iter().filter(|c| c.len() - 1 == fewest)
                .map(|c| max_distance(&ends, &job_caps, c)).min().unwrap();
            prop_assert_eq!(max_distance(&ends, &job_caps, &cuts), best);
            for job in &p.jobs {
                let sub = &ends[job.records.start..=job.records.end];
                let fall = all_cuts(sub, &file_caps);
                let ffewest = fall.iter().map(|c| c.len() - 1).min().unwrap();
                prop_assert_eq!(job.files.len(), ffewest);
                let mut fcuts: Vec<usize> = job.files.iter().map(|f| f.start - job.records.start).collect();
                fcuts.push(job.records.len());
                let fbest = fall.iter().filter(|c| c.len() - 1 == ffewest)
                    .map(|c| max_distance(sub, &file_caps, c)).min().unwrap();
                prop_assert_eq!(max_distance(sub, &file_caps, &fcuts), fbest);
            }
        }

        /// Larger inputs with quotas that usually fit: every invariant holds, and a refusal
        /// is one of the characterised causes.
        #[test]
        fn plans_hold_their_invariants(
            sizes in prop::collection::vec(1u64..2000, 0..3000),
            min in 0u64..200,
            rf in 1u64..500,
            rj in 1u64..2000,
            fb in 1000u64..200_000,
            jb in 1000u64..2_000_000,
        ) {
            let ends = ends_of(&sizes);
            let q = quotas(min, rf, rj, fb, jb);
            match plan(&ends, &q) {
                Ok(p) => check_plan(&ends, &q, &p),
                Err(PlanError::TooFewRecords { records, min }) => prop_assert!(records < min),
                Err(PlanError::MinAboveMax { min, max }) => prop_assert!(min > max),
                Err(PlanError::RecordTooLarge { record, bytes, cap, .. }) => {
                    prop_assert_eq!(ends[record + 1] - ends[record], bytes);
                    prop_assert!(bytes > cap);
                }
                Err(PlanError::CountGap { records, jobs, min, max }) => {
                    // No job count k has k*min <= records <= k*max.
                    prop_assert!((1..=records).all(|k| k * min > records || k * max < records));
                    prop_assert_eq!(jobs, records.div_ceil(max));
                }
                Err(PlanError::TooDense { record, min, bytes, cap }) => {
                    prop_assert_eq!(ends[record + min as usize] - ends[record], bytes);
                    prop_assert!(bytes > cap);
                }
                Err(e @ (PlanError::ShortTail { .. } | PlanError::NoRecords { .. } | PlanError::ZeroQuota { .. })) => {
                    prop_assert!(sizes.is_empty() || matches!(e, PlanError::ShortTail { .. }), "{e}");
                }
            }
        }
    }
}
