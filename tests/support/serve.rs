//! Helpers for `stevedore serve` tests: the server as a child process, a minimal HTTP client,
//! and small upstream servers written here — a recording listener, fake registries that proxy
//! the real one with a twist (a foreign token realm, redirects, a trickled blob) — all on
//! 127.0.0.1.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const KEY: &str = "stevedore-test-api-key-0123456789";
pub const SCAN_MIME: &str = "application/vnd.scanner.adapter.scan.request+json; version=1.1";

/// A service variable scripts/test.sh sets; `None` (skip, said on stderr) only without it.
pub fn env(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                !super::services_required(),
                "scripts/test.sh started the services but {var} is unset"
            );
            eprintln!("SKIPPED: {var} unset (run ./scripts/test.sh)");
            None
        }
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `stevedore serve`; killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    pub stderr: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then the time until the process exits (at most `within`).
    pub fn terminate(&mut self, within: Duration) -> Option<Duration> {
        let started = Instant::now();
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        while started.elapsed() < within {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Some(started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// A value of /proc/PID/status (`Threads`, `VmRSS` in kB).
    pub fn status(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .unwrap()
            .lines()
            .find(|l| l.starts_with(&format!("{field}:")))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap()
    }
}

/// How to start a server.
pub struct Start<'a> {
    pub port: u16,
    pub extra: Vec<String>,
    /// Reuse this state directory (a restart); default a fresh one.
    pub state: Option<&'a Path>,
    /// Run under `ulimit -n N`.
    pub nofile: Option<u32>,
    /// Wait for this port too (the admission listener).
    pub also: Option<u16>,
}

impl Default for Start<'_> {
    fn default() -> Self {
        Start {
            port: free_port(),
            extra: Vec::new(),
            state: None,
            nofile: None,
            also: None,
        }
    }
}

pub fn start(port: u16, extra: &[&str]) -> Server {
    start_with(Start {
        port,
        extra: extra.iter().map(|s| s.to_string()).collect(),
        ..Start::default()
    })
}

pub fn start_with(s: Start) -> Server {
    let temp = tempfile::tempdir().unwrap();
    let dir = s
        .state
        .map_or_else(|| temp.path().join("state"), Path::to_path_buf);
    let key = temp.path().join("key");
    std::fs::write(&key, KEY).unwrap();
    let mut args: Vec<String> = vec![
        "serve".into(),
        "--listen".into(),
        format!("127.0.0.1:{}", s.port),
        "--api-key-file".into(),
        key.display().to_string(),
        "--state-dir".into(),
        dir.display().to_string(),
    ];
    if !s.extra.iter().any(|a| a == "--config") {
        args.push("--config".into());
        args.push(super::empty_config());
    }
    args.extend(s.extra.iter().cloned());
    let bin = env!("CARGO_BIN_EXE_stevedore");
    let mut command = match s.nofile {
        Some(n) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                .arg(bin)
                .args(&args);
            c
        }
        None => {
            let mut c = Command::new(bin);
            c.args(&args);
            c
        }
    };
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    if let Some(pipe) = child.stderr.take() {
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
    }
    let mut server = Server {
        child,
        port: s.port,
        dir,
        _temp: Some(temp),
        stderr,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let ports: Vec<u16> = [Some(s.port), s.also].into_iter().flatten().collect();
    while Instant::now() < deadline {
        if ports
            .iter()
            .all(|p| TcpStream::connect(("127.0.0.1", *p)).is_ok())
        {
            return server;
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("stevedore serve exited ({status}): {}", server.log());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "stevedore serve did not listen on {ports:?}: {}",
        server.log()
    );
}

/// Starts the server expecting it to refuse: (exit code, stderr).
pub fn refuses(extra: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, KEY).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stevedore"))
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
        .arg("--api-key-file")
        .arg(&key)
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A minimal HTTP/1.1 client: (status, lowercased head, body).
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_string())
}

