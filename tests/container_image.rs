//! stevedore's own container image (Dockerfile, built by scripts/test.sh from a static binary)
//! run the way the README shows: configuration in a mounted project, a gzip archive, a registry
//! behind TLS — and the image scanned by stevedore itself.

use crate::support::imagegen::Format;
use crate::support::{build_fixture, repo, services_required, stevedore};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn env(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                !services_required(),
                "scripts/test.sh built the image but {var} is unset"
            );
            eprintln!("SKIPPED: {var} unset (run ./scripts/test.sh)");
            None
        }
    }
}

struct Docker {
    host: String,
    image: String,
}

impl Docker {
    fn from_env() -> Option<Docker> {
        Some(Docker {
            host: env("STEVEDORE_DOCKER_HOST")?,
            image: env("STEVEDORE_TEST_IMAGE")?,
        })
    }

    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("docker")
            .arg("-H")
            .arg(&self.host)
            .args(args)
            .output()
            .expect("docker")
    }

    /// `docker run --rm --network host [extra] IMAGE ARGS…` (loopback services are reachable
    /// only on the host's network; the test daemon runs without a bridge).
    fn run(&self, extra: &[&str], args: &[&str]) -> (i32, String, String) {
        let mut all = vec!["run", "--rm", "--network", "host"];
        all.extend_from_slice(extra);
        all.push(&self.image);
        all.extend_from_slice(args);
        let out = self.cmd(&all);
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// A directory the image's user (65532) can read: a project to mount at /src.
fn readable_project() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn make_readable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = if path.is_dir() { 0o755 } else { 0o644 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            make_readable(&entry.unwrap().path());
        }
    }
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn the_image_scans_a_mounted_project_with_relative_sarif_paths() {
    let Some(docker) = Docker::from_env() else {
        return;
    };
    let project = readable_project();
    for f in std::fs::read_dir(repo().join("fixtures/configs/compose-bad")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), project.path().join(f.file_name())).unwrap();
    }
    make_readable(project.path());
    let mount = format!("{}:/src:ro", project.path().display());
    let (code, stdout, stderr) = docker.run(&["-v", &mount], &["config", "/src", "-f", "sarif"]);
    assert_eq!(code, 1, "findings fail the run: {stderr}");
    crate::support::assert_sarif_accepted(&stdout);
    let sarif: Value = serde_json::from_str(&stdout).unwrap();
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(!uris.is_empty());
    assert!(
        uris.iter()
            .all(|u| !u.starts_with('/') && !u.starts_with("file:")),
        "paths relative to the project: {uris:?}"
    );
    assert!(uris.contains(&"compose.yaml"), "{uris:?}");
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn the_image_scans_a_gzip_archive_and_a_tls_registry() {
    let Some(docker) = Docker::from_env() else {
        return;
    };
    let (Some(registry), Some(ca)) = (
        env("STEVEDORE_TEST_TLS_REGISTRY"),
        env("STEVEDORE_TEST_TLS_CA"),
    ) else {
        return;
    };
    let project = readable_project();
    let archive = build_fixture("demo", Format::DockerArchiveGz, project.path());
    make_readable(project.path());
    let file = Path::new(archive.trim_start_matches("docker-archive:"))
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let mount = format!("{}:/src:ro", project.path().display());
    // The spool for a compressed archive goes to the image's /tmp.
    let (code, stdout, stderr) = docker.run(
        &["-v", &mount],
        &["image", &file, "-f", "json", "--fail-on", "none"],
    );
    assert_eq!(code, 0, "{stderr}");
    crate::support::assert_json_report(&stdout);
    let local: Value = serde_json::from_str(&stdout).unwrap();
    assert!(!local["findings"].as_array().unwrap().is_empty());

    // The same image in a registry behind TLS, trusted through the CA the container is given
    // (skopeo reads plain archives only).
    let plain = tempfile::tempdir().unwrap();
    let plain_archive = build_fixture("demo", Format::DockerArchive, plain.path());
    let reference = format!("{registry}/image-test/demo:1");
    let push = Command::new("skopeo")
        .args(["copy", "--quiet", "--dest-tls-verify=false"])
        .arg(&plain_archive)
        .arg(format!("docker://{reference}"))
        .output()
        .unwrap();
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
    let ca_mount = format!("{ca}:/ca.pem:ro");
    let (code, stdout, stderr) = docker.run(
        &["-v", &ca_mount, "-e", "SSL_CERT_FILE=/ca.pem"],
        &[
            "image",
            &format!("docker://{reference}"),
            "-f",
            "json",
            "--fail-on",
            "none",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let remote: Value = serde_json::from_str(&stdout).unwrap();
    let ids = |doc: &Value| -> Vec<String> {
        let mut v: Vec<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&remote), ids(&local), "same image, same findings");
    // Without the CA the certificate is not trusted: TLS is really checked in the image.
    let (code, _, stderr) = docker.run(&[], &["image", &format!("docker://{reference}")]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("TLS: the certificate"), "{stderr}");
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn the_image_scans_clean_with_its_own_rules() {
    let Some(docker) = Docker::from_env() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("stevedore-image.tar");
    let out = docker.cmd(&["save", "-o", saved.to_str().unwrap(), &docker.image]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = stevedore(&[
        "image",
        &format!("docker-archive:{}", saved.display()),
        "--config",
        "docker/self-scan.yaml",
        "-f",
        "json",
    ]);
    assert_eq!(run.code, 0, "zero findings at fail-on info: {}", run.stdout);
    let report = run.json();
    for f in report["findings"].as_array().unwrap() {
        let reason = f["suppression"]["justification"].as_str().unwrap_or("");
        assert!(reason.len() > 40, "suppressed with a written reason: {f:#}");
    }
    let inspect = docker.cmd(&["image", "inspect", &docker.image]);
    let inspect: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    let config = &inspect[0]["Config"];
    assert_eq!(config["User"], "65532:65532");
    assert_eq!(config["WorkingDir"], "/src");
    for label in [
        "org.opencontainers.image.source",
        "org.opencontainers.image.version",
        "org.opencontainers.image.licenses",
    ] {
        assert!(config["Labels"][label].is_string(), "{label}: {config:#}");
    }
    let size = inspect[0]["Size"].as_u64().unwrap();
    eprintln!("image size: {:.1} MB", size as f64 / 1e6);
    assert!(size < 40_000_000, "{size} bytes");
}

/// The image run the way deploy/serve.yaml runs it — its user, no capabilities, a read-only root
/// — serving admission over TLS; an AdmissionReview sent to the Service's name, trusting the CA
/// from the webhook manifest's `caBundle` (as the API server does), is answered.
#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn the_image_answers_admission_over_tls_as_the_deployment_runs_it() {
    use base64::Engine;
    let Some(docker) = Docker::from_env() else {
        return;
    };
    let read = |f: &str| -> Vec<Value> {
        let text = std::fs::read_to_string(repo().join("deploy").join(f)).unwrap();
        stevedore::inputs::yaml::parse(&text)
            .unwrap()
            .iter()
            .map(|d| d.to_json())
            .collect()
    };
    let deployment = read("serve.yaml")
        .into_iter()
        .find(|d| d["kind"] == "Deployment")
        .unwrap();
    let pod = &deployment["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    let user = pod["securityContext"]["runAsUser"].as_u64().unwrap();
    let group = pod["securityContext"]["runAsGroup"].as_u64().unwrap();
    assert_eq!(
        container["securityContext"]["capabilities"]["drop"][0],
        "ALL"
    );
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );

    // TLS for the Service's name, from a CA of the test's own (the documented openssl step).
    let dir = readable_project();
    let tls = dir.path().join("tls");
    std::fs::create_dir_all(&tls).unwrap();
    let service = "stevedore-admission.stevedore.svc";
    let sh = |script: &str| {
        crate::support::run_ok(Command::new("sh").args(["-c", script]).current_dir(&tls));
    };
    sh(&format!(
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=stevedore-ca 2>/dev/null && \
         openssl req -newkey rsa:2048 -nodes -keyout tls.key -out tls.csr -subj /CN={service} 2>/dev/null && \
         printf 'subjectAltName=DNS:{service},DNS:stevedore-admission,IP:127.0.0.1\\n' > ext && \
         openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out tls.crt -days 2 -extfile ext 2>/dev/null && \
         echo admission-key-0123456789abcdef > key && chmod a+r tls.key tls.crt key"
    ));
    make_readable(&tls);
    // The webhook manifest's caBundle, filled in as its comment says, is what the client trusts.
    let mut webhook = read("webhook.yaml").remove(0);
    let ca_pem = std::fs::read(tls.join("ca.crt")).unwrap();
    webhook["webhooks"][0]["clientConfig"]["caBundle"] =
        Value::String(base64::engine::general_purpose::STANDARD.encode(&ca_pem));
    let bundle = base64::engine::general_purpose::STANDARD
        .decode(
            webhook["webhooks"][0]["clientConfig"]["caBundle"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
    let trusted = dir.path().join("trusted.pem");
    std::fs::write(&trusted, bundle).unwrap();

    let port = crate::support::serve::free_port();
    let name = format!("stevedore-admission-{port}");
    let user_arg = format!("{user}:{group}");
    let mount = format!("{}:/tls:ro", tls.display());
    let listen = format!("--admission-listen=127.0.0.1:{port}");
    let main = format!("--listen=127.0.0.1:{}", crate::support::serve::free_port());
    let out = docker.cmd(&[
        "run",
        "-d",
        "--rm",
        "--name",
        &name,
        "--network",
        "host",
        "--user",
        &user_arg,
        "--cap-drop",
        "ALL",
        "--read-only",
        "--security-opt",
        "no-new-privileges",
        "--tmpfs",
        "/tmp",
        "-v",
        &mount,
        &docker.image,
        "serve",
        &main,
        &listen,
        "--tls-cert=/tls/tls.crt",
        "--tls-key=/tls/tls.key",
        "--api-key-file=/tls/key",
        "--state-dir=/tmp/state",
        "--allow-registry=127.0.0.1:5000",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stop = || {
        let _ = docker.cmd(&["rm", "-f", &name]);
    };
    let review = serde_json::json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "tls-1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "operation": "CREATE", "namespace": "shop", "object": {"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c",
        "image": "127.0.0.1:5000/app@sha256:0000000000000000000000000000000000000000000000000000000000000000",
        "securityContext": {"privileged": true}}]}}}});
    let url = format!("https://{service}:{port}/api/v1/admission");
    let resolve = format!("{service}:{port}:127.0.0.1");
    let mut answer = String::new();
    for _ in 0..100 {
        let out = Command::new("curl")
            .args(["-sS", "--fail", "--cacert"])
            .arg(&trusted)
            .args([
                "--resolve",
                &resolve,
                "-H",
                "Content-Type: application/json",
                "--data",
            ])
            .arg(review.to_string())
            .arg(&url)
            .output()
            .unwrap();
        if out.status.success() {
            answer = String::from_utf8_lossy(&out.stdout).into_owned();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let logs = docker.cmd(&["logs", &name]);
    stop();
    assert!(
        !answer.is_empty(),
        "no answer over TLS: {}",
        String::from_utf8_lossy(&logs.stderr)
    );
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["response"]["uid"], "tls-1");
    assert_eq!(answer["response"]["allowed"], false);
    assert!(
        answer["response"]["status"]["message"]
            .as_str()
            .unwrap()
            .contains("CTR001"),
        "{answer}"
    );
}
