//! The `CreateModelInvocationJob` and `GetModelInvocationJob` shapes of the Bedrock service
//! model, with every constraint the service enforces on a request.
//!
//! Everything here is copied from botocore 1.43.11, `bedrock/2023-04-20/service-2.json`: the
//! member names and their order, `required`, `min`/`max`, `enum` and `pattern`. Patterns are kept
//! verbatim (unanchored, as the model states them) so messages can quote them exactly as the
//! service does; they are matched anchored as `^(?:…)$`, which is how the API reference shows
//! them.
//!
//! Two kinds of problems are found here, in two passes, because that is how the real call fails:
//!
//! 1. [`param_problems`]: what botocore rejects on the client before anything is sent (a member
//!    the model does not have, a value of the wrong JSON type, a tagged union with other than one
//!    member set). Its wording is botocore's `Parameter validation failed` list.
//! 2. [`violations`]: what the service answers with a `ValidationException` (required members,
//!    lengths, patterns, enums, ranges, list sizes). Its wording is the service's
//!    `Value '…' at '…' failed to satisfy constraint: …`.

mod params;
mod service_model;
mod violations;

pub use params::{param_problems, ParamProblem};
pub use service_model::*;
pub use violations::{violations, Violation};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use serde_json::Value;

    #[test]
    fn every_pattern_compiles() {
        for p in ALL_PATTERNS {
            assert!(COMPILED.contains_key(p));
        }
    }

    #[test]
    fn job_name_pattern_matches_like_the_reference() {
        for ok in ["my-batch-job", "job.v1+x", "a--b", "ab-"] {
            assert!(matches(JOB_NAME_PATTERN, ok), "{ok}");
        }
        for bad in ["my_batch_job", "-lead", ""] {
            assert!(!matches(JOB_NAME_PATTERN, bad), "{bad}");
        }
    }

    #[test]
    fn s3_uri_pattern_matches_like_the_reference() {
        for ok in [
            "s3://my-bucket/input/",
            "s3://my-bucket",
            "s3://abc/x.jsonl",
        ] {
            assert!(matches(S3_URI_PATTERN, ok), "{ok}");
        }
        for bad in [
            "s3://My-Bucket/x",
            "s3://my-bucket/date=2024-01-01/x.jsonl",
            "s3://my-bucket/a b.jsonl",
            "s3://my-bucket/a+b.jsonl",
            "s3://ab/x",
        ] {
            assert!(!matches(S3_URI_PATTERN, bad), "{bad}");
        }
    }

    #[test]
    fn model_id_pattern_matches_like_the_reference() {
        for ok in [
            "anthropic.claude-3-haiku-20240307-v1:0",
            "us.anthropic.claude-3-5-haiku-20241022-v1:0",
            "us.deepseek.r1-v1:0",
            "openai.gpt-oss-120b-1:0",
            "amazon.titan-embed-text-v2:0",
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
        ] {
            assert!(matches(MODEL_ID_PATTERN, ok), "{ok}");
        }
        for bad in ["Anthropic Claude", "anthropic.claude v1", "a..b"] {
            assert!(!matches(MODEL_ID_PATTERN, bad), "{bad}");
        }
    }

    #[test]
    fn token_tag_and_kms_patterns() {
        assert!(matches(TOKEN_PATTERN, "abc-123"));
        assert!(!matches(TOKEN_PATTERN, "abc_123"));
        assert!(matches(TAG_PATTERN, "team: ml/x=y+z@a-b"));
        assert!(matches(TAG_PATTERN, ""));
        assert!(!matches(TAG_PATTERN, "caf\u{e9}"));
        // Java's `\s` is ASCII-only: a no-break space is not whitespace for the service.
        assert!(!matches(TAG_PATTERN, "a\u{a0}b"));
        assert!(matches(KMS_KEY_ID_PATTERN, "alias/my-key_1/x"));
        assert!(matches(
            KMS_KEY_ID_PATTERN,
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
        assert!(!matches(KMS_KEY_ID_PATTERN, "my key"));
        assert!(matches(
            ROLE_ARN_PATTERN,
            "arn:aws:iam::123456789012:role/Batch"
        ));
        assert!(matches(ROLE_ARN_PATTERN, "arn:aws-cn:iam:::role/x"));
        assert!(!matches(ROLE_ARN_PATTERN, "arn:aws:iam::12345:role/x"));
    }

    #[test]
    fn the_service_message_of_the_issue() {
        let v = violations(
            &CREATE_REQUEST,
            &json!({"jobName": "my_job", "roleArn": "arn:aws:iam::123456789012:role/R",
                    "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
                    "inputDataConfig": {"s3InputDataConfig": {"s3Uri": "s3://bucket/in/"}},
                    "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://bucket/out/"}}}),
        );
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].to_string(),
            r"Value 'my_job' at 'jobName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\+\-\.]){0,63}"
        );
    }

    #[test]
    fn required_members_nested_and_top_level() {
        let v = violations(
            &CREATE_REQUEST,
            &json!({"inputDataConfig": {"s3InputDataConfig": {}}}),
        );
        let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "Value null at 'jobName' failed to satisfy constraint: Member must not be null",
                "Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
                "Value null at 'modelId' failed to satisfy constraint: Member must not be null",
                "Value null at 'inputDataConfig.s3InputDataConfig.s3Uri' failed to satisfy constraint: Member must not be null",
                "Value null at 'outputDataConfig' failed to satisfy constraint: Member must not be null",
            ]
        );
    }

    #[test]
    fn ranges_lists_and_tags() {
        let tags: Vec<Value> = (0..201)
            .map(|i| json!({"key": format!("k{i}"), "value": "v"}))
            .collect();
        let v = violations(
            &CREATE_REQUEST,
            &json!({"timeoutDurationInHours": 200,
                    "vpcConfig": {"subnetIds": ["subnet_1"], "securityGroupIds": []},
                    "tags": tags,
                    "modelInvocationType": "Batch"}),
        );
        let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
        let find = |needle: &str| {
            shown
                .iter()
                .find(|s| s.contains(needle))
                .unwrap_or_else(|| panic!("{needle} not in {shown:#?}"))
                .clone()
        };
        assert_eq!(
            find("timeoutDurationInHours"),
            "Value '200' at 'timeoutDurationInHours' failed to satisfy constraint: Member must have value less than or equal to 168"
        );
        let huge = violations(
            &CREATE_REQUEST,
            &json!({"timeoutDurationInHours": 18446744073709551615u64}),
        );
        assert!(huge.iter().any(|v| v.to_string()
            == "Value '18446744073709551615' at 'timeoutDurationInHours' failed to satisfy constraint: Member must have value less than or equal to 168"));
        assert_eq!(
            find("vpcConfig.subnetIds"),
            "Value '[subnet_1]' at 'vpcConfig.subnetIds' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 32, Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: [-0-9a-zA-Z]+]"
        );
        assert_eq!(
            find("vpcConfig.securityGroupIds"),
            "Value '[]' at 'vpcConfig.securityGroupIds' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
        assert!(find("at 'tags'").ends_with("Member must have length less than or equal to 200"));
        assert_eq!(
            find("modelInvocationType"),
            "Value 'Batch' at 'modelInvocationType' failed to satisfy constraint: Member must satisfy enum value set: [InvokeModel, Converse]"
        );
    }

    #[test]
    fn tag_members_are_reported_one_based() {
        let v = violations(
            &CREATE_REQUEST,
            &json!({"tags": [{"key": "ok", "value": "ok"}, {"key": "", "value": "bad!"}]}),
        );
        let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert!(shown.contains(&"Value '' at 'tags.2.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1".to_owned()), "{shown:#?}");
        assert!(shown.contains(&r"Value 'bad!' at 'tags.2.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9\s._:/=+@-]*".to_owned()), "{shown:#?}");
    }

    #[test]
    fn param_problems_use_botocore_wording() {
        let p = param_problems(
            &CREATE_REQUEST,
            &json!({"jobName": 5, "foo": 1,
                    "inputDataConfig": {},
                    "vpcConfig": {"subnetIds": "a"}}),
        );
        let shown: Vec<String> = p.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "Invalid type for parameter jobName, value: 5, type: <class 'int'>, valid types: <class 'str'>",
                "Unknown parameter in input: \"foo\", must be one of: jobName, roleArn, clientRequestToken, modelId, inputDataConfig, outputDataConfig, vpcConfig, timeoutDurationInHours, tags, modelInvocationType",
                "Invalid number of parameters set for tagged union structure inputDataConfig. Can only set one of the following keys: s3InputDataConfig.",
                "Invalid type for parameter vpcConfig.subnetIds, value: a, type: <class 'str'>, valid types: <class 'list'>, <class 'tuple'>",
            ]
        );
    }
}