pub fn bearer() -> (&'static str, String) {
    ("Authorization", format!("Bearer {KEY}"))
}

/// POSTs a review to the admission route and returns the AdmissionReview answer.
pub fn admit(port: u16, review: &Value) -> Value {
    let (key, value) = bearer();
    let (status, _, text) = http(
        port,
        "POST",
        "/api/v1/admission",
        &[(key, &value), ("Content-Type", "application/json")],
        &review.to_string(),
    );
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// The deny message of an answer ("" when allowed).
pub fn message(answer: &Value) -> String {
    answer["response"]["status"]["message"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

pub fn allowed(answer: &Value) -> bool {
    answer["response"]["allowed"] == true
}

pub fn warnings(answer: &Value) -> Vec<String> {
    answer["response"]["warnings"]
        .as_array()
        .map(|w| w.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// An AdmissionReview for `object` (CREATE in `namespace` unless the request says otherwise).
pub fn review_of(object: Value, namespace: &str) -> Value {
    let kind = object["kind"].clone();
    serde_json::json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "uid-42", "kind": {"group": "", "version": "v1", "kind": kind}, "operation": "CREATE",
        "namespace": namespace, "object": object}})
}

/// A hardened pod running `image`.
pub fn pod(image: &str) -> Value {
    serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": {
        "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "web", "image": image, "securityContext": {"privileged": false,
            "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
            "resources": {"limits": {"memory": "64Mi", "cpu": "100m"}}}]}})
}

/// Pushes an archive to a registry with skopeo; returns the manifest digest.
pub fn push(archive: &str, dest: &str) -> String {
    super::run_ok(Command::new("skopeo").args([
        "--insecure-policy",
        "copy",
        "--quiet",
        "--dest-tls-verify=false",
        archive,
        dest,
    ]));
    let out = super::run_ok(Command::new("skopeo").args([
        "inspect",
        "--raw",
        "--tls-verify=false",
        dest,
    ]));
    format!("sha256:{}", super::imagegen::sha256_hex(&out.stdout))
}

