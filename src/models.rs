//! The model catalog: which body family, quota profile and batch support a model id has, and
//! where each of those facts comes from.
//!
//! The catalog is data (`schemas/catalog.json`, embedded at build time), not code, so adding a
//! model is a change to one file that needs no Rust. A model id is resolved in three steps:
//! unwrap an ARN (`…:foundation-model/ID`, `…:inference-profile/ID`), drop one cross-region
//! inference-profile prefix (`us.`, `eu.`, `apac.`, `global.`, …) and note which **form** the id
//! had (base model id or profile), then look the base id up among the entries' explicit `ids`.
//!
//! Only an explicit id is *known*. Entries with a `match` glob are catch-alls for a provider:
//! they never make an id batch-capable (an unlisted id is M009, with the nearest real ids as
//! "did you mean"), and they carry a body family only where every model of the provider is
//! documented to take the same body, so a mistyped Claude id still has its bodies checked.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::quota::{QuotaOverrides, QuotaProfile};

/// The catalog as shipped.
const CATALOG_JSON: &str = include_str!("../schemas/catalog.json");

/// How many "did you mean" ids an unknown id gets at most.
const MAX_SUGGESTIONS: usize = 3;

/// The model catalog.
#[derive(Debug, Deserialize, Serialize)]
pub struct Catalog {
    /// Format version of the catalog file.
    pub version: u32,
    /// The date the catalog as a whole was last checked against its sources (`YYYY-MM-DD`).
    pub checked: String,
    /// The sources entries cite, by key (`D8`, `T1`, …).
    pub sources: std::collections::BTreeMap<String, Source>,
    /// Cross-region inference-profile prefixes, with their trailing dot.
    pub profile_prefixes: Vec<String>,
    /// The quotas of a model without overrides.
    pub default_quotas: QuotaProfile,
    /// The source key of the default quotas.
    pub default_quotas_source: String,
    /// Entries: explicit ones (`ids`) and provider catch-alls (`match`).
    pub models: Vec<ModelEntry>,
}

/// Where facts come from: a document or third-party source and its date.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Source {
    /// What the source is (third-party sources start with `[3P]`).
    pub title: String,
    /// Where to read it; empty when the source has no public address.
    #[serde(default)]
    pub url: String,
    /// The version or date of the source as read.
    pub date: String,
}

/// Which id forms a model runs batch jobs through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchVia {
    /// Only the base model id (`anthropic.claude-3-haiku-…`).
    Base,
    /// Only a cross-region inference profile id (`us.anthropic.claude-3-7-sonnet-…`).
    Profile,
    /// Either form.
    Both,
}

/// The form a model id was given in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IdForm {
    /// A base model id, or a `foundation-model/` ARN.
    Base,
    /// A cross-region inference profile id (or its ARN).
    Profile,
}

/// One catalog entry.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    /// The base model ids this entry describes (explicit entries).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    /// A glob over base ids (`*` matches any run of characters): a provider catch-all.
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// A human name.
    pub name: String,
    /// The body family (a schema under `schemas/`); `None` when bodies are not checked.
    #[serde(default)]
    pub family: Option<String>,
    /// Whether the model can run batch inference jobs (always false for catch-alls).
    #[serde(default)]
    pub batch: bool,
    /// The id forms batch jobs accept, for batch-capable models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_via: Option<BatchVia>,
    /// Differences from the default quotas.
    #[serde(default)]
    pub quotas: QuotaOverrides,
    /// The source key of the quota values; `None` means the defaults are assumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotas_source: Option<String>,
    /// Keys into [`Catalog::sources`] for the entry's facts.
    pub sources: Vec<String>,
    /// When the entry was last checked against its sources (`YYYY-MM-DD`).
    pub checked: String,
    /// Anything a user should know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Decisions taken where the sources are silent: `INFERENCE: …`, `UNKNOWN: …`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<String>,
}

