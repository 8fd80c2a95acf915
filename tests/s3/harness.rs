//! A real S3-compatible server for the tests (`moto_server`, started on 127.0.0.1 and
//! killed with the test process), a minimal HTTP client to arrange and inspect buckets
//! without the code under test, a fault-injecting proxy, and the environment a user would
//! set: a profile in a temporary shared credentials file and `AWS_ENDPOINT_URL`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// The moto server of this test process.
pub struct Moto {
    pub port: u16,
    _child: Mutex<Child>,
}

/// The `moto_server` to run: `BEDROCK_BATCH_MOTO_SERVER`, else the one on `PATH`.
fn moto_command() -> String {
    std::env::var("BEDROCK_BATCH_MOTO_SERVER").unwrap_or_else(|_| "moto_server".into())
}

/// Starts `moto_server` once for the whole test binary. The child is started from a thread
/// that lives as long as the process and asks the kernel to kill it when that thread (so the
/// process) ends, so no server outlives the tests even when one panics.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let port = free_port();
            let mut cmd = Process::new(moto_command());
            cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            #[cfg(target_os = "linux")]
            {
                use std::os::unix::process::CommandExt;
                // SAFETY: prctl is async-signal-safe and touches only the child's own state.
                unsafe {
                    cmd.pre_exec(|| {
                        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                        Ok(())
                    });
                }
            }
            let child = cmd.spawn().unwrap_or_else(|e| {
                panic!(
                    "cannot start `{}` ({e}): install it with `pip install 'moto[server]==5.2.5'` \
                     (or set BEDROCK_BATCH_MOTO_SERVER); .ci/run does this itself",
                    moto_command()
                )
            });
            tx.send((port, child)).unwrap();
            loop {
                std::thread::park();
            }
        });
        let (port, child) = rx.recv().expect("moto thread started");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto {
            port,
            _child: Mutex::new(child),
        }
    })
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An HTTP response.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One unsigned request to the server (moto does not check signatures unless asked to).
pub fn request(
    port: u16,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // moto answers anonymous reads of a private bucket with 403; any signature will do (it
    // checks none unless told to).
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=AKIATESTBEDROCKBATCH/20261129/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Response {
    let end = find(raw, b"\r\n\r\n").expect("response head");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = find(b, b"\r\n") {
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
    out
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A bucket with a unique name on the moto server.
pub fn bucket(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "bb-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let r = request(moto().port, "PUT", &format!("/{name}"), &[], b"");
    assert_eq!(r.status, 200, "create bucket {name}: {}", r.text());
    name
}

pub fn put(bucket: &str, key: &str, body: &[u8]) {
    let r = request(moto().port, "PUT", &format!("/{bucket}/{key}"), &[], body);
    assert_eq!(r.status, 200, "put {key}: {}", r.text());
}

pub fn get(bucket: &str, key: &str) -> Response {
    request(moto().port, "GET", &format!("/{bucket}/{key}"), &[], b"")
}

/// Every key in the bucket under `prefix`, following continuation tokens.
pub fn keys(bucket: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut target = format!("/{bucket}?list-type=2&prefix={prefix}");
        if let Some(t) = &token {
            target.push_str(&format!("&continuation-token={}", urlencode(t)));
        }
        let r = request(moto().port, "GET", &target, &[], b"");
        assert_eq!(r.status, 200, "{}", r.text());
        let text = r.text();
        out.extend(between_all(&text, "<Key>", "</Key>"));
        match between_all(&text, "<NextContinuationToken>", "</NextContinuationToken>").pop() {
            Some(t) => token = Some(t),
            None => return out,
        }
    }
}

/// Multipart uploads in progress in the bucket.
pub fn open_multipart_uploads(bucket: &str) -> Vec<String> {
    let r = request(moto().port, "GET", &format!("/{bucket}?uploads"), &[], b"");
    between_all(&r.text(), "<UploadId>", "</UploadId>")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn between_all(text: &str, open: &str, close: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(close) else { break };
        out.push(after[..j].to_string());
        rest = &after[j + close.len()..];
    }
    out
}

/// Uploads every file under `dir` to `bucket` under `prefix` (relative paths as keys).
pub fn upload_dir(dir: &Path, bucket: &str, prefix: &str) {
    for entry in walkdir(dir) {
        let rel = entry
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        put(
            bucket,
            &format!("{prefix}{rel}"),
            &std::fs::read(&entry).unwrap(),
        );
    }
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walkdir(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The user's AWS setup: a profile in a temporary shared credentials file, its region in
/// a temporary config file, and the endpoint in `AWS_ENDPOINT_URL`, nothing else.
pub struct Aws {
    pub dir: tempfile::TempDir,
    pub endpoint: String,
    pub profile_body: String,
}

impl Aws {
    /// Credentials for the moto server.
    pub fn moto() -> Aws {
        Aws::at(&format!("http://127.0.0.1:{}", moto().port))
    }

    /// Credentials, with requests going to `endpoint`.
    pub fn at(endpoint: &str) -> Aws {
        Aws::with_profile(
            endpoint,
            "aws_access_key_id = AKIATESTBEDROCKBATCH\naws_secret_access_key = testsecret\n",
        )
    }

    /// `profile_body` is the `[bb-test]` section of the credentials file.
    pub fn with_profile(endpoint: &str, profile_body: &str) -> Aws {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("credentials"),
            format!("[bb-test]\n{profile_body}"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("config"),
            "[profile bb-test]\nregion = us-east-1\n",
        )
        .unwrap();
        Aws {
            dir,
            endpoint: endpoint.to_string(),
            profile_body: profile_body.to_string(),
        }
    }

    /// `bedrock-batch ARGS` with this setup and a clean AWS environment.
    pub fn bb(&self, args: &[&str]) -> Command {
        let mut cmd = Process::new(assert_cmd::cargo::cargo_bin("bedrock-batch"));
        self.setup(&mut cmd);
        cmd.args(args);
        Command::from_std(cmd)
    }

    /// This setup on `cmd`: the working folder and a clean AWS environment.
    fn setup(&self, cmd: &mut Process) {
        cmd.current_dir(self.dir.path());
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") {
                cmd.env_remove(k);
            }
        }
        cmd.env(
            "AWS_SHARED_CREDENTIALS_FILE",
            self.dir.path().join("credentials"),
        )
        .env("AWS_CONFIG_FILE", self.dir.path().join("config"))
        .env("AWS_PROFILE", "bb-test")
        .env("AWS_ENDPOINT_URL", &self.endpoint)
        // No instance metadata on a test machine: do not wait for it.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("NO_COLOR");
    }

    /// `bedrock-batch ARGS` with its stderr on a terminal, as a user at a shell has it: a
    /// pseudo-terminal from util-linux `script`, with stdout sent to a file. `CI` is removed
    /// unless `env` sets it. Returns the exit code, what the terminal showed, and stdout.
    pub fn on_terminal(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let quote = |w: &str| format!("'{}'", w.replace('\'', "'\\''"));
        let bin = assert_cmd::cargo::cargo_bin("bedrock-batch");
        let stdout = self.dir.path().join("terminal-stdout");
        let mut line = quote(&bin.to_string_lossy());
        for a in args {
            line.push(' ');
            line.push_str(&quote(a));
        }
        line.push_str(&format!(" >{}", quote(&stdout.to_string_lossy())));
        let mut cmd = Process::new("script");
        self.setup(&mut cmd);
        cmd.env_remove("CI")
            .env("TERM", "xterm")
            // -q: no start and end lines; -e: the command's exit code; the typescript file
            // is thrown away, the terminal's output comes on script's stdout.
            .args(["-q", "-e", "-c", &line, "/dev/null"])
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd
            .output()
            .expect("util-linux `script` runs (apt-get install bsdutils)");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            std::fs::read_to_string(&stdout).unwrap_or_default(),
        )
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.bb(args).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The outcome of a run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr)
        })
    }
}

