//! The model catalog: which body family, quota profile and batch support a model id has.
//!
//! The catalog is data (`schemas/catalog.json`, embedded at build time), not code, so adding a
//! model is a one-line change that needs no Rust. A model id is resolved in three steps:
//! unwrap an ARN (`…:foundation-model/ID`, `…:inference-profile/ID`), drop one cross-region
//! inference-profile prefix (`us.`, `eu.`, `apac.`, `global.`, …), then take the first catalog
//! entry whose glob matches the remaining base id.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::quota::{QuotaOverrides, QuotaProfile};

/// The catalog as shipped.
const CATALOG_JSON: &str = include_str!("../schemas/catalog.json");

/// The model catalog.
#[derive(Debug, Deserialize)]
pub struct Catalog {
    /// Format version of the catalog file.
    pub version: u32,
    /// Cross-region inference-profile prefixes, with their trailing dot.
    pub profile_prefixes: Vec<String>,
    /// The quotas of a model without overrides.
    pub default_quotas: QuotaProfile,
    /// Entries, most specific first.
    pub models: Vec<ModelEntry>,
}

/// One catalog entry.
#[derive(Debug, Deserialize)]
pub struct ModelEntry {
    /// Glob over base model ids (`*` matches any run of characters).
    #[serde(rename = "match")]
    pub pattern: String,
    /// A human name.
    pub name: String,
    /// The body family (a schema under `schemas/`); `None` when bodies are not checked.
    #[serde(default)]
    pub family: Option<String>,
    /// Whether the model can run batch inference jobs.
    #[serde(default = "yes")]
    pub batch: bool,
    /// Differences from the default quotas.
    #[serde(default)]
    pub quotas: QuotaOverrides,
    /// Where the facts come from.
    #[serde(default)]
    pub source: Option<String>,
    /// Anything a user should know.
    #[serde(default)]
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}

/// What a model id resolved to, and how.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// The id as given.
    pub input: String,
    /// The id after unwrapping the ARN and the inference-profile prefix.
    pub base_id: String,
    /// The matching entry, if any.
    pub entry: Option<&'static ModelEntry>,
    /// The steps taken, for `bedrock-batch models ID`.
    pub steps: Vec<String>,
}

impl Resolution {
    /// The quota profile for this model: the defaults with the entry's overrides.
    pub fn quotas(&self) -> QuotaProfile {
        let base = Catalog::embedded().default_quotas;
        match self.entry {
            Some(e) => base.with(&e.quotas),
            None => base,
        }
    }

    /// The body family, if the model is known and its bodies are checked.
    pub fn family(&self) -> Option<&'static str> {
        self.entry.and_then(|e| e.family.as_deref())
    }
}

impl Catalog {
    /// The catalog embedded in the binary.
    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            serde_json::from_str(CATALOG_JSON).expect("schemas/catalog.json is valid (tested)")
        })
    }

    /// Resolves a model id, inference-profile id or ARN.
    pub fn resolve(&'static self, id: &str) -> Resolution {
        let mut steps = Vec::new();
        let mut base = id.trim().to_string();
        if let Some(resource) = arn_resource(&base) {
            if let Some(model) = resource.strip_prefix("foundation-model/") {
                steps.push(format!("foundation-model ARN: model id `{model}`"));
                base = model.to_string();
            } else if let Some(profile) = resource.strip_prefix("inference-profile/") {
                steps.push(format!("inference-profile ARN: profile id `{profile}`"));
                base = profile.to_string();
            } else {
                steps.push(format!(
                    "ARN of `{}`: the model behind it cannot be known offline",
                    resource.split('/').next().unwrap_or(resource)
                ));
                return Resolution {
                    input: id.to_string(),
                    base_id: base,
                    entry: None,
                    steps,
                };
            }
        }
        if let Some(prefix) = self
            .profile_prefixes
            .iter()
            .find(|p| base.starts_with(p.as_str()))
        {
            steps.push(format!(
                "cross-region inference profile `{}`: base model id `{}`",
                prefix.trim_end_matches('.'),
                &base[prefix.len()..]
            ));
            base = base[prefix.len()..].to_string();
        }
        let entry = self.models.iter().find(|m| glob_match(&m.pattern, &base));
        match entry {
            Some(e) => steps.push(format!(
                "matches catalog entry `{}` ({})",
                e.pattern, e.name
            )),
            None => steps.push(format!("`{base}` matches no catalog entry")),
        }
        Resolution {
            input: id.to_string(),
            base_id: base,
            entry,
            steps,
        }
    }
}

/// The resource part of a Bedrock ARN (`arn:aws…:bedrock:REGION:ACCOUNT:RESOURCE`).
fn arn_resource(id: &str) -> Option<&str> {
    if !id.starts_with("arn:") {
        return None;
    }
    let mut parts = id.splitn(6, ':');
    let (_arn, _partition, service, _region, _account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if service != "bedrock" {
        return None;
    }
    parts.next()
}

/// Glob matching where `*` matches any run of characters and everything else is literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_parses_and_defaults_match_the_design() {
        let c = Catalog::embedded();
        assert_eq!(c.default_quotas, QuotaProfile::default());
        for m in &c.models {
            assert!(!m.pattern.is_empty());
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match(
            "anthropic.claude-*",
            "anthropic.claude-3-haiku-20240307-v1:0"
        ));
        assert!(glob_match("a*c*e", "abcde"));
        assert!(!glob_match("a*c*f", "abcde"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn quota_profiles_follow_prefixes_and_arns() {
        let c = Catalog::embedded();
        for id in [
            "meta.llama4-scout-17b-instruct-v1:0",
            "us.meta.llama4-scout-17b-instruct-v1:0",
            "arn:aws:bedrock:us-east-1::foundation-model/meta.llama4-scout-17b-instruct-v1:0",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama4-scout-17b-instruct-v1:0",
        ] {
            assert_eq!(c.resolve(id).quotas().min_records_per_job, 50, "{id}");
        }
        for id in [
            "amazon.nova-pro-v1:0",
            "global.amazon.nova-pro-v1:0",
            "apac.amazon.nova-pro-v1:0",
        ] {
            assert_eq!(
                c.resolve(id).quotas().max_job_bytes,
                100_000_000_000,
                "{id}"
            );
        }
        let unknown = c.resolve("acme.unknown-v1:0");
        assert!(unknown.entry.is_none());
        assert_eq!(unknown.quotas(), QuotaProfile::default());
    }
}