/// Polls a Harbor report until it is no longer 302: (status, body).
pub fn harbor_result(port: u16, id: &str, within: Duration) -> (u16, String) {
    let (key, value) = bearer();
    let deadline = Instant::now() + within;
    loop {
        let (status, _, body) = http(
            port,
            "GET",
            &format!("/api/v1/scan/{id}/report"),
            &[(key, &value)],
            "",
        );
        if status != 302 {
            return (status, body);
        }
        assert!(Instant::now() < deadline, "scan {id} did not finish");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Asks for a Harbor scan: (status, job id or body).
pub fn harbor_scan(
    port: u16,
    url: &str,
    repository: &str,
    digest: &str,
    authorization: Option<&str>,
) -> (u16, String) {
    let (key, value) = bearer();
    let mut registry = serde_json::json!({"url": url});
    if let Some(a) = authorization {
        registry["authorization"] = a.into();
    }
    let body = serde_json::json!({"registry": registry, "artifact": {"repository": repository, "digest": digest}});
    let (status, _, text) = http(
        port,
        "POST",
        "/api/v1/scan",
        &[(key, &value), ("Content-Type", SCAN_MIME)],
        &body.to_string(),
    );
    if status == 202 {
        let id = serde_json::from_str::<Value>(&text).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        (status, id)
    } else {
        (status, text)
    }
}

/// One request a fake server received.
#[derive(Debug, Clone)]
pub struct Hit {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The first bytes of the connection, as received (a TLS ClientHello is not `GET`).
    pub first_bytes: Vec<u8>,
}

impl Hit {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What a fake answers.
pub enum Reply {
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// The head at once, then the body a byte every `every`.
    Trickle {
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        every: Duration,
    },
}

impl Reply {
    pub fn status(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
        Reply::Full {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }
}

type Handler = dyn Fn(&Hit) -> Reply + Send + Sync;

/// A small HTTP server on 127.0.0.1 that records every connection and request.
pub struct Fake {
    pub port: u16,
    hits: Arc<Mutex<Vec<Hit>>>,
    connections: Arc<AtomicUsize>,
    open: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

impl Fake {
    pub fn start(handler: impl Fn(&Hit) -> Reply + Send + Sync + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (h, c, o, st) = (
            Arc::clone(&hits),
            Arc::clone(&connections),
            Arc::clone(&open),
            Arc::clone(&stop),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if st.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                c.fetch_add(1, Ordering::Relaxed);
                o.fetch_add(1, Ordering::Relaxed);
                let (h, o, handler) = (Arc::clone(&h), Arc::clone(&o), Arc::clone(&handler));
                std::thread::spawn(move || {
                    serve_one(stream, &h, handler.as_ref());
                    o.fetch_sub(1, Ordering::Relaxed);
                });
            }
        });
        Fake {
            port,
            hits,
            connections,
            open,
            stop,
        }
    }

    /// A listener that answers 404 to everything: the host nobody may contact.
    pub fn listener() -> Fake {
        Fake::start(|_| Reply::status(404, &[], "nothing here"))
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

fn serve_one(mut stream: TcpStream, hits: &Mutex<Vec<Hit>>, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
        // Not HTTP (a TLS ClientHello starts with 0x16): keep what came, answer nothing.
        if head.len() == 1 && !head[0].is_ascii_uppercase() {
            let mut rest = [0u8; 15];
            let n = stream.read(&mut rest).unwrap_or(0);
            head.extend_from_slice(&rest[..n]);
            break;
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split_whitespace();
    let hit = Hit {
        method: parts.next().unwrap_or("").to_string(),
        path: parts.next().unwrap_or("").to_string(),
        headers: lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect(),
        first_bytes: head.iter().take(16).copied().collect(),
    };
    hits.lock().unwrap().push(hit.clone());
    if !head.ends_with(b"\r\n\r\n") {
        return;
    }
    let write_head =
        |stream: &mut TcpStream, status: u16, headers: &[(String, String)], len: usize| {
            let mut h =
                format!("HTTP/1.1 {status} X\r\nContent-Length: {len}\r\nConnection: close\r\n");
            for (k, v) in headers {
                h.push_str(&format!("{k}: {v}\r\n"));
            }
            h.push_str("\r\n");
            stream.write_all(h.as_bytes())
        };
    match handler(&hit) {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let _ = write_head(&mut stream, status, &headers, body.len());
            let _ = stream.write_all(&body);
        }
        Reply::Trickle {
            headers,
            body,
            every,
        } => {
            if write_head(&mut stream, 200, &headers, body.len()).is_err() {
                return;
            }
            for b in body {
                if stream.write_all(&[b]).is_err() {
                    return;
                }
                std::thread::sleep(every);
            }
        }
    }
    let _ = stream.flush();
}

/// A GET to a real upstream (the distribution registry), for proxying fakes:
/// (status, headers, body).
pub fn upstream(addr: &str, hit: &Hit) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!(
        "{} {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n",
        hit.method, hit.path
    );
    for (k, v) in &hit.headers {
        if k.eq_ignore_ascii_case("accept") || k.eq_ignore_ascii_case("authorization") {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| {
            [
                "content-type",
                "docker-content-digest",
                "www-authenticate",
                "location",
            ]
            .contains(&k.to_ascii_lowercase().as_str())
        })
        .collect();
    (status, headers, body)
}

/// The upstream's answer as a reply.
pub fn proxied(addr: &str, hit: &Hit) -> Reply {
    let (status, headers, body) = upstream(addr, hit);
    Reply::Full {
        status,
        headers,
        body,
    }
}

pub fn openssl(args: &[&str], dir: &Path) {
    super::run_ok(Command::new("openssl").args(args).current_dir(dir));
}

/// A CA, a server certificate for 127.0.0.1 and client certificates with the given DNS names in
/// their subjectAltName, under `dir`: ca.pem, server.pem/.key, client-NAME.pem/.key.
pub fn certificates(dir: &Path, clients: &[&str]) {
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=stevedore-test-ca",
        ],
        dir,
    );
    openssl(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
        dir,
    );
    std::fs::write(dir.join("server.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
        dir,
    );
    for name in clients {
        std::fs::write(
            dir.join(format!("client-{name}.ext")),
            format!("extendedKeyUsage=clientAuth\nsubjectAltName=DNS:{name}\n"),
        )
        .unwrap();
        let (key, csr, pem, ext) = (
            format!("client-{name}.key"),
            format!("client-{name}.csr"),
            format!("client-{name}.pem"),
            format!("client-{name}.ext"),
        );
        openssl(
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &csr,
                "-subj",
                &format!("/CN={name}"),
            ],
            dir,
        );
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &pem,
                "-days",
                "2",
                "-extfile",
                &ext,
            ],
            dir,
        );
    }
}

/// The tag [`push_variant`] pushes a variant under.
pub fn variant_tag(user: &str) -> String {
    user.replace(':', "-")
}

/// Pushes fixture `name` with its user changed to `user` (a distinct image per user) under the
/// tag [`variant_tag`]: (`registry/repository@digest`, digest).
pub fn push_variant(registry: &str, repository: &str, name: &str, user: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut desc = super::imagegen::load(&super::fixture(&format!("images/{name}.yaml")));
    desc.config.insert(
        "User".into(),
        super::imagegen::serde_yaml_value::Any::Str(user.into()),
    );
    let built = super::imagegen::build(&desc);
    let path = super::imagegen::write(
        &built,
        super::imagegen::Format::DockerArchive,
        dir.path(),
        name,
    );
    let digest = push(
        &super::imagegen::Format::DockerArchive.reference(&path),
        &format!("docker://{registry}/{repository}:{}", variant_tag(user)),
    );
    (format!("{registry}/{repository}@{digest}"), digest)
}

/// Pushes an index of (architecture, fixture) images as `registry/repository:tag`; returns the
/// index digest and each platform manifest's digest.
pub fn push_index(
    registry: &str,
    repository: &str,
    tag: &str,
    platforms: &[(&str, &str)],
) -> (String, Vec<String>) {
    use super::imagegen;
    let dir = tempfile::tempdir().unwrap();
    let descriptions: Vec<(&str, imagegen::Description)> = platforms
        .iter()
        .map(|(arch, name)| {
            (
                *arch,
                imagegen::load(&super::fixture(&format!("images/{name}.yaml"))),
            )
        })
        .collect();
    let (layout, index, digests) = imagegen::index_layout(dir.path(), &descriptions);
    let out = Command::new("skopeo")
        .args([
            "--insecure-policy",
            "copy",
            "--quiet",
            "--all",
            "--preserve-digests",
            "--dest-tls-verify=false",
        ])
        .arg(format!("oci:{}:multi", layout.display()))
        .arg(format!("docker://{registry}/{repository}:{tag}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (index, digests)
}

/// A fake registry in front of the real one: every request proxied, blob requests first
/// delayed by `delay` while `slow` is set.
pub fn slow_proxy(upstream_addr: &str, delay: Duration, slow: Arc<AtomicBool>) -> Fake {
    let upstream_addr = upstream_addr.to_string();
    Fake::start(move |hit| {
        if hit.path.contains("/blobs/") && slow.load(Ordering::Relaxed) {
            std::thread::sleep(delay);
        }
        proxied(&upstream_addr, hit)
    })
}

/// Like [`slow_proxy`], but every request waits `delay` while `slow` is set (manifests too).
pub fn stalling_proxy(upstream_addr: &str, delay: Duration, slow: Arc<AtomicBool>) -> Fake {
    let upstream_addr = upstream_addr.to_string();
    Fake::start(move |hit| {
        if slow.load(Ordering::Relaxed) {
            std::thread::sleep(delay);
        }
        proxied(&upstream_addr, hit)
    })
}
