//! `stevedore serve` attacked as an intruder would, on loopback: a workload exempting itself,
//! a tag standing in for a judged digest, a registry sending the server (and its credentials)
//! elsewhere, spellings of the allow-list, slow upstreams and slow clients, restarts, floods.
//! Upstreams are the real distribution registry, fronted where needed by small fakes written in
//! tests/support/serve.rs that record every connection they receive.

use crate::support::build_fixture;
use crate::support::imagegen::Format;
use crate::support::serve::*;
use base64::Engine;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A pod that asks for everything: privileged, SYS_ADMIN, the host's pid namespace and the
/// Docker socket.
fn dangerous_pod(image: &str) -> Value {
    let mut p = pod(image);
    let c = &mut p["spec"]["containers"][0];
    c["securityContext"]["privileged"] = json!(true);
    c["securityContext"]["capabilities"] = json!({"add": ["SYS_ADMIN"]});
    c["volumeMounts"] = json!([{"name": "sock", "mountPath": "/var/run/docker.sock"}]);
    p["spec"]["hostPID"] = json!(true);
    p["spec"]["volumes"] = json!([{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}]);
    p
}

fn registry_args(reg: &str) -> Vec<String> {
    vec![
        "--allow-registry".into(),
        reg.into(),
        "--insecure-registry".into(),
        reg.into(),
    ]
}

