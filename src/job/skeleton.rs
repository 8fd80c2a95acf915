//! Skeletons, as the AWS CLI's `--generate-cli-skeleton` prints them.
//!
//! - `input`: every request member with an empty placeholder (`""`, `0`, one-element lists, the
//!   first enum value), ready to fill in and pass to `--cli-input-json`.
//! - `yaml-input`: the same as YAML for `--cli-input-yaml`, with `# [REQUIRED]` and the valid
//!   values of enums as comments (the AWS CLI v2 layout, without the documentation text).
//! - `output`: the response with placeholders named after the members (`"jobArn": "jobArn"`),
//!   timestamps as `1970-01-01T00:00:00`, numbers as `0`.
//!
//! The placeholders follow botocore's `ArgumentGenerator`, except that an enum takes its first
//! value instead of a random one, so the output is stable.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::constraints::{Shape, StructureShape};

/// Which skeleton to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SkeletonKind {
    /// JSON input for `--cli-input-json`.
    #[default]
    Input,
    /// YAML input for `--cli-input-yaml`.
    YamlInput,
    /// A sample response.
    Output,
}

/// A sample of `shape` (JSON). `use_member_names` makes strings carry their member's name, as
/// in the output skeleton.
pub fn generate(shape: &'static StructureShape, use_member_names: bool) -> Value {
    structure(shape, use_member_names)
}

fn structure(shape: &StructureShape, names: bool) -> Value {
    let mut map = Map::new();
    for m in shape.members {
        map.insert(m.name.to_owned(), sample(m.shape, m.name, names));
    }
    Value::Object(map)
}

fn sample(shape: Shape, name: &str, names: bool) -> Value {
    match shape {
        Shape::Structure(s) => structure(s, names),
        Shape::List(l) => {
            // botocore names list elements after the element shape.
            let element_name = if names { l.member_name } else { "" };
            Value::Array(vec![sample(l.member, element_name, names)])
        }
        Shape::String(s) => {
            if names {
                Value::String(name.to_owned())
            } else {
                Value::String(s.enum_values.first().copied().unwrap_or("").to_owned())
            }
        }
        Shape::Integer(_) => Value::from(0),
        Shape::Timestamp => Value::String("1970-01-01T00:00:00".to_owned()),
    }
}

/// The YAML input skeleton of `shape`, with comments.
pub fn yaml_input(shape: &'static StructureShape) -> String {
    let mut out = String::new();
    yaml_structure(shape, 0, false, &mut out);
    out
}

fn yaml_comment(required: bool, shape: Shape) -> String {
    let mut parts = Vec::new();
    if required {
        parts.push("[REQUIRED]".to_owned());
    }
    if let Shape::String(s) = shape {
        if !s.enum_values.is_empty() {
            parts.push(format!("Valid values are: {}.", s.enum_values.join(", ")));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" # {}", parts.join(" "))
    }
}

fn yaml_scalar(shape: Shape) -> String {
    match shape {
        Shape::String(s) => match s.enum_values.first() {
            Some(v) => (*v).to_owned(),
            None => "''".to_owned(),
        },
        Shape::Integer(_) => "0".to_owned(),
        Shape::Timestamp => "'1970-01-01T00:00:00'".to_owned(),
        Shape::Structure(_) | Shape::List(_) => unreachable!("not a scalar"),
    }
}

/// Writes the members of `shape` at `indent`; when `first_dash` is set, the first line is the
/// element of a list (`- key: ...`).
fn yaml_structure(shape: &StructureShape, indent: usize, first_dash: bool, out: &mut String) {
    for (i, m) in shape.members.iter().enumerate() {
        let lead = if first_dash && i == 0 {
            format!("{}- ", " ".repeat(indent.saturating_sub(2)))
        } else {
            " ".repeat(indent)
        };
        let comment = yaml_comment(m.required, m.shape);
        match m.shape {
            Shape::Structure(s) => {
                let _ = writeln!(out, "{lead}{}:{comment}", m.name);
                yaml_structure(s, indent + 2, false, out);
            }
            Shape::List(l) => {
                let _ = writeln!(out, "{lead}{}:{comment}", m.name);
                match l.member {
                    Shape::Structure(s) => yaml_structure(s, indent + 2, true, out),
                    scalar => {
                        let _ = writeln!(out, "{}- {}", " ".repeat(indent), yaml_scalar(scalar));
                    }
                }
            }
            scalar => {
                let _ = writeln!(out, "{lead}{}: {}{comment}", m.name, yaml_scalar(scalar));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::constraints::{CREATE_REQUEST, GET_RESPONSE};
    use serde_json::json;

    #[test]
    fn input_skeleton_matches_the_aws_cli() {
        // `aws bedrock create-model-invocation-job --generate-cli-skeleton`, with the enum's
        // first value where the CLI picks one at random.
        assert_eq!(
            generate(&CREATE_REQUEST, false),
            json!({
                "jobName": "", "roleArn": "", "clientRequestToken": "", "modelId": "",
                "inputDataConfig": {"s3InputDataConfig": {"s3InputFormat": "JSONL", "s3Uri": "", "s3BucketOwner": ""}},
                "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "", "s3EncryptionKeyId": "", "s3BucketOwner": ""}},
                "vpcConfig": {"subnetIds": [""], "securityGroupIds": [""]},
                "timeoutDurationInHours": 0,
                "tags": [{"key": "", "value": ""}],
                "modelInvocationType": "InvokeModel"
            })
        );
    }

    #[test]
    fn output_skeleton_uses_member_names() {
        let v = generate(&GET_RESPONSE, true);
        assert_eq!(v["jobArn"], "jobArn");
        assert_eq!(v["submitTime"], "1970-01-01T00:00:00");
        assert_eq!(v["vpcConfig"]["subnetIds"], json!(["SubnetId"]));
        assert_eq!(v["totalRecordCount"], 0);
    }

    #[test]
    fn yaml_skeleton_parses_back_to_the_json_one() {
        let text = yaml_input(&CREATE_REQUEST);
        assert!(text.starts_with("jobName: '' # [REQUIRED]\n"), "{text}");
        let parsed: Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(parsed, generate(&CREATE_REQUEST, false));
    }
}
