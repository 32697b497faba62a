//! What a new user meets in the first minutes, mistakes included: each error says what is wrong
//! in one line and exits 2, a missing file never becomes a network lookup, and the text report
//! reads right.

use crate::support::imagegen::Format;
use crate::support::{Run, build_fixture, empty_config, repo, stevedore, stevedore_in};
use std::io::{BufRead, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn stevedore_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    crate::support::stevedore_with_env(&repo(), args, env)
}

/// Exit 2 and exactly one line on stderr that contains every `needle`.
#[track_caller]
fn assert_one_line_error(run: &Run, needles: &[&str]) {
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "`{needle}` not in: {}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn a_missing_file_is_no_such_file_and_asks_no_one() {
    // Anything that dials out — the daemon, a registry, a proxy — would reach this listener.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dial = format!("tcp://127.0.0.1:{port}");
    let proxy = format!("http://127.0.0.1:{port}");
    let env = [
        ("DOCKER_HOST", dial.as_str()),
        ("HTTPS_PROXY", proxy.as_str()),
        ("HTTP_PROXY", proxy.as_str()),
    ];
    let registry_like = format!("127.0.0.1:{port}/app.tar");
    for missing in [
        "nonexistent.tar",
        "/tmp/stevedore-nonexistent/app.tar",
        "./nonexistent",
        "fixtures/nonexistent.tar",
        "app.tar.gz",
        registry_like.as_str(),
        "docker-archive:nonexistent.tar",
    ] {
        let run = stevedore_env(&["image", missing], &env);
        let name = missing.trim_start_matches("docker-archive:");
        assert_one_line_error(&run, &[name, "no such file or directory"]);
    }
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("something dialled out for a missing file: {other:?}"),
    }
}

#[test]
fn a_misspelt_output_format_is_an_error_not_a_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let run = stevedore_in(
        dir.path(),
        &[
            "image",
            repo().join("fixtures/demo.tar").to_str().unwrap(),
            "-o",
            "sarf=x.sarif",
        ],
    );
    assert_one_line_error(
        &run,
        &["`sarf` is not an output format (text, json, sarif, markdown)"],
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file written"
    );
}