impl ModelEntry {
    /// Whether this is a provider catch-all rather than a list of real ids.
    pub fn is_catch_all(&self) -> bool {
        self.pattern.is_some()
    }

    /// The first real id of the entry, or its glob.
    pub fn label(&self) -> &str {
        self.ids
            .first()
            .map(String::as_str)
            .or(self.pattern.as_deref())
            .unwrap_or(&self.name)
    }
}

/// What a model id resolved to, and how.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// The id as given.
    pub input: String,
    /// The id after unwrapping the ARN and the inference-profile prefix.
    pub base_id: String,
    /// The inference-profile prefix the id carried (`us.`), if any.
    pub prefix: Option<String>,
    /// The form the id was given in; `None` for ARNs that cannot be resolved offline.
    pub form: Option<IdForm>,
    /// The explicit entry listing the base id, if any: the model is known.
    pub entry: Option<&'static ModelEntry>,
    /// The provider catch-all matching an unlisted id, if any.
    pub catch_all: Option<&'static ModelEntry>,
    /// The steps taken, for `bedrock-batch models ID`.
    pub steps: Vec<String>,
}

/// A batch-capable model given in the id form its batch jobs do not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProblem {
    /// The form the model needs.
    pub needs: BatchVia,
    /// The id to use instead.
    pub use_id: String,
    /// One sentence: what is wrong and what to use.
    pub message: String,
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

    /// The source key of the quotas in force, or `None` when the defaults are assumed.
    pub fn quotas_source(&self) -> Option<&'static str> {
        self.entry.and_then(|e| e.quotas_source.as_deref())
    }

    /// The body family bodies are checked with: the entry's, or a catch-all's when the
    /// provider's family is certain.
    pub fn family(&self) -> Option<&'static str> {
        self.entry
            .or(self.catch_all)
            .and_then(|e| e.family.as_deref())
    }

    /// Whether the catalog lists the id explicitly.
    pub fn is_known(&self) -> bool {
        self.entry.is_some()
    }

    /// The wrong-form problem of a known batch-capable model, naming the id to use. `region`
    /// picks the profile prefix to suggest (`us-east-1` → `us.`); without it `us.` is named.
    pub fn form_problem(&self, region: Option<&str>) -> Option<FormProblem> {
        let entry = self.entry.filter(|e| e.batch)?;
        let via = entry.batch_via.unwrap_or(BatchVia::Both);
        match (via, self.form?) {
            (BatchVia::Profile, IdForm::Base) => {
                let prefix = region.map_or("us.", profile_prefix_for_region);
                let use_id = format!("{prefix}{}", self.base_id);
                Some(FormProblem {
                    needs: via,
                    message: format!(
                        "{} runs batch jobs only through a cross-region inference profile, not its base model id `{}`: use `{use_id}`{}",
                        entry.name,
                        self.base_id,
                        if region.is_some() {
                            ""
                        } else {
                            " (or the eu./apac./global. profile your Region offers)"
                        }
                    ),
                    use_id,
                })
            }
            (BatchVia::Base, IdForm::Profile) => {
                let use_id = self.base_id.clone();
                Some(FormProblem {
                    needs: via,
                    message: format!(
                        "{} runs batch jobs only by its base model id, not through the inference profile `{}`: use `{use_id}`",
                        entry.name,
                        self.input
                    ),
                    use_id,
                })
            }
            _ => None,
        }
    }

    /// The real ids nearest to an unknown id (at most three, nearest first), in the form the
    /// user gave when the model accepts it.
    pub fn suggestions(&self) -> Vec<String> {
        if self.entry.is_some() || self.form.is_none() {
            return Vec::new();
        }
        let catalog = Catalog::embedded();
        let mut scored: Vec<(usize, &str, &ModelEntry)> = catalog
            .models
            .iter()
            .flat_map(|e| e.ids.iter().map(move |id| (id.as_str(), e)))
            .filter_map(|(id, e)| {
                let d = strsim::levenshtein(&self.base_id, id)
                    .min(strsim::levenshtein(&stem(&self.base_id), &stem(id)));
                (d <= similarity_limit(&self.base_id)).then_some((d, id, e))
            })
            .collect();
        scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
        scored
            .into_iter()
            .take(MAX_SUGGESTIONS)
            .map(|(_, id, e)| match (&self.prefix, e.batch_via) {
                (Some(p), Some(BatchVia::Profile | BatchVia::Both)) => format!("{p}{id}"),
                (None, Some(BatchVia::Profile)) => format!("us.{id}"),
                _ => id.to_string(),
            })
            .collect()
    }

    /// "source KEY (date), …" for the entry that decided, for messages.
    pub fn cited_sources(&self) -> String {
        self.entry
            .or(self.catch_all)
            .map(|e| Catalog::embedded().cite(&e.sources))
            .unwrap_or_default()
    }
}