/// What the proxy does to a request.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Forward it.
    Pass,
    /// Answer with this status and S3 error code, without forwarding.
    Error(u16, &'static str),
    /// Forward it, then send the response's head and half its body, and close.
    CutBody,
}

/// Decides the fault for the `n`th request (0-based) with this method and path.
pub type Plan = dyn Fn(usize, &str, &str) -> Fault + Send + Sync;

/// A proxy in front of moto that injects faults; `requests` counts what it saw.
pub struct Proxy {
    pub port: u16,
    pub requests: Arc<AtomicUsize>,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    pub fn start(plan: Box<Plan>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let log = Arc::new(Mutex::new(Vec::new()));
        let plan: Arc<Plan> = Arc::from(plan);
        let (count, seen) = (requests.clone(), log.clone());
        let upstream = moto().port;
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (plan, count, seen) = (plan.clone(), count.clone(), seen.clone());
                std::thread::spawn(move || serve(conn, upstream, &*plan, &count, &seen));
            }
        });
        Proxy {
            port,
            requests,
            log,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Serves requests on one client connection until it closes.
fn serve(
    conn: TcpStream,
    upstream: u16,
    plan: &Plan,
    count: &AtomicUsize,
    log: &Mutex<Vec<String>>,
) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut client = conn;
    loop {
        let mut head = Vec::new();
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let done = line == b"\r\n";
            head.extend_from_slice(&line);
            if done {
                break;
            }
        }
        let text = String::from_utf8_lossy(&head).into_owned();
        let first = text.lines().next().unwrap_or_default().to_string();
        let mut parts = first.split(' ');
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let len: usize = text
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, v)| v.trim().parse().unwrap_or(0));
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let n = count.fetch_add(1, Ordering::SeqCst);
        let path = target.split('?').next().unwrap_or_default().to_string();
        let fault = plan(n, &method, &target);
        log.lock()
            .unwrap()
            .push(format!("{n} {method} {target} -> {fault:?}"));
        match fault {
            Fault::Error(status, code) => {
                let xml = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>injected by the test proxy</Message><Resource>{path}</Resource></Error>"
                );
                let reason = if status == 503 { "Slow Down" } else { "Error" };
                let head = format!(
                    "HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n",
                    xml.len()
                );
                let body = if method == "HEAD" { String::new() } else { xml };
                if client
                    .write_all(head.as_bytes())
                    .and_then(|_| client.write_all(body.as_bytes()))
                    .is_err()
                {
                    return;
                }
            }
            Fault::Pass | Fault::CutBody => {
                let mut up = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
                // One request per upstream connection: ask moto to close it after answering.
                let forwarded = text.replacen("\r\n", "\r\nConnection: close\r\n", 1);
                let forwarded: String = forwarded
                    .split("\r\n")
                    .filter(|l| !l.to_ascii_lowercase().starts_with("connection: keep-alive"))
                    .collect::<Vec<_>>()
                    .join("\r\n");
                up.write_all(forwarded.as_bytes()).unwrap();
                up.write_all(&body).unwrap();
                let mut raw = Vec::new();
                let _ = up.read_to_end(&mut raw);
                let resp = parse_response(&raw);
                let mut head = format!("HTTP/1.1 {} X\r\n", resp.status);
                for (k, v) in &resp.headers {
                    let lk = k.to_ascii_lowercase();
                    if lk == "connection" || lk == "transfer-encoding" || lk == "content-length" {
                        continue;
                    }
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                let declared = if method == "HEAD" {
                    resp.header("content-length")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0)
                } else {
                    resp.body.len()
                };
                head.push_str(&format!("Content-Length: {declared}\r\n\r\n"));
                let sent = if matches!(fault, Fault::CutBody) {
                    &resp.body[..resp.body.len() / 2]
                } else {
                    &resp.body[..]
                };
                let ok = client
                    .write_all(head.as_bytes())
                    .and_then(|_| client.write_all(sent))
                    .is_ok();
                if !ok || matches!(fault, Fault::CutBody) {
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    return;
                }
            }
        }
    }
}