#[test]
fn registry_errors_name_their_cause_and_hint_only_when_it_applies() {
    // Nothing listens: connection refused, and no talk of plain HTTP.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let run = stevedore(&["image", &format!("docker://127.0.0.1:{port}/app:1")]);
    assert_one_line_error(&run, &["connection refused"]);
    assert!(
        !run.stderr.contains("error sending request"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("--insecure-registry"),
        "{}",
        run.stderr
    );

    // A name that does not resolve.
    let run = stevedore(&["image", "docker://registry.invalid/app:1"]);
    assert_one_line_error(&run, &["cannot resolve the host name"]);

    // A server that answers in plain HTTP: now the hint helps.
    let plain = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = plain.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut conn in plain.incoming().flatten() {
            let _ = std::io::Write::write_all(
                &mut conn,
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
            );
        }
    });
    let run = stevedore(&["image", &format!("docker://127.0.0.1:{port}/app:1")]);
    assert_one_line_error(
        &run,
        &["does not speak TLS", "--insecure-registry HOST[:PORT]"],
    );

    // TLS with a certificate from an authority this machine does not trust.
    let certs = tempfile::tempdir().unwrap();
    crate::support::serve::certificates(certs.path(), &[]);
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut server = Command::new("openssl")
        .args(["s_server", "-quiet", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-cert", "server.pem", "-key", "server.key"])
        .current_dir(certs.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "openssl s_server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let run = stevedore(&["image", &format!("docker://127.0.0.1:{port}/app:1")]);
    let _ = server.kill();
    let _ = server.wait();
    assert_one_line_error(&run, &["TLS: the certificate is signed by an authority"]);
    assert!(
        !run.stderr.contains("--insecure-registry"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unreachable_daemon_says_connection_refused() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let host = format!("tcp://127.0.0.1:{port}");
    let run = stevedore(&["daemon", "-H", &host, "--timeout", "5"]);
    assert_one_line_error(
        &run,
        &[
            &format!("cannot connect to the Docker daemon at {host}"),
            "connection refused",
        ],
    );
    assert!(!run.stderr.contains("hyper"), "{}", run.stderr);
}

#[test]
fn a_missing_config_file_is_no_such_file() {
    let run = stevedore(&["config", "does-not-exist.yaml"]);
    assert_one_line_error(&run, &["does-not-exist.yaml", "no such file or directory"]);
}

#[test]
fn wrong_json_types_in_daemon_json_are_findings_on_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("daemon.json");
    std::fs::write(
        &file,
        "{\n  \"icc\": \"false\",\n  \"no-new-privileges\": \"true\",\n  \"live-restore\": \"yes\"\n}\n",
    )
    .unwrap();
    let run = stevedore(&[
        "config",
        file.to_str().unwrap(),
        "-f",
        "json",
        "--config",
        &empty_config(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let mut wrong: Vec<(u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "DMN021")
        .map(|f| {
            (
                f["location"]["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    wrong.sort();
    assert_eq!(
        wrong.iter().map(|w| w.0).collect::<Vec<_>>(),
        vec![2, 3, 4],
        "{wrong:#?}"
    );
    assert!(
        wrong[2].1.contains("`live-restore` is a string"),
        "{wrong:#?}"
    );
}

#[test]
fn unreadable_files_are_errors_when_they_say_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let cfg = empty_config();
    let config = |path: &str| stevedore(&["config", path, "--config", &cfg]);
    // Said by the name or by what can be read: errors.
    let truncated = write(
        "prof.json",
        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [",
    );
    assert_one_line_error(&config(&truncated), &["prof.json", "seccomp profile"]);
    let empty_daemon = {
        std::fs::create_dir(dir.path().join("etc")).unwrap();
        write("etc/daemon.json", "")
    };
    assert_one_line_error(&config(&empty_daemon), &["daemon.json", "empty file"]);
    let named_seccomp = write("my-seccomp.json", "{");
    assert_one_line_error(&config(&named_seccomp), &["my-seccomp.json"]);
    // Said by nothing: skipped, with the reason, and counted.
    let empty = write("empty.yaml", "");
    let run = config(&empty);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("empty.yaml (empty file)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1 file skipped"), "{}", run.stdout);
    let package = write("package.json", "{\"name\": \"app\",");
    let run = config(&package);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("package.json (does not parse") && run.stdout.contains("invalid JSON"),
        "{}",
        run.stdout
    );
    let helm = write(
        "deployment.yaml",
        "{{- if .Values.enabled }}\napiVersion: apps/v1\nkind: Deployment\n{{- end }}\n",
    );
    let run = config(&helm);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Go template"), "{}", run.stdout);
}

#[test]
fn the_summary_of_a_run_with_errors_says_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("daemon.json"), "{\"icc\": ").unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  app:\n    image: busybox:1.36\n",
    )
    .unwrap();
    let run = stevedore(&[
        "config",
        dir.path().to_str().unwrap(),
        "--config",
        &empty_config(),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let summary = run.stdout.lines().last().unwrap_or_default();
    assert!(
        summary.contains("ERROR (1 file could not be read)"),
        "{summary}"
    );
    assert!(!summary.contains("PASS"), "{summary}");
}

/// A scan that must end within `limit` (a FIFO must not block it).
fn scan_within(reference: &str, limit: Duration) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stevedore"))
        .args(["image", reference])
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stdout = String::new();
            let mut stderr = String::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut stdout)
                .unwrap();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            return Run {
                code: status.code().unwrap_or(-1),
                stdout,
                stderr,
            };
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`stevedore image {reference}` still runs after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// The first layer blob of an OCI layout, as a path.
fn first_layer_blob(layout: &Path) -> std::path::PathBuf {
    let read = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let blob = |digest: &serde_json::Value| {
        layout
            .join("blobs/sha256")
            .join(digest.as_str().unwrap().trim_start_matches("sha256:"))
    };
    let index = read(&layout.join("index.json"));
    let manifest = read(&blob(&index["manifests"][0]["digest"]));
    blob(&manifest["layers"][0]["digest"])
}

#[test]
fn image_files_that_are_fifos_or_links_out_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let layout_of = |name: &str| -> std::path::PathBuf {
        let reference = build_fixture("demo", Format::OciDirGzip, &dir.path().join(name));
        std::path::PathBuf::from(reference.trim_start_matches("oci:"))
    };
    let fifo_layout = layout_of("fifo");
    let blob = first_layer_blob(&fifo_layout);
    std::fs::remove_file(&blob).unwrap();
    mkfifo(&blob);
    let run = scan_within(fifo_layout.to_str().unwrap(), Duration::from_secs(30));
    assert_one_line_error(&run, &["is a FIFO, not a regular file"]);

    let link_layout = layout_of("link");
    let blob = first_layer_blob(&link_layout);
    let outside = dir.path().join("outside.tar");
    std::fs::copy(&blob, &outside).unwrap();
    std::fs::remove_file(&blob).unwrap();
    std::os::unix::fs::symlink(&outside, &blob).unwrap();
    let run = scan_within(link_layout.to_str().unwrap(), Duration::from_secs(30));
    assert_one_line_error(&run, &["links out of the layout"]);

    let fifo_archive = dir.path().join("image.tar");
    mkfifo(&fifo_archive);
    let run = scan_within(fifo_archive.to_str().unwrap(), Duration::from_secs(30));
    assert_one_line_error(&run, &["image.tar", "is a FIFO"]);
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    for _ in 0..10 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stevedore"))
            .args(["config", "fixtures/configs", "--config", &empty_config()])
            .current_dir(repo())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `| head -1`: read one line, then close the pipe.
        let mut first = String::new();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut first).unwrap();
        drop(out);
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert_ne!(status.code(), Some(2), "{stderr}");
        assert!(!stderr.contains("Broken pipe"), "{stderr}");
        assert!(first.starts_with("stevedore"), "{first}");
    }
}

#[test]
fn an_explicit_platform_the_image_does_not_have_is_an_error() {
    let cfg = empty_config();
    let run = stevedore(&[
        "image",
        "fixtures/demo.tar",
        "--platform",
        "linux/arm64",
        "--config",
        &cfg,
    ]);
    assert_one_line_error(
        &run,
        &["the image is linux/amd64, not the linux/arm64 asked for with --platform"],
    );
    let run = stevedore(&[
        "image",
        "fixtures/demo.tar",
        "--platform",
        "linux/amd64",
        "--config",
        &cfg,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn image_help_lists_every_form_with_an_example() {
    let run = stevedore(&["image", "--help"]);
    assert_eq!(run.code, 0);
    for (form, example) in [
        (
            "docker-archive:PATH",
            "stevedore image docker-archive:app.tar",
        ),
        ("oci:DIR", "stevedore image oci:"),
        ("oci-archive:PATH", "stevedore image oci-archive:"),
        (
            "docker-daemon:NAME",
            "stevedore image docker-daemon:nginx:1.27",
        ),
        ("docker://REGISTRY/REPO", "stevedore image docker://"),
        ("PATH", "stevedore image ./app.tar"),
        ("NAME[:TAG]", "stevedore image nginx:1.27"),
    ] {
        assert!(run.stdout.contains(form), "{form} missing:\n{}", run.stdout);
        assert!(
            run.stdout.contains(example),
            "{example} missing:\n{}",
            run.stdout
        );
    }
}

#[test]
fn text_output_reads_right() {
    let dir = tempfile::tempdir().unwrap();
    let compose = dir.path().join("compose.yaml");
    std::fs::write(
        &compose,
        "services:\n  app:\n    image: busybox:1.36\n    privileged: true\n",
    )
    .unwrap();
    let cfg = empty_config();
    let one = stevedore(&[
        "config",
        compose.to_str().unwrap(),
        "--select",
        "CTR001",
        "--config",
        &cfg,
    ]);
    assert!(one.stdout.contains("\n1 finding ("), "{}", one.stdout);
    assert!(
        one.stdout
            .contains("project config: fixtures/config/tests.yaml"),
        "{}",
        one.stdout
    );

    // A baseline suppresses what was there: counted, listed only when asked for.
    let baseline = dir.path().join("baseline.json");
    let run = stevedore(&[
        "image",
        "fixtures/demo.tar",
        "--config",
        &cfg,
        "-o",
        &format!("json={}", baseline.display()),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let args = [
        "image",
        "fixtures/demo.tar",
        "--config",
        &cfg,
        "--baseline",
        baseline.to_str().unwrap(),
    ];
    let counted = stevedore(&args);
    assert_eq!(counted.code, 0, "{}", counted.stderr);
    assert!(
        counted
            .stdout
            .contains("already in the baseline (list them with --show-suppressed)"),
        "{}",
        counted.stdout
    );
    assert!(!counted.stdout.contains("  • FS001"), "{}", counted.stdout);
    let listed = stevedore(&[&args[..], &["--show-suppressed"]].concat());
    assert!(
        listed.stdout.contains("already in the baseline"),
        "{}",
        listed.stdout
    );
    assert!(listed.stdout.contains("  • IMG"), "{}", listed.stdout);
}

/// No progress bar for a small image, even on a terminal (`script` gives the run a pty).
#[test]
fn no_progress_bar_for_a_small_image_on_a_terminal() {
    let bin = env!("CARGO_BIN_EXE_stevedore");
    let command = format!(
        "{bin} image fixtures/demo.tar --config {} --fail-on none",
        empty_config()
    );
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(repo())
        .output()
        .expect("script (util-linux)");
    let all = String::from_utf8_lossy(&out.stdout);
    assert!(all.contains("stevedore"), "{all}");
    assert!(!all.contains("scanning layers"), "{all}");
}
