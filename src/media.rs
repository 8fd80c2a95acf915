//! M013: media referenced by `s3://` URI inside records must sit under the job's input folder.
//!
//! AWS (*Format and upload your batch inference data*): "When using S3 URIs in your prompts,
//! all resources must be in the same S3 bucket and folder. The `InputDataConfig` parameter must
//! specify the folder path containing all linked resources (such as videos or images), not just
//! an individual `.jsonl` file. Note that S3 paths are case-sensitive." The check needs the
//! job's input URI, which `validate` gets from `--input-s3-uri` and `job create` from
//! `inputDataConfig.s3InputDataConfig.s3Uri`.
//!
//! Every `s3Location.uri` in a body is checked, wherever it sits: Nova image/video/audio
//! sources and Converse image/video/document sources share that shape. Severity and phase
//! (error, inference) are a judgement: the Validating phase does not read `modelInput` (its
//! documented criteria say so), so a job with unreachable media is accepted and its records
//! fail one by one when the model cannot read the media.

use memchr::memmem;
use serde_json::Value;

use crate::diagnostic::push_pointer_token;
use crate::rules::RuleCode;
use crate::scan::{BodyCheck, BodyFinding, BodyFindings};
use crate::schema_tape::BodyTape;

/// Where a job's input sits, as far as media URIs are concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputLocation {
    /// A folder (prefix): media must sit under it. Always ends in `/`.
    Folder(String),
    /// A single `.jsonl` object: no media reference can be served.
    File(String),
}

impl InputLocation {
    /// Reads the job's input `s3Uri`; `None` when it is not an `s3://` URI.
    pub fn parse(uri: &str) -> Option<InputLocation> {
        let rest = uri.strip_prefix("s3://")?;
        if rest.is_empty() {
            return None;
        }
        if uri.ends_with(".jsonl") {
            return Some(InputLocation::File(uri.to_string()));
        }
        let mut folder = uri.to_string();
        if !folder.ends_with('/') {
            folder.push('/');
        }
        Some(InputLocation::Folder(folder))
    }

    /// The finding's message for a media URI, or `None` when it is served.
    pub fn problem(&self, media_uri: &str) -> Option<String> {
        match self {
            InputLocation::Folder(folder) if media_uri.starts_with(folder.as_str()) => None,
            InputLocation::Folder(folder) => Some(format!(
                "media `{media_uri}` is outside the job's input folder `{folder}`: AWS requires every S3 resource a record references to sit in the input's bucket and folder (case-sensitive); move it under `{folder}`"
            )),
            InputLocation::File(file) => {
                let parent = file.rsplit_once('/').map_or(file.as_str(), |(p, _)| p);
                Some(format!(
                    "the job's input s3Uri `{file}` names one .jsonl file, but this record references media `{media_uri}`: the input must name the folder holding the .jsonl files and all media (e.g. `{parent}/`)"
                ))
            }
        }
    }
}

/// A body check that adds M013 findings to another check's (or to none).
pub struct MediaCheck {
    inner: Option<Box<dyn BodyCheck>>,
    location: InputLocation,
}

impl MediaCheck {
    /// Wraps `inner` (the schema check, if any) for a job whose input is `location`.
    pub fn new(inner: Option<Box<dyn BodyCheck>>, location: InputLocation) -> MediaCheck {
        MediaCheck { inner, location }
    }

    fn check_media(&self, body: &str, findings: &mut BodyFindings) {
        // Most bodies reference no media: skip the parse unless the key appears at all.
        if memmem::find(body.as_bytes(), b"s3Location").is_none() {
            return;
        }
        let Ok(value) = serde_json::from_str::<Value>(body) else {
            return;
        };
        let mut pointer = String::new();
        self.walk(&value, &mut pointer, findings);
    }

    fn walk(&self, value: &Value, pointer: &mut String, findings: &mut BodyFindings) {
        let len = pointer.len();
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    push_pointer_token(pointer, key);
                    if key == "s3Location" {
                        if let Some(uri) = child.get("uri").and_then(Value::as_str) {
                            if let Some(message) = self.location.problem(uri) {
                                let at = format!("{pointer}/uri");
                                findings.push(BodyFinding {
                                    code: RuleCode::M013,
                                    pointer: at,
                                    message,
                                });
                            }
                        }
                    } else {
                        self.walk(child, pointer, findings);
                    }
                    pointer.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    pointer.push('/');
                    pointer.push_str(&i.to_string());
                    self.walk(child, pointer, findings);
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }
}

impl BodyCheck for MediaCheck {
    fn check(&self, body: &str, findings: &mut BodyFindings) {
        if let Some(inner) = &self.inner {
            inner.check(body, findings);
        }
        self.check_media(body, findings);
    }

    fn check_recorded(&self, body: &str, tape: &BodyTape, findings: &mut BodyFindings) {
        if let Some(inner) = &self.inner {
            inner.check_recorded(body, tape, findings);
        }
        self.check_media(body, findings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSelection;

    fn run(location: &str, body: &str) -> Vec<BodyFinding> {
        let check = MediaCheck::new(None, InputLocation::parse(location).unwrap());
        let mut f = BodyFindings::new(100, &RuleSelection::default());
        check.check(body, &mut f);
        f.listed
    }

    const VIDEO: &str = r#"{"messages":[{"role":"user","content":[{"text":"Describe"},{"video":{"format":"mp4","source":{"s3Location":{"uri":"s3://batch-inference-input-bucket/videos/video1.mp4","bucketOwner":"111122223333"}}}}]}]}"#;

    #[test]
    fn the_aws_layout_passes_and_other_places_fail() {
        assert!(run("s3://batch-inference-input-bucket", VIDEO).is_empty());
        assert!(run("s3://batch-inference-input-bucket/", VIDEO).is_empty());
        let other = run("s3://batch-inference-input-bucket/jobs/", VIDEO);
        assert_eq!(other.len(), 1);
        assert_eq!(
            other[0].pointer,
            "/messages/0/content/1/video/source/s3Location/uri"
        );
        // Case-sensitive, as AWS says.
        assert_eq!(run("s3://Batch-Inference-Input-Bucket/", VIDEO).len(), 1);
        let file = run("s3://batch-inference-input-bucket/input.jsonl", VIDEO);
        assert!(
            file[0].message.contains("names one .jsonl file"),
            "{file:?}"
        );
        assert!(run("s3://elsewhere/", r#"{"inputText":"no media"}"#).is_empty());
    }

    #[test]
    fn only_s3_uris_are_input_locations() {
        assert_eq!(InputLocation::parse("/local/path"), None);
        assert_eq!(InputLocation::parse("s3://"), None);
    }
}