/// The largest edit distance a "did you mean" id may have: about a quarter of the id.
fn similarity_limit(id: &str) -> usize {
    (id.chars().count() / 4).max(3)
}

/// An id without its version tail (`:0`, `-v1`, `-20241022`), so `anthropic.claude-3.5-sonnet`
/// is compared with `anthropic.claude-3-5-sonnet`, not with the dated id.
fn stem(id: &str) -> String {
    let mut s = id;
    loop {
        let before = s;
        if let Some((head, tail)) = s.rsplit_once(':') {
            if tail.chars().all(|c| c.is_ascii_digit() || c == 'k') {
                s = head;
            }
        }
        if let Some((head, tail)) = s.rsplit_once('-') {
            let version = tail.len() > 1
                && tail.starts_with('v')
                && tail[1..].chars().all(|c| c.is_ascii_digit());
            let date = tail.len() == 8 && tail.chars().all(|c| c.is_ascii_digit());
            if version || date {
                s = head;
            }
        }
        if s == before {
            return s.to_string();
        }
    }
}

/// The inference-profile prefix for a Region (`eu-west-1` → `eu.`), `us.` when unsure.
pub fn profile_prefix_for_region(region: &str) -> &'static str {
    if region.starts_with("us-gov-") {
        "us-gov."
    } else if region.starts_with("eu-") {
        "eu."
    } else if region.starts_with("ap-") {
        "apac."
    } else {
        "us."
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

    /// The catalog file as shipped (for `models --format json` and tools).
    pub fn embedded_json() -> &'static str {
        CATALOG_JSON
    }

    /// `D8 (2026-01-25), T1 (2026-09-11)`: source keys with their dates.
    pub fn cite(&self, keys: &[String]) -> String {
        keys.iter()
            .map(|k| match self.sources.get(k) {
                Some(s) => format!("{k} ({})", s.date),
                None => k.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Resolves a model id, inference-profile id or ARN.
    pub fn resolve(&'static self, id: &str) -> Resolution {
        let mut steps = Vec::new();
        let mut base = id.trim().to_string();
        let mut form = Some(IdForm::Base);
        let resolution =
            |base: String, steps: Vec<String>, form, prefix, entry, catch_all| Resolution {
                input: id.to_string(),
                base_id: base,
                prefix,
                form,
                entry,
                catch_all,
                steps,
            };
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
                return resolution(base, steps, None, None, None, None);
            }
        }
        let mut prefix = None;
        if let Some(p) = self
            .profile_prefixes
            .iter()
            .find(|p| base.starts_with(p.as_str()))
        {
            steps.push(format!(
                "cross-region inference profile `{}`: base model id `{}`",
                p.trim_end_matches('.'),
                &base[p.len()..]
            ));
            base = base[p.len()..].to_string();
            prefix = Some(p.clone());
            form = Some(IdForm::Profile);
        }
        if let Some(e) = self.models.iter().find(|m| m.ids.contains(&base)) {
            steps.push(format!("listed in the catalog: {}", e.name));
            return resolution(base, steps, form, prefix, Some(e), None);
        }
        let catch_all = self
            .models
            .iter()
            .find(|m| m.pattern.as_deref().is_some_and(|p| glob_match(p, &base)));
        match catch_all {
            Some(c) => steps.push(format!(
                "not listed; matches the catch-all `{}` ({}), which never makes an id batch-capable",
                c.pattern.as_deref().unwrap_or_default(),
                c.name
            )),
            None => steps.push(format!("`{base}` is not in the catalog")),
        }
        resolution(base, steps, form, prefix, None, catch_all)
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
    fn catalog_parses_and_every_entry_cites_known_sources() {
        let c = Catalog::embedded();
        assert_eq!(c.default_quotas, QuotaProfile::default());
        for m in &c.models {
            assert!(m.ids.is_empty() != m.pattern.is_none(), "{}", m.name);
            assert!(!m.sources.is_empty(), "{}", m.name);
            for s in m.sources.iter().chain(&m.quotas_source) {
                assert!(c.sources.contains_key(s), "{}: unknown source {s}", m.name);
            }
            assert!(!(m.is_catch_all() && m.batch), "{}", m.name);
            assert_eq!(m.batch, m.batch_via.is_some(), "{}", m.name);
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
        assert_eq!(
            c.resolve("amazon.titan-embed-text-v2:0")
                .quotas()
                .max_records_per_job,
            100_000
        );
        let unknown = c.resolve("acme.unknown-v1:0");
        assert!(unknown.entry.is_none());
        assert_eq!(unknown.quotas(), QuotaProfile::default());
    }

    #[test]
    fn forms_are_checked_per_entry() {
        let c = Catalog::embedded();
        let sonnet = c.resolve("anthropic.claude-3-7-sonnet-20250219-v1:0");
        let p = sonnet.form_problem(Some("eu-west-1")).unwrap();
        assert_eq!(p.use_id, "eu.anthropic.claude-3-7-sonnet-20250219-v1:0");
        assert!(c
            .resolve("us.anthropic.claude-3-7-sonnet-20250219-v1:0")
            .form_problem(None)
            .is_none());
        let haiku = c.resolve("us.anthropic.claude-3-haiku-20240307-v1:0");
        assert_eq!(
            haiku.form_problem(None).unwrap().use_id,
            "anthropic.claude-3-haiku-20240307-v1:0"
        );
        let arn = c.resolve("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-premier-v1:0");
        assert_eq!(
            arn.form_problem(Some("us-east-1")).unwrap().use_id,
            "us.amazon.nova-premier-v1:0"
        );
        assert!(c
            .resolve("amazon.nova-pro-v1:0")
            .form_problem(None)
            .is_none());
    }

    #[test]
    fn catch_alls_never_know_an_id_and_suggest_real_ones() {
        let c = Catalog::embedded();
        let typo = c.resolve("anthropic.claude-3.5-sonnet");
        assert!(!typo.is_known());
        assert_eq!(typo.family(), Some("anthropic-claude-messages"));
        assert!(typo
            .suggestions()
            .contains(&"anthropic.claude-3-5-sonnet-20240620-v1:0".to_string()));
        let five = c.resolve("us.anthropic.claude-sonnet-5");
        assert!(!five.is_known());
        assert!(five.suggestions().iter().all(|s| s.starts_with("us.")));
        assert!(c.resolve("qwen.qwen3-99b").family().is_none());
        assert!(c.resolve("acme.nothing-like-it").suggestions().is_empty());
    }

    #[test]
    fn stems_drop_version_tails() {
        assert_eq!(
            stem("anthropic.claude-3-5-sonnet-20241022-v2:0"),
            "anthropic.claude-3-5-sonnet"
        );
        assert_eq!(
            stem("amazon.titan-embed-image-v1"),
            "amazon.titan-embed-image"
        );
        assert_eq!(stem("deepseek.v3.2"), "deepseek.v3.2");
    }
}
