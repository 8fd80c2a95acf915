//! Quotas of a batch inference job: the defaults, per-model profiles and user overrides.
//!
//! "GB" is taken as 10^9 bytes, the smaller reading, so that a pass here is a pass at the
//! service whichever unit it uses (the reference marks the unit UNKNOWN).

use serde::{Deserialize, Serialize};

/// The limits one job must fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaProfile {
    /// At least this many records in the job.
    pub min_records_per_job: u64,
    /// At most this many records in one file.
    pub max_records_per_file: u64,
    /// At most this many records in the job.
    pub max_records_per_job: u64,
    /// At most this many bytes in one file.
    pub max_file_bytes: u64,
    /// At most this many bytes in the job.
    pub max_job_bytes: u64,
}

impl Default for QuotaProfile {
    /// The service's defaults (AWS quota table, June 2025).
    fn default() -> Self {
        QuotaProfile {
            min_records_per_job: 100,
            max_records_per_file: 50_000,
            max_records_per_job: 50_000,
            max_file_bytes: 1_000_000_000,
            max_job_bytes: 5_000_000_000,
        }
    }
}

/// Partial quotas: a model's differences from the defaults, or the user's overrides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaOverrides {
    /// Overrides [`QuotaProfile::min_records_per_job`].
    pub min_records_per_job: Option<u64>,
    /// Overrides [`QuotaProfile::max_records_per_file`].
    pub max_records_per_file: Option<u64>,
    /// Overrides [`QuotaProfile::max_records_per_job`].
    pub max_records_per_job: Option<u64>,
    /// Overrides [`QuotaProfile::max_file_bytes`].
    pub max_file_bytes: Option<u64>,
    /// Overrides [`QuotaProfile::max_job_bytes`].
    pub max_job_bytes: Option<u64>,
}

impl QuotaProfile {
    /// This profile with every set member of `o` replacing its own.
    pub fn with(self, o: &QuotaOverrides) -> QuotaProfile {
        QuotaProfile {
            min_records_per_job: o.min_records_per_job.unwrap_or(self.min_records_per_job),
            max_records_per_file: o.max_records_per_file.unwrap_or(self.max_records_per_file),
            max_records_per_job: o.max_records_per_job.unwrap_or(self.max_records_per_job),
            max_file_bytes: o.max_file_bytes.unwrap_or(self.max_file_bytes),
            max_job_bytes: o.max_job_bytes.unwrap_or(self.max_job_bytes),
        }
    }
}

/// Parses a size: plain bytes (`1000000000`), SI units (`1GB`, `500 MB`, `1.5GB`) or binary
/// units (`500MiB`, `1GiB`). Units are case-insensitive.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<u64>() {
        return Ok(n);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let mult: u64 = match unit.as_str() {
        "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return Err(size_error(s)),
    };
    let value: f64 = num.parse().map_err(|_| size_error(s))?;
    let bytes = value * mult as f64;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(size_error(s));
    }
    Ok(bytes.round() as u64)
}

fn size_error(s: &str) -> String {
    format!("\"{s}\" is not a size; try 1GB, 500MiB or 1000000000")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_both_unit_systems() {
        assert_eq!(parse_size("1GB").unwrap(), 1_000_000_000);
        assert_eq!(parse_size("1 gb").unwrap(), 1_000_000_000);
        assert_eq!(parse_size("500MiB").unwrap(), 500 << 20);
        assert_eq!(parse_size("1.5GB").unwrap(), 1_500_000_000);
        assert_eq!(parse_size("123").unwrap(), 123);
        assert!(parse_size("1 GiBs").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("-1GB").is_err());
    }
}
