//! Credentials and the endpoint, taken as the AWS CLI takes them.

use super::*;

/// A one-shot-per-request HTTP server on 127.0.0.1 that answers every request with `body`
/// (JSON) and counts the requests: the container credentials endpoint of ECS and EKS.
fn json_server(body: String) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/creds", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, hits)
}

#[test]
#[ignore = "needs moto_server; .ci/run runs it"]
fn credentials_and_endpoint_come_as_the_aws_cli_takes_them() {
    let b = bucket("chain");
    put(&b, "in/a.jsonl", &fixture("sample/claude-batch.jsonl"));
    let uri = format!("s3://{b}/in/");
    let moto_url = format!("http://127.0.0.1:{}", moto().port);
    let closed = format!("http://127.0.0.1:{}", free_port());
    let ok = |run: std::process::Output, what: &str| {
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(0), "{what}: {stderr}");
        let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        assert_eq!(report["summary"]["records"], 120, "{what}");
    };
    let validate = ["validate", uri.as_str(), "--format", "json"];

    // Keys in the environment, no files at all.
    let aws = Aws::moto();
    ok(
        aws.bb(&validate)
            .env_remove("AWS_PROFILE")
            .env("AWS_SHARED_CREDENTIALS_FILE", aws.dir.path().join("none"))
            .env("AWS_CONFIG_FILE", aws.dir.path().join("none"))
            .env("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_REGION", "us-east-1")
            .output()
            .unwrap(),
        "environment keys",
    );

    // credential_process in the profile: the process is run (it leaves a mark).
    let mark = aws.dir.path().join("process-ran");
    let process = Aws::with_profile(
        &moto_url,
        &format!(
            "credential_process = sh -c \"touch '{}'; echo '{{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"AKIAPROCESS\\\", \\\"SecretAccessKey\\\": \\\"s\\\"}}'\"\n",
            mark.display()
        ),
    );
    ok(
        process.bb(&validate).output().unwrap(),
        "credential_process",
    );
    assert!(mark.exists(), "the credential process ran");

    // AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL (which points nowhere here).
    ok(
        Aws::at(&closed)
            .bb(&validate)
            .env("AWS_ENDPOINT_URL_S3", &moto_url)
            .output()
            .unwrap(),
        "AWS_ENDPOINT_URL_S3",
    );

    // The profile's own endpoint_url, with no endpoint in the environment.
    let profile = Aws::moto();
    std::fs::write(
        profile.dir.path().join("config"),
        format!("[profile bb-test]\nregion = us-east-1\nendpoint_url = {moto_url}\n"),
    )
    .unwrap();
    ok(
        profile
            .bb(&validate)
            .env_remove("AWS_ENDPOINT_URL")
            .output()
            .unwrap(),
        "the profile's endpoint_url",
    );

    // Container credentials (ECS, EKS Pod Identity): asked of the local endpoint.
    let (creds_url, hits) = json_server(
        r#"{"AccessKeyId":"AKIACONTAINER","SecretAccessKey":"s","Token":"t","Expiration":"2099-01-01T00:00:00Z"}"#
            .to_string(),
    );
    let container = Aws::moto();
    ok(
        container
            .bb(&validate)
            .env_remove("AWS_PROFILE")
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                container.dir.path().join("none"),
            )
            .env("AWS_CONFIG_FILE", container.dir.path().join("none"))
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &creds_url)
            .output()
            .unwrap(),
        "container credentials",
    );
    assert!(hits.load(std::sync::atomic::Ordering::SeqCst) >= 1);

    // Web identity (EKS IRSA): the token is exchanged with STS, which moto also answers.
    let web = Aws::moto();
    let token = web.dir.path().join("token");
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln").unwrap();
    ok(
        web.bb(&validate)
            .env_remove("AWS_PROFILE")
            .env("AWS_SHARED_CREDENTIALS_FILE", web.dir.path().join("none"))
            .env("AWS_CONFIG_FILE", web.dir.path().join("none"))
            .env("AWS_REGION", "us-east-1")
            .env("AWS_WEB_IDENTITY_TOKEN_FILE", &token)
            .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa")
            .env("AWS_ROLE_SESSION_NAME", "bb-test")
            .output()
            .unwrap(),
        "web identity",
    );

    // SSO after `aws sso login`: the profile names an sso-session, the login left its token
    // in ~/.aws/sso/cache/SHA1(session name).json, and the role's credentials are asked of
    // the SSO portal (here a local stand-in, through AWS_ENDPOINT_URL_SSO).
    let (portal, portal_hits) = json_server(
        r#"{"roleCredentials":{"accessKeyId":"AKIASSO","secretAccessKey":"s","sessionToken":"t","expiration":4070908800000}}"#
            .to_string(),
    );
    let portal = portal.trim_end_matches("/creds").to_string();
    let sso = Aws::moto();
    let home = sso.dir.path().join("home");
    let cache = home.join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let session = "bb-sso";
    let name: String = <sha1::Sha1 as sha1::Digest>::digest(session.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(
        cache.join(format!("{name}.json")),
        r#"{"startUrl":"https://bb.awsapps.com/start","region":"us-east-1","accessToken":"token-from-aws-sso-login","expiresAt":"2099-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    std::fs::write(
        sso.dir.path().join("config"),
        format!(
            "[profile bb-test]\nsso_session = {session}\nsso_account_id = 123456789012\n\
             sso_role_name = DataEngineer\nregion = us-east-1\n\n[sso-session {session}]\n\
             sso_start_url = https://bb.awsapps.com/start\nsso_region = us-east-1\n"
        ),
    )
    .unwrap();
    std::fs::write(sso.dir.path().join("credentials"), "").unwrap();
    ok(
        sso.bb(&validate)
            .env("HOME", &home)
            .env("AWS_ENDPOINT_URL_SSO", &portal)
            .output()
            .unwrap(),
        "SSO",
    );
    assert!(portal_hits.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}
