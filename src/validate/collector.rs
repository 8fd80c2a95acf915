//! What a job keeps while it runs: per-file tallies, and the findings it will list (bounded
//! by `max_diagnostics`) with exact counts of all.

use super::content::NotJsonl;
use crate::diagnostic::{Diagnostic, Position};
use crate::rules::{Phase, RuleCode, RULES};

#[derive(Default)]
pub(super) struct FileAcc {
    pub(super) lines: u64,
    pub(super) records: u64,
    pub(super) bytes: u64,
    pub(super) crlf: u64,
    pub(super) first_crlf: Option<Position>,
    pub(super) odd_ids: u64,
    pub(super) first_odd_id: Option<Diagnostic>,
    /// What the file holds instead of JSON lines (F004), judged from its first bytes.
    pub(super) not_jsonl: Option<NotJsonl>,
}

/// Keeps what a job lists, counts everything, and remembers the first validating-phase
/// finding. Of each severity it keeps the first `cap` findings in report order (enough to
/// list the `cap` most severe of the job, errors first), and every job-level finding (they
/// are few and always listed); so memory is bounded by the cap, never by the input.
pub(super) struct Collector {
    pub(super) cap: usize,
    /// Per severity rank: findings with their arrival number (ties in report order keep
    /// arrival order, which is deterministic).
    pub(super) kept: [Vec<(u64, Diagnostic)>; 3],
    pub(super) job_level: Vec<Diagnostic>,
    pub(super) arrivals: u64,
    pub(super) counts: [u64; RULES.len()],
    pub(super) first_validating: Option<Diagnostic>,
}

impl Collector {
    pub(super) fn new(cap: usize) -> Self {
        Collector {
            cap,
            kept: Default::default(),
            job_level: Vec::new(),
            arrivals: 0,
            counts: [0; RULES.len()],
            first_validating: None,
        }
    }

    /// Adds a chunk's exact counts and its first validating finding.
    pub(super) fn absorb(&mut self, counts: &[u64; RULES.len()], first: Option<Diagnostic>) {
        for (total, n) in self.counts.iter_mut().zip(counts) {
            *total += n;
        }
        if let Some(d) = first {
            self.offer_first(d);
        }
    }

    /// Counts one finding made outside a chunk.
    pub(super) fn count(&mut self, code: RuleCode, d: Option<&Diagnostic>) {
        self.counts[code as usize] += 1;
        if let Some(d) = d {
            if code.phase() == Phase::Validating {
                self.offer_first(d.clone());
            }
        }
    }

    pub(super) fn offer_first(&mut self, d: Diagnostic) {
        // Ties keep the earlier offer: offers arrive in a deterministic order.
        if self
            .first_validating
            .as_ref()
            .is_none_or(|f| d.sort_key() < f.sort_key())
        {
            self.first_validating = Some(d);
        }
    }

    /// Keeps findings (already counted), trimming to the cap now and then.
    pub(super) fn extend(&mut self, ds: Vec<Diagnostic>) {
        for d in ds {
            if d.file.is_none() {
                self.job_level.push(d);
                continue;
            }
            let rank = d.severity().rank();
            self.kept[rank].push((self.arrivals, d));
            self.arrivals += 1;
            if self.kept[rank].len() > self.cap.saturating_mul(2).max(1024) {
                self.trim(rank);
            }
        }
    }

    pub(super) fn trim(&mut self, rank: usize) {
        let kept = &mut self.kept[rank];
        kept.sort_by_key(|(n, d)| (d.sort_key(), *n));
        kept.truncate(self.cap);
    }

    /// The listed findings in report order (the `cap` most severe, then every job-level
    /// one), the exact counts, and the first validating-phase finding.
    pub(super) fn finish(mut self) -> (Vec<Diagnostic>, [u64; RULES.len()], Option<Diagnostic>) {
        for rank in 0..3 {
            self.trim(rank);
        }
        let quota = crate::diagnostic::listed_per_severity(
            [self.kept[0].len(), self.kept[1].len(), self.kept[2].len()],
            self.cap,
        );
        let mut listed: Vec<(u64, Diagnostic)> = Vec::with_capacity(quota.iter().sum());
        for (kept, n) in self.kept.into_iter().zip(quota) {
            listed.extend(kept.into_iter().take(n));
        }
        listed.sort_by_key(|(n, d)| (d.sort_key(), *n));
        let mut diagnostics: Vec<Diagnostic> = listed.into_iter().map(|(_, d)| d).collect();
        diagnostics.extend(self.job_level);
        (diagnostics, self.counts, self.first_validating)
    }
}