fn start_args(args: Vec<String>) -> Server {
    start_with(Start {
        extra: args,
        ..Start::default()
    })
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn a_workload_cannot_exempt_itself() {
    let Some(reg) = env("STEVEDORE_TEST_REGISTRY") else {
        return;
    };
    let (image, _) = push_variant(&reg, "door/exempt", "clean", "10001:10001");
    let server = start_args(registry_args(&reg));
    for token in ["all", "CTR", "CTR001,CTR002,CTR008,CTR010"] {
        let mut bad = dangerous_pod(&image);
        bad["metadata"]["annotations"] = json!({"stevedore.dev/ignore": token});
        let answer = admit(server.port, &review_of(bad, "default"));
        assert!(!allowed(&answer), "{token}: {answer}");
        let m = message(&answer);
        for rule in ["CTR001", "CTR002", "CTR008", "CTR010"] {
            assert!(m.contains(rule), "{token}: {rule} missing: {m}");
        }
        assert!(
            warnings(&answer)
                .iter()
                .any(|w| w.contains("stevedore.dev/ignore annotation was ignored")),
            "{answer}"
        );
    }
    // A Deployment carrying it on its metadata and its pod template.
    let bad = dangerous_pod(&image);
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "annotations": {"stevedore.dev/ignore": "all"}},
        "spec": {"template": {"metadata": {"annotations": {"stevedore.dev/ignore": "all"}}, "spec": bad["spec"]}}});
    let answer = admit(server.port, &review_of(deployment, "default"));
    assert!(!allowed(&answer), "{answer}");
    assert!(message(&answer).contains("CTR010"), "{answer}");

    // The operator may choose to trust it.
    let trusting =
        start_args([registry_args(&reg), vec!["--trust-workload-ignores".into()]].concat());
    let mut bad = dangerous_pod(&image);
    bad["metadata"]["annotations"] = json!({"stevedore.dev/ignore": "all"});
    let answer = admit(trusting.port, &review_of(bad.clone(), "default"));
    assert!(allowed(&answer), "{answer}");

    // The operator's exceptions live in the server's policy file: by namespace, or by workload.
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "as-of: \"2026-11-27\"\nnamespaces:\n  kube-system:\n    ignore: [CTR, POD]\nexceptions:\n  - rule: CTR\n    namespace: monitoring\n    workload: web\n    reason: node agent, reviewed\n    expires: 2999-01-01\n  - rule: host-path-volume\n    namespace: monitoring\n    workload: web\n    reason: node agent, reviewed\n    expires: 2999-01-01\n",
    )
    .unwrap();
    let operator = start_args(
        [
            registry_args(&reg),
            vec!["--config".into(), policy.display().to_string()],
        ]
        .concat(),
    );
    let plain = dangerous_pod(&image);
    assert!(allowed(&admit(
        operator.port,
        &review_of(plain.clone(), "kube-system")
    )));
    assert!(allowed(&admit(
        operator.port,
        &review_of(plain.clone(), "monitoring")
    )));
    let mut other = plain.clone();
    other["metadata"]["name"] = json!("api");
    assert!(!allowed(&admit(
        operator.port,
        &review_of(other, "monitoring")
    )));
    assert!(!allowed(&admit(
        operator.port,
        &review_of(plain, "default")
    )));
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn tags_are_judged_by_the_digest_they_resolve_to() {
    let Some(reg) = env("STEVEDORE_TEST_REGISTRY") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let smells = push(
        &build_fixture("fs-smells", Format::DockerArchive, dir.path()),
        &format!("docker://{reg}/door/smells:1"),
    );
    let server = start_args(registry_args(&reg));
    // A full result stored for the digest (as Harbor or a push event leaves it).
    let (status, id) = harbor_scan(
        server.port,
        &format!("http://{reg}"),
        "door/smells",
        &smells,
        None,
    );
    assert_eq!(status, 202, "{id}");
    assert_eq!(
        harbor_result(server.port, &id, Duration::from_secs(60)).0,
        200
    );
    let by_digest = admit(
        server.port,
        &review_of(pod(&format!("{reg}/door/smells@{smells}")), "default"),
    );
    assert!(
        !allowed(&by_digest) && message(&by_digest).contains("FS003"),
        "{by_digest}"
    );
    // The same manifest by tag: judged by its digest, which the message names.
    let by_tag = admit(
        server.port,
        &review_of(pod(&format!("{reg}/door/smells:1")), "default"),
    );
    assert!(!allowed(&by_tag), "{by_tag}");
    let m = message(&by_tag);
    assert!(m.contains("FS003"), "{m}");
    assert!(
        m.contains(&format!("{}…", &smells[..19])),
        "the digest judged is named: {m}"
    );

    // An index: every platform is judged (the node is unknown), the worst wins.
    let (index, platforms) = push_index(
        &reg,
        "door/multi",
        "1",
        &[("amd64", "clean"), ("arm64", "fs-smells")],
    );
    let answer = admit(
        server.port,
        &review_of(pod(&format!("{reg}/door/multi:1")), "default"),
    );
    assert!(!allowed(&answer), "{answer}");
    let m = message(&answer);
    assert!(m.contains("FS003"), "{m}");
    for (digest, platform) in platforms.iter().zip(["linux/amd64", "linux/arm64"]) {
        assert!(
            m.contains(&format!("{}… ({platform})", &digest[..19])),
            "{platform}: {m}"
        );
    }
    // By the index digest too.
    let answer = admit(
        server.port,
        &review_of(pod(&format!("{reg}/door/multi@{index}")), "default"),
    );
    assert!(
        !allowed(&answer) && message(&answer).contains("FS003"),
        "{answer}"
    );

    // No stored result: the layers are scanned within the deadline, and the result kept.
    let (clean, clean_digest) = push_variant(&reg, "door/fresh", "clean", "10002:10002");
    let by_tag = format!("{reg}/door/fresh:{}", variant_tag("10002:10002"));
    let answer = admit(server.port, &review_of(pod(&by_tag), "default"));
    assert!(allowed(&answer), "{answer}");
    let (key, value) = bearer();
    assert_eq!(
        http(
            server.port,
            "GET",
            &format!("/api/v1/reports/{clean_digest}"),
            &[(key, &value)],
            ""
        )
        .0,
        200
    );

    // --require-digest: a tag is refused outright, whatever it points at.
    let strict = start_args([registry_args(&reg), vec!["--require-digest".into()]].concat());
    let answer = admit(
        strict.port,
        &review_of(pod(&format!("{reg}/door/multi:1")), "default"),
    );
    assert!(
        !allowed(&answer) && message(&answer).contains("--require-digest"),
        "{answer}"
    );
    assert!(allowed(&admit(
        strict.port,
        &review_of(pod(&clean), "default")
    )));
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn a_scan_that_cannot_finish_in_time_denies_and_keeps_running() {
    let Some(reg) = env("STEVEDORE_TEST_REGISTRY") else {
        return;
    };
    let slow = Arc::new(AtomicBool::new(true));
    let proxy = slow_proxy(&reg, Duration::from_millis(1000), Arc::clone(&slow));
    let (_, digest) = push_variant(&reg, "door/slow", "clean", "10003:10003");
    let image = format!("{}/door/slow@{digest}", proxy.addr());
    let server = start_args(
        [
            registry_args(&proxy.addr()),
            vec![
                "--admission-deadline".into(),
                "1.5".into(),
                "--webhook-timeout".into(),
                "4".into(),
            ],
        ]
        .concat(),
    );
    let started = Instant::now();
    let first = admit(server.port, &review_of(pod(&image), "default"));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered at the deadline"
    );
    assert!(!allowed(&first), "fail closed: {first}");
    let m = message(&first);
    assert!(m.contains("is scanning") && m.contains("retry"), "{m}");
    // The scan went on: a retry finds its result.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let again = admit(server.port, &review_of(pod(&image), "default"));
        if allowed(&again) {
            break;
        }
        assert!(Instant::now() < deadline, "never judged: {again}");
        std::thread::sleep(Duration::from_millis(500));
    }
    let (key, value) = bearer();
    assert_eq!(
        http(
            server.port,
            "GET",
            &format!("/api/v1/reports/{digest}"),
            &[(key, &value)],
            ""
        )
        .0,
        200
    );
    // A dry run queues nothing: no result appears for an image only a dry run asked about.
    let (_, dry_digest) = push_variant(&reg, "door/dry", "clean", "10004:10004");
    let dry_image = format!("{}/door/dry@{dry_digest}", proxy.addr());
    let mut review = review_of(pod(&dry_image), "default");
    review["request"]["dryRun"] = json!(true);
    let answer = admit(server.port, &review);
    assert!(!allowed(&answer), "{answer}");
    assert!(
        message(&answer).contains("a dry run queues no scan"),
        "{answer}"
    );
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(
        http(
            server.port,
            "GET",
            &format!("/api/v1/reports/{dry_digest}"),
            &[(key, &value)],
            ""
        )
        .0,
        404
    );
    // --fail-open keeps its meaning.
    let open = start_args(
        [
            registry_args(&proxy.addr()),
            vec![
                "--fail-open".into(),
                "--admission-deadline".into(),
                "1".into(),
                "--webhook-timeout".into(),
                "3".into(),
            ],
        ]
        .concat(),
    );
    let (_, other_digest) = push_variant(&reg, "door/open", "clean", "10005:10005");
    let other = format!("{}/door/open@{other_digest}", proxy.addr());
    let answer = admit(open.port, &review_of(pod(&other), "default"));
    assert!(allowed(&answer), "{answer}");
    assert!(
        warnings(&answer).iter().any(|w| w.contains("--fail-open")),
        "{answer}"
    );
    // --admission-config-only: today's fast verdict, said so, with the full scan queued.
    let quick = start_args(
        [
            registry_args(&proxy.addr()),
            vec!["--admission-config-only".into()],
        ]
        .concat(),
    );
    let (_, q_digest) = push_variant(&reg, "door/quick", "clean", "10006:10006");
    let q_image = format!("{}/door/quick@{q_digest}", proxy.addr());
    let answer = admit(quick.port, &review_of(pod(&q_image), "default"));
    assert!(allowed(&answer), "{answer}");
    assert!(
        warnings(&answer)
            .iter()
            .any(|w| w.contains("layers not judged yet")),
        "{answer}"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while http(
        quick.port,
        "GET",
        &format!("/api/v1/reports/{q_digest}"),
        &[(key, &value)],
        "",
    )
    .0 != 200
    {
        assert!(Instant::now() < deadline, "the full scan was not queued");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// A registry answering 401 with a token realm on another port.
fn realm_registry(realm_port: u16) -> Fake {
    Fake::start(move |_| {
        Reply::status(
            401,
            &[(
                "WWW-Authenticate",
                &format!("Bearer realm=\"http://127.0.0.1:{realm_port}/token\",service=\"fake\""),
            )],
            r#"{"errors":[{"code":"UNAUTHORIZED","message":"UPSTREAM-BODY-MARKER"}]}"#,
        )
    })
}

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn token_realms_receive_credentials_only_when_paired() {
    if env("STEVEDORE_TEST_REGISTRY").is_none() {
        return;
    }
    let realm = Fake::listener();
    let registry = realm_registry(realm.port);
    let secret = "harbor-robot:SECRET-PASSWORD";
    let server = start_args(registry_args(&registry.addr()));
    let (status, id) = harbor_scan(
        server.port,
        &format!("http://{}", registry.addr()),
        "team/app",
        DIGEST,
        Some(&format!("Basic {}", b64(secret))),
    );
    assert_eq!(status, 202, "{id}");
    let (status, body) = harbor_result(server.port, &id, Duration::from_secs(30));
    assert_eq!(status, 500);
    assert!(
        body.contains("token realm to 127.0.0.1") && body.contains("not allowed"),
        "{body}"
    );
    assert!(
        !body.contains("UPSTREAM-BODY-MARKER"),
        "an upstream body reached the client: {body}"
    );
    assert_eq!(realm.connections(), 0, "the realm was contacted");
    // Admission says the same, and no more.
    let answer = admit(
        server.port,
        &review_of(
            pod(&format!("{}/team/app@{DIGEST}", registry.addr())),
            "default",
        ),
    );
    assert!(!allowed(&answer));
    assert!(
        !answer.to_string().contains("UPSTREAM-BODY-MARKER"),
        "{answer}"
    );
    assert_eq!(realm.connections(), 0);

    // Paired with another registry: still refused (A's credentials never go to B's realm).
    let elsewhere = start_args(
        [
            registry_args(&registry.addr()),
            vec![
                "--allow-auth-realm".into(),
                format!("127.0.0.1:1={}", realm.addr()),
                "--insecure-registry".into(),
                realm.addr(),
            ],
        ]
        .concat(),
    );
    let (_, id) = harbor_scan(
        elsewhere.port,
        &format!("http://{}", registry.addr()),
        "team/app",
        DIGEST,
        Some(&format!("Basic {}", b64(secret))),
    );
    assert_eq!(
        harbor_result(elsewhere.port, &id, Duration::from_secs(30)).0,
        500
    );
    assert_eq!(realm.connections(), 0);

    // Paired with this registry: contacted, with this request's credentials.
    let paired = start_args(
        [
            registry_args(&registry.addr()),
            vec![
                "--allow-auth-realm".into(),
                format!("{}={}", registry.addr(), realm.addr()),
                "--insecure-registry".into(),
                realm.addr(),
            ],
        ]
        .concat(),
    );
    let (_, id) = harbor_scan(
        paired.port,
        &format!("http://{}", registry.addr()),
        "team/app",
        DIGEST,
        Some(&format!("Basic {}", b64(secret))),
    );
    assert_eq!(
        harbor_result(paired.port, &id, Duration::from_secs(30)).0,
        500
    );
    let hits = realm.hits();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(
        hits[0].header("authorization"),
        Some(format!("Basic {}", b64(secret)).as_str())
    );
    assert!(hits[0].path.starts_with("/token?"), "{hits:?}");

    // The CLI may follow a realm the registry names, but never with credentials it was not paired for.
    let cli_realm = Fake::listener();
    let cli_registry = realm_registry(cli_realm.port);
    let run = crate::support::stevedore(&[
        "image",
        &format!("docker://{}/team/app:1", cli_registry.addr()),
        "--insecure-registry",
        &cli_registry.addr(),
        "--insecure-registry",
        &cli_realm.addr(),
        "--creds",
        "alice:CLI-SECRET",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("credentials were not sent"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("CLI-SECRET"));
    let hits = cli_realm.hits();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(
        hits[0].header("authorization"),
        None,
        "credentials went to an unpaired realm"
    );
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn redirects_stay_on_the_allow_list_and_never_carry_credentials() {
    let Some(auth_reg) = env("STEVEDORE_TEST_AUTH_REGISTRY") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let archive = build_fixture("clean", Format::DockerArchive, dir.path());
    let out = std::process::Command::new("skopeo")
        .args([
            "--insecure-policy",
            "copy",
            "--quiet",
            "--dest-tls-verify=false",
            "--dest-creds",
            "stevedore:test-password",
            &archive,
        ])
        .arg(format!("docker://{auth_reg}/door/redirect:1"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = std::process::Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            "--creds",
            "stevedore:test-password",
        ])
        .arg(format!("docker://{auth_reg}/door/redirect:1"))
        .output()
        .unwrap();
    let digest = format!(
        "sha256:{}",
        crate::support::imagegen::sha256_hex(&out.stdout)
    );
    // Blob storage: serves blobs of the real registry by digest, to anyone who asks.
    let storage_upstream = auth_reg.clone();
    let storage = Fake::start(move |hit| {
        let digest = hit
            .path
            .split("d=")
            .nth(1)
            .unwrap_or("")
            .split('&')
            .next()
            .unwrap_or("");
        let mut forwarded = hit.clone();
        forwarded.path = format!("/v2/door/redirect/blobs/{digest}");
        forwarded.headers = vec![(
            "Authorization".into(),
            format!("Basic {}", b64("stevedore:test-password")),
        )];
        proxied(&storage_upstream, &forwarded)
    });
    // The registry: proxies the real one, redirecting blob requests to storage with a presigned URL.
    let (up, storage_port) = (auth_reg.clone(), storage.port);
    let registry = Fake::start(move |hit| {
        if let Some(d) = hit.path.split("/blobs/").nth(1) {
            return Reply::status(
                307,
                &[(
                    "Location",
                    &format!(
                        "http://127.0.0.1:{storage_port}/bucket?d={d}&X-Amz-Signature=PRESIGNED-SECRET"
                    ),
                )],
                "",
            );
        }
        proxied(&up, hit)
    });
    let harbor_auth = format!("Basic {}", b64("stevedore:test-password"));
    let server = start_args(registry_args(&registry.addr()));
    let (_, id) = harbor_scan(
        server.port,
        &format!("http://{}", registry.addr()),
        "door/redirect",
        &digest,
        Some(&harbor_auth),
    );
    let (status, body) = harbor_result(server.port, &id, Duration::from_secs(30));
    assert_eq!(status, 500, "{body}");
    assert!(
        body.contains(&format!(
            "redirect to 127.0.0.1:{storage_port} is not allowed"
        )),
        "{body}"
    );
    assert!(
        !body.contains("PRESIGNED-SECRET") && !server.log().contains("PRESIGNED-SECRET"),
        "a presigned URL was repeated"
    );
    assert_eq!(
        storage.connections(),
        0,
        "a non-allowed redirect target was contacted"
    );

    // Allowed for this registry: followed, and the registry's credentials stay behind.
    let allowing = start_args(
        [
            registry_args(&registry.addr()),
            vec![
                "--allow-blob-redirect".into(),
                format!("{}=127.0.0.1:{storage_port}", registry.addr()),
                "--insecure-registry".into(),
                storage.addr(),
            ],
        ]
        .concat(),
    );
    let (_, id) = harbor_scan(
        allowing.port,
        &format!("http://{}", registry.addr()),
        "door/redirect",
        &digest,
        Some(&harbor_auth),
    );
    let (status, body) = harbor_result(allowing.port, &id, Duration::from_secs(60));
    assert_eq!(status, 200, "{body}");
    let hits = storage.hits();
    assert!(!hits.is_empty());
    assert!(
        hits.iter().all(|h| h.header("authorization").is_none()),
        "credentials followed a redirect: {hits:?}"
    );
    assert!(
        registry
            .hits()
            .iter()
            .any(|h| h.header("authorization") == Some(harbor_auth.as_str()))
    );

    // A redirect loop ends.
    let looping = Fake::start(|hit| Reply::status(307, &[("Location", &hit.path.clone())], ""));
    let server = start_args(registry_args(&looping.addr()));
    let (_, id) = harbor_scan(
        server.port,
        &format!("http://{}", looping.addr()),
        "a/b",
        DIGEST,
        None,
    );
    let (status, body) = harbor_result(server.port, &id, Duration::from_secs(30));
    assert_eq!(status, 500);
    assert!(body.contains("more than 5 redirects"), "{body}");
    assert!(looping.hits().len() <= 6, "{}", looping.hits().len());
}

#[test]
fn the_allow_list_is_matched_as_the_puller_reads_references() {
    // A bare word is a Docker Hub namespace to docker: refused at start, in one line.
    let (code, err) = refuses(&["--allow-registry", "myreg"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Docker Hub namespace"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // Docker Hub allowed, Harbor names `myreg`: the reference would go to Docker Hub, so refused.
    let server = start(free_port(), &["--allow-registry", "index.docker.io"]);
    let (status, body) = harbor_scan(server.port, "http://myreg", "app", DIGEST, None);
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("not a registry host"), "{body}");
    // Spellings of the same registry are one registry.
    let (status, _) = harbor_scan(
        server.port,
        "https://registry-1.docker.io",
        "library/app",
        DIGEST,
        None,
    );
    assert_eq!(status, 202);
    let (status, _) = harbor_scan(server.port, "https://quay.io", "app/app", DIGEST, None);
    assert_eq!(status, 403);
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn plain_http_is_used_only_for_insecure_registries() {
    if env("STEVEDORE_TEST_REGISTRY").is_none() {
        return;
    }
    let plain = Fake::listener();
    let server = start(free_port(), &["--allow-registry", &plain.addr()]);
    let (_, id) = harbor_scan(
        server.port,
        &format!("http://{}", plain.addr()),
        "a/b",
        DIGEST,
        Some(&format!("Basic {}", b64("u:CLEAR-SECRET"))),
    );
    assert_eq!(
        harbor_result(server.port, &id, Duration::from_secs(30)).0,
        500
    );
    let hits = plain.hits();
    assert!(!hits.is_empty());
    for h in &hits {
        assert_eq!(
            h.first_bytes.first(),
            Some(&0x16),
            "not a TLS handshake: {:?}",
            String::from_utf8_lossy(&h.first_bytes)
        );
        assert!(h.header("authorization").is_none());
    }
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn slow_upstreams_end_at_the_scan_timeout_and_hold_no_threads() {
    let Some(reg) = env("STEVEDORE_TEST_REGISTRY") else {
        return;
    };
    let (up, trickle) = (reg.clone(), Arc::new(AtomicBool::new(true)));
    let t = Arc::clone(&trickle);
    let trickler = Fake::start(move |hit| match proxied(&up, hit) {
        Reply::Full {
            status: 200,
            headers,
            body,
        } if hit.path.contains("/blobs/") && t.load(std::sync::atomic::Ordering::Relaxed) => {
            Reply::Trickle {
                headers,
                body,
                every: Duration::from_millis(200),
            }
        }
        other => other,
    });
    let (_, digest) = push_variant(&reg, "door/trickle", "clean", "10011:10011");
    let image = format!("{}/door/trickle@{digest}", trickler.addr());
    let server = start_args(
        [
            registry_args(&trickler.addr()),
            vec![
                "--scan-timeout".into(),
                "3".into(),
                "--workers".into(),
                "1".into(),
            ],
        ]
        .concat(),
    );
    let started = Instant::now();
    let (_, id) = harbor_scan(
        server.port,
        &format!("http://{}", trickler.addr()),
        "door/trickle",
        &digest,
        None,
    );
    let (status, body) = harbor_result(server.port, &id, Duration::from_secs(30));
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("deadline reached"), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // Forty admissions of one trickled image: one scan, bounded threads, no connection left.
    let threads_before = server.status("Threads");
    let handles: Vec<_> = (0..40)
        .map(|_| {
            let (port, image) = (server.port, image.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                let a = admit(port, &review_of(pod(&image), "default"));
                (a, started.elapsed())
            })
        })
        .collect();
    let mut peak = 0;
    while handles.iter().any(|h| !h.is_finished()) {
        peak = peak.max(server.status("Threads"));
        std::thread::sleep(Duration::from_millis(20));
    }
    for h in handles {
        let (answer, took) = h.join().unwrap();
        assert!(!allowed(&answer), "{answer}");
        // Answered before the API server's webhook timeout (10 s), at the 8 s deadline.
        assert!(took < Duration::from_secs(10), "{took:?}");
    }
    assert!(
        peak <= threads_before + 4,
        "threads grew from {threads_before} to {peak}"
    );
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        trickler.open(),
        0,
        "registry connections outlived the scan timeout"
    );
    let blob_requests = trickler
        .hits()
        .iter()
        .filter(|h| h.path.contains("/blobs/"))
        .count();
    assert!(
        blob_requests <= 4,
        "one scan for forty reviews, not {blob_requests} blob requests"
    );
}

#[test]
fn slow_clients_cannot_crowd_out_healthz_or_admission() {
    let port = free_port();
    let server = start_with(Start {
        port,
        nofile: Some(256),
        extra: vec!["--header-timeout".into(), "2".into()],
        ..Start::default()
    });
    let idle: Vec<TcpStream> = (0..300)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", port)).ok())
        .collect();
    assert!(idle.len() >= 250, "{}", idle.len());
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let (status, _, _) = http(port, "GET", "/healthz", &[], "");
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let mut no_image = pod("x");
    no_image["spec"]["containers"][0]
        .as_object_mut()
        .unwrap()
        .remove("image");
    let answer = admit(port, &review_of(no_image, "default"));
    assert!(allowed(&answer), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    drop(idle);
    // A header sent half is dropped at the header timeout.
    let mut half = TcpStream::connect(("127.0.0.1", port)).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    half.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 512];
    let _ = half.read(&mut buf);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(server);
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn shutdown_closes_idle_connections_and_loses_no_accepted_job() {
    let Some(reg) = env("STEVEDORE_TEST_REGISTRY") else {
        return;
    };
    let slow = Arc::new(AtomicBool::new(true));
    let proxy = slow_proxy(&reg, Duration::from_millis(2000), Arc::clone(&slow));
    let images: Vec<(String, String)> = (0..5)
        .map(|i| push_variant(&reg, "door/shutdown", "clean", &format!("1002{i}:1002{i}")))
        .collect();
    let state = tempfile::tempdir().unwrap();
    let args = [
        registry_args(&proxy.addr()),
        vec![
            "--workers".into(),
            "1".into(),
            "--shutdown-timeout".into(),
            "1".into(),
        ],
    ]
    .concat();
    let port = free_port();
    let mut server = start_with(Start {
        port,
        extra: args.clone(),
        state: Some(state.path()),
        ..Start::default()
    });
    let ids: Vec<String> = images
        .iter()
        .map(|(_, digest)| {
            let (status, id) = harbor_scan(
                port,
                &format!("http://{}", proxy.addr()),
                "door/shutdown",
                digest,
                None,
            );
            assert_eq!(status, 202, "{id}");
            id
        })
        .collect();
    // A client that sent half a header and went quiet.
    let mut half = TcpStream::connect(("127.0.0.1", port)).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHo").unwrap();
    let took = server.terminate(Duration::from_secs(10));
    assert!(
        took.is_some_and(|t| t < Duration::from_secs(4)),
        "{took:?}: {}",
        server.log()
    );
    // Restarted on the same state, every accepted job completes.
    slow.store(false, std::sync::atomic::Ordering::Relaxed);
    let restarted = start_with(Start {
        port,
        extra: args,
        state: Some(state.path()),
        ..Start::default()
    });
    for id in ids {
        let (status, body) = harbor_result(restarted.port, &id, Duration::from_secs(60));
        assert_eq!(status, 200, "{id}: {body}");
    }
    let (_, _, metrics) = http(restarted.port, "GET", "/metrics", &[], "");
    assert!(
        !metrics.contains("stevedore_jobs_resumed_total 0\n"),
        "{metrics}"
    );
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn harbor_credentials_are_never_stored() {
    let Some(auth_reg) = env("STEVEDORE_TEST_AUTH_REGISTRY") else {
        return;
    };
    let slow = Arc::new(AtomicBool::new(true));
    let proxy = stalling_proxy(&auth_reg, Duration::from_millis(3000), Arc::clone(&slow));
    let state = tempfile::tempdir().unwrap();
    let args = [
        registry_args(&proxy.addr()),
        vec![
            "--workers".into(),
            "1".into(),
            "--admission-workers".into(),
            "1".into(),
            "--shutdown-timeout".into(),
            "0".into(),
        ],
    ]
    .concat();
    let port = free_port();
    let mut server = start_with(Start {
        port,
        extra: args.clone(),
        state: Some(state.path()),
        ..Start::default()
    });
    let auth = format!("Basic {}", b64("stevedore:test-password"));
    // Three jobs for one worker: two wait in the queue with their credentials.
    let ids: Vec<String> = (0..3)
        .map(|i| {
            let digest = format!("sha256:{}", format!("{i}").repeat(64));
            harbor_scan(
                port,
                &format!("http://{}", proxy.addr()),
                "door/creds",
                &digest,
                Some(&auth),
            )
            .1
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.terminate(Duration::from_secs(10)).is_some());
    for entry in std::fs::read_dir(state.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("test-password") && !text.contains(&b64("stevedore:test-password")),
            "credentials stored"
        );
    }
    slow.store(false, std::sync::atomic::Ordering::Relaxed);
    let restarted = start_with(Start {
        port,
        extra: args,
        state: Some(state.path()),
        ..Start::default()
    });
    for id in &ids {
        let (status, body) = harbor_result(restarted.port, id, Duration::from_secs(30));
        assert_eq!(status, 500, "{body}");
        assert!(body.contains("lost in a restart"), "{body}");
    }
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn push_event_envelopes_are_taken_whole_or_not_at_all() {
    let Some(reg) = env("STEVEDORE_TEST_REGISTRY") else {
        return;
    };
    let slow = Arc::new(AtomicBool::new(true));
    let proxy = stalling_proxy(&reg, Duration::from_millis(3000), slow);
    let server = start_args(
        [
            registry_args(&proxy.addr()),
            vec!["--queue".into(), "2".into(), "--workers".into(), "1".into()],
        ]
        .concat(),
    );
    let event = |digest: &str| {
        json!({"action": "push", "target": {"mediaType": "application/vnd.oci.image.manifest.v1+json",
            "repository": "door/events", "digest": digest, "url": format!("http://{}/v2/door/events/manifests/{digest}", proxy.addr())}})
    };
    let envelope = |digests: &[String]| {
        json!({"events": digests.iter().map(|d| event(d)).collect::<Vec<_>>()}).to_string()
    };
    let digests: Vec<String> = (0..6)
        .map(|i| format!("sha256:{}", format!("{:x}", i + 10).repeat(64)))
        .collect();
    let post = |body: &str| {
        let (key, value) = bearer();
        http(
            server.port,
            "POST",
            "/api/v1/registry-events",
            &[
                (key, &value),
                (
                    "Content-Type",
                    "application/vnd.docker.distribution.events.v1+json",
                ),
            ],
            body,
        )
    };
    // One worker takes the first; the next two wait; a queue of 2 is then full.
    let (status, _, body) = post(&envelope(&digests[..1]));
    assert_eq!(status, 200, "{body}");
    std::thread::sleep(Duration::from_millis(300));
    let (status, _, body) = post(&envelope(&digests[1..3]));
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["queued"], 2);
    // Three more do not fit: none is taken, and the registry is told to retry.
    let (status, head, body) = post(&envelope(&digests[3..6]));
    assert_eq!(status, 503, "{body}");
    assert!(head.contains("retry-after:"), "{head}");
    let (_, _, metrics) = http(server.port, "GET", "/metrics", &[], "");
    assert!(metrics.contains("stevedore_queue_depth 2\n"), "{metrics}");
    // The same digests again join the scans already queued: nothing new.
    let (status, _, body) = post(&envelope(&[
        digests[1].clone(),
        digests[1].clone(),
        digests[2].clone(),
    ]));
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (v["queued"].as_u64(), v["joined"].as_u64()),
        (Some(0), Some(2)),
        "{v}"
    );
    // Not an envelope, or not its media type.
    assert_eq!(post("[1,2]").0, 400);
    let (key, value) = bearer();
    assert_eq!(
        http(
            server.port,
            "POST",
            "/api/v1/registry-events",
            &[(key, &value), ("Content-Type", "text/plain")],
            "{}"
        )
        .0,
        415
    );
}

#[test]
fn admission_answers_stay_small() {
    let port = free_port();
    let _server = start(port, &["--body-limit", "16MiB"]);
    let long = "x".repeat(200);
    let containers: Vec<Value> = (0..10_000)
        .map(|i| json!({"name": format!("c{i}-{long}"), "securityContext": {"privileged": true}}))
        .collect();
    let object = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": long}, "spec": {"containers": containers}});
    let (key, value) = bearer();
    let (status, _, text) = http(
        port,
        "POST",
        "/api/v1/admission",
        &[(key, &value), ("Content-Type", "application/json")],
        &review_of(object, "default").to_string(),
    );
    assert_eq!(status, 200);
    assert!(text.len() < 8192, "{} bytes", text.len());
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert!(!allowed(&answer));
    let w = warnings(&answer);
    assert!(w.len() <= 20, "{}", w.len());
    assert!(w.iter().all(|x| x.chars().count() <= 256));
    assert!(w.iter().map(String::len).sum::<usize>() <= 4096);
    assert!(message(&answer).chars().count() <= 2048);
}

#[test]
fn malformed_requests_are_refused_never_allowed() {
    let port = free_port();
    let _server = start(port, &[]);
    let (key, value) = bearer();
    let post = |body: &str, content_type: &str| {
        http(
            port,
            "POST",
            "/api/v1/admission",
            &[(key, &value), ("Content-Type", content_type)],
            body,
        )
    };
    let good = review_of(pod("10.9.9.9:5000/x:1"), "default");
    let mut no_object = good.clone();
    no_object["request"]
        .as_object_mut()
        .unwrap()
        .remove("object");
    let mut wrong_version = good.clone();
    wrong_version["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let mut wrong_kind = good.clone();
    wrong_kind["kind"] = json!("Pod");
    for (case, body) in [
        ("no object", no_object),
        ("apiVersion", wrong_version),
        ("kind", wrong_kind),
    ] {
        assert_eq!(post(&body.to_string(), "application/json").0, 400, "{case}");
    }
    assert_eq!(post("not json", "application/json").0, 400);
    assert_eq!(post(&good.to_string(), "text/plain").0, 415);
    // DELETE and CONNECT carry no object to judge: allowed.
    for op in ["DELETE", "CONNECT"] {
        let mut r = good.clone();
        r["request"]["operation"] = json!(op);
        r["request"].as_object_mut().unwrap().remove("object");
        let (status, _, text) = post(&r.to_string(), "application/json");
        assert_eq!(status, 200, "{op}");
        assert!(allowed(&serde_json::from_str(&text).unwrap()), "{op}");
    }
    // Harbor: its media type or 415.
    let body = json!({"registry": {"url": "http://10.0.0.1:5000"}, "artifact": {"repository": "x", "digest": DIGEST}}).to_string();
    assert_eq!(
        http(
            port,
            "POST",
            "/api/v1/scan",
            &[(key, &value), ("Content-Type", "application/json")],
            &body
        )
        .0,
        415
    );
    // An admission deadline the API server would not wait for.
    let (code, err) = refuses(&["--admission-deadline", "9", "--webhook-timeout", "10"]);
    assert_eq!(code, 2);
    assert!(err.contains("at least 2s below --webhook-timeout"), "{err}");
}

#[test]
fn admission_semantics_pods_workloads_and_namespaces() {
    let port = free_port();
    let _server = start(port, &["--exempt-namespace", "kube-system"]);
    let mut bad = pod("x");
    bad["spec"]["containers"][0]
        .as_object_mut()
        .unwrap()
        .remove("image");
    bad["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    let mut update = review_of(bad.clone(), "default");
    update["request"]["operation"] = json!("UPDATE");
    assert!(!allowed(&admit(port, &update)), "UPDATE is judged");
    let mut ephemeral = review_of(bad.clone(), "default");
    ephemeral["request"]["subResource"] = json!("ephemeralcontainers");
    assert!(
        !allowed(&admit(port, &ephemeral)),
        "pods/ephemeralcontainers is judged"
    );
    let mut status = review_of(bad.clone(), "default");
    status["request"]["subResource"] = json!("status");
    assert!(
        allowed(&admit(port, &status)),
        "pods/status is not a workload change"
    );
    let exempt = admit(port, &review_of(bad.clone(), "kube-system"));
    assert!(
        allowed(&exempt) && warnings(&exempt)[0].contains("exempt"),
        "{exempt}"
    );
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"spec": bad["spec"]}}});
    assert!(
        !allowed(&admit(port, &review_of(deployment.clone(), "default"))),
        "deny by default"
    );
    let warn_port = free_port();
    let _warn = start(warn_port, &["--workload-verdict", "warn"]);
    let answer = admit(warn_port, &review_of(deployment, "default"));
    assert!(allowed(&answer), "{answer}");
    assert!(
        warnings(&answer).iter().any(|w| w.contains("CTR001")),
        "{answer}"
    );
}

#[test]
fn the_admission_listener_takes_no_key_and_serves_nothing_else() {
    let (port, admission_port) = (free_port(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let harbor_key = dir.path().join("harbor");
    std::fs::write(&harbor_key, "harbor-only-key-0123456789").unwrap();
    let _server = start_with(Start {
        port,
        also: Some(admission_port),
        extra: vec![
            "--admission-listen".into(),
            format!("127.0.0.1:{admission_port}"),
            "--role-key-file".into(),
            format!("harbor={}", harbor_key.display()),
        ],
        ..Start::default()
    });
    let review = review_of(pod("10.9.9.9:5000/x:1"), "default").to_string();
    let json_type = ("Content-Type", "application/json");
    assert_eq!(
        http(port, "POST", "/api/v1/admission", &[json_type], &review).0,
        401,
        "the main listener wants a key"
    );
    let (status, _, text) = http(
        admission_port,
        "POST",
        "/api/v1/admission",
        &[json_type],
        &review,
    );
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["response"]["uid"],
        "uid-42"
    );
    assert_eq!(
        http(admission_port, "GET", "/api/v1/metadata", &[], "").0,
        404
    );
    assert_eq!(
        http(admission_port, "GET", "/api/v1/reports/sha256:00", &[], "").0,
        404
    );
    // A role's key opens that role's routes only.
    let harbor = ("Authorization", "Bearer harbor-only-key-0123456789");
    assert_eq!(http(port, "GET", "/api/v1/metadata", &[harbor], "").0, 200);
    assert_eq!(
        http(
            port,
            "GET",
            &format!("/api/v1/reports/{DIGEST}"),
            &[harbor],
            ""
        )
        .0,
        403
    );
    assert_eq!(
        http(
            port,
            "POST",
            "/api/v1/admission",
            &[harbor, json_type],
            &review
        )
        .0,
        403
    );
    // Not on loopback without TLS: refused.
    let (code, err) = refuses(&["--admission-listen", "0.0.0.0:9443"]);
    assert_eq!(code, 2);
    assert!(err.contains("needs --tls-cert"), "{err}");
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn a_broken_store_is_reopened_and_stale_results_still_answer() {
    let Some(reg) = env("STEVEDORE_TEST_REGISTRY") else {
        return;
    };
    let (image, digest) = push_variant(&reg, "door/store", "fs-smells", "10031:10031");
    let state = tempfile::tempdir().unwrap();
    let args = registry_args(&reg);
    let port = free_port();
    let mut server = start_with(Start {
        port,
        extra: args.clone(),
        state: Some(state.path()),
        ..Start::default()
    });
    let (_, id) = harbor_scan(port, &format!("http://{reg}"), "door/store", &digest, None);
    assert_eq!(harbor_result(port, &id, Duration::from_secs(60)).0, 200);
    // Deleted under the server: /readyz reopens a fresh one and says so.
    std::fs::remove_file(state.path().join("results.sqlite")).unwrap();
    let (status, _, body) = http(port, "GET", "/readyz", &[], "");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("reopened"), "{body}");
    let (_, id) = harbor_scan(port, &format!("http://{reg}"), "door/store", &digest, None);
    assert_eq!(harbor_result(port, &id, Duration::from_secs(60)).0, 200);
    assert!(server.terminate(Duration::from_secs(10)).is_some());
    // A result of an earlier catalog (an upgrade): admission answers from it, marked stale, and
    // a rescan brings a current one.
    let db = rusqlite::Connection::open(state.path().join("results.sqlite")).unwrap();
    db.execute("UPDATE results SET catalog = '0.0.1+old'", [])
        .unwrap();
    drop(db);
    let server = start_with(Start {
        port,
        extra: args.clone(),
        state: Some(state.path()),
        ..Start::default()
    });
    let answer = admit(server.port, &review_of(pod(&image), "default"));
    assert!(
        !allowed(&answer) && message(&answer).contains("FS003"),
        "{answer}"
    );
    assert!(
        warnings(&answer)
            .iter()
            .any(|w| w.contains("earlier catalog")),
        "{answer}"
    );
    let (key, value) = bearer();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, _, _) = http(
            server.port,
            "GET",
            &format!("/api/v1/reports/{digest}"),
            &[(key, &value)],
            "",
        );
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "no rescan");
        std::thread::sleep(Duration::from_millis(300));
    }
    drop(server);
    // Garbage where the database was: moved aside at start.
    std::fs::write(state.path().join("results.sqlite"), vec![0x5a; 4096]).unwrap();
    let server = start_with(Start {
        port,
        extra: args,
        state: Some(state.path()),
        ..Start::default()
    });
    assert_eq!(http(server.port, "GET", "/readyz", &[], "").0, 200);
    assert!(std::fs::read_dir(state.path()).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".corrupt-")
    }));
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn push_floods_cannot_starve_admission() {
    let Some(reg) = env("STEVEDORE_TEST_REGISTRY") else {
        return;
    };
    let slow = Arc::new(AtomicBool::new(true));
    let proxy = stalling_proxy(&reg, Duration::from_millis(5000), slow);
    let server = start_args(
        [
            registry_args(&proxy.addr()),
            registry_args(&reg),
            vec![
                "--workers".into(),
                "1".into(),
                "--admission-workers".into(),
                "1".into(),
            ],
        ]
        .concat(),
    );
    for i in 0..6 {
        let digest = format!("sha256:{}", format!("{:x}", i + 3).repeat(64));
        assert_eq!(
            harbor_scan(
                server.port,
                &format!("http://{}", proxy.addr()),
                "door/flood",
                &digest,
                None
            )
            .0,
            202
        );
    }
    let (image, _) = push_variant(&reg, "door/starve", "clean", "10041:10041");
    let started = Instant::now();
    let answer = admit(server.port, &review_of(pod(&image), "default"));
    assert!(allowed(&answer), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn job_state_stays_bounded() {
    let Some(reg) = env("STEVEDORE_TEST_REGISTRY") else {
        return;
    };
    let (_, digest) = push_variant(&reg, "door/bounded", "clean", "10051:10051");
    let server = start_args(registry_args(&reg));
    let (_, id) = harbor_scan(
        server.port,
        &format!("http://{reg}"),
        "door/bounded",
        &digest,
        None,
    );
    assert_eq!(
        harbor_result(server.port, &id, Duration::from_secs(60)).0,
        200
    );
    let mut ids = Vec::new();
    for _ in 0..200 {
        ids.push(
            harbor_scan(
                server.port,
                &format!("http://{reg}"),
                "door/bounded",
                &digest,
                None,
            )
            .1,
        );
    }
    let before = server.status("VmRSS");
    for _ in 0..2000 {
        harbor_scan(
            server.port,
            &format!("http://{reg}"),
            "door/bounded",
            &digest,
            None,
        );
    }
    let after = server.status("VmRSS");
    assert!(
        after < before + 8 * 1024,
        "RSS grew from {before} kB to {after} kB over 2,000 jobs"
    );
    assert_eq!(
        harbor_result(server.port, &ids[0], Duration::from_secs(5)).0,
        200
    );
}

/// The shipped manifests: hardened (stevedore's own rules find nothing), and consistent with the
/// server — the deadline 2 s below the webhook's timeout, dry runs side-effect free, the
/// namespaces exempted by their immutable name label, the policy file valid.
#[test]
fn the_deploy_manifests_agree_with_the_server() {
    let read = |f: &str| -> Vec<Value> {
        let text = std::fs::read_to_string(crate::support::repo().join("deploy").join(f)).unwrap();
        stevedore::inputs::yaml::parse(&text)
            .unwrap()
            .iter()
            .map(|d| d.to_json())
            .collect()
    };
    let webhook = &read("webhook.yaml")[0]["webhooks"][0];
    assert_eq!(webhook["sideEffects"], "NoneOnDryRun");
    assert_eq!(webhook["failurePolicy"], "Fail");
    assert_eq!(webhook["admissionReviewVersions"], json!(["v1"]));
    assert_eq!(
        webhook["clientConfig"]["service"]["path"],
        "/api/v1/admission"
    );
    let selector = &webhook["namespaceSelector"]["matchExpressions"][0];
    assert_eq!(selector["key"], "kubernetes.io/metadata.name");
    assert_eq!(selector["values"], json!(["kube-system", "stevedore"]));
    let resources: Vec<&str> = webhook["rules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap())
        })
        .collect();
    for r in [
        "pods",
        "pods/ephemeralcontainers",
        "deployments",
        "cronjobs",
    ] {
        assert!(resources.contains(&r), "{r}: {resources:?}");
    }
    // The objects the server judges besides pods and workloads.
    for r in ["services", "ingresses", "namespaces"] {
        assert!(resources.contains(&r), "{r}: {resources:?}");
    }
    let timeout = webhook["timeoutSeconds"].as_u64().unwrap();
    let docs = read("serve.yaml");
    // Replicas share PostgreSQL; a Job migrates the schema with its own, privileged, URL.
    let migrate = docs.iter().find(|d| d["kind"] == "Job").unwrap();
    assert_eq!(
        migrate["spec"]["template"]["spec"]["containers"][0]["args"][0],
        "migrate"
    );
    let deployment_spec = &docs.iter().find(|d| d["kind"] == "Deployment").unwrap()["spec"];
    assert!(deployment_spec["replicas"].as_u64().unwrap() > 1);
    let deployment = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
    let args: Vec<&str> = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let flag = |name: &str| {
        args.iter()
            .find_map(|a| a.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} missing: {args:?}"))
    };
    assert_eq!(flag("--webhook-timeout").parse::<u64>().unwrap(), timeout);
    assert_eq!(flag("--database-url-file"), "/database/url");
    let deadline: u64 = flag("--admission-deadline").parse().unwrap();
    assert!(deadline + 2 <= timeout);
    // The server accepts exactly these timing flags.
    let port = free_port();
    let _s = start(
        port,
        &[
            "--webhook-timeout",
            &timeout.to_string(),
            "--admission-deadline",
            &deadline.to_string(),
        ],
    );
    // The policy in the ConfigMap is a valid policy file.
    let policy = docs.iter().find(|d| d["kind"] == "ConfigMap").unwrap()["data"]["policy.yaml"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.yaml"), policy).unwrap();
    let run = crate::support::stevedore(&[
        "config",
        "--config",
        dir.path().join("policy.yaml").to_str().unwrap(),
        "fixtures/configs/k8s-good",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Hardened by stevedore's own rules (the node-scan DaemonSet has its own test and exceptions).
    let run = crate::support::stevedore(&[
        "config",
        "deploy/serve.yaml",
        "deploy/webhook.yaml",
        "-f",
        "json",
        "--fail-on",
        "low",
        "--config",
        &crate::support::empty_config(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["findings"].as_array().unwrap().len(), 0);
}

/// The deploy manifests are valid Kubernetes objects, checked against the published schemas
/// offline (`kubernetes-validate`, installed by scripts/test.sh), strictly: no unknown fields.
#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn the_deploy_manifests_validate_against_the_kubernetes_schemas() {
    let validator = crate::support::repo().join("target/test-venv/bin/kubernetes-validate");
    if !validator.exists() {
        assert!(
            !crate::support::services_required(),
            "kubernetes-validate is missing though scripts/test.sh installs it"
        );
        eprintln!("SKIPPED: no kubernetes-validate (run ./scripts/test.sh)");
        return;
    }
    let out = std::process::Command::new(validator)
        .args([
            "--strict",
            "-k",
            "1.30.0",
            "deploy/serve.yaml",
            "deploy/webhook.yaml",
            "deploy/kubernetes/node-scan.yaml",
        ])
        .current_dir(crate::support::repo())
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.matches(" passed for resource ").count(), 13, "{text}");
}
