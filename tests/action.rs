//! action.yml run the way a GitHub runner runs it: each step in order, `run:` steps in bash with
//! the runner's files (`GITHUB_OUTPUT`, `GITHUB_PATH`, `GITHUB_STEP_SUMMARY`), `if:` conditions
//! evaluated, `uses:` steps stubbed — the SARIF upload records what it was given, and the cache
//! "restores" the binary under test (a release `cargo install` takes minutes; it is the one step
//! not run here).

use crate::support::repo;
use saphyr::{LoadableYamlNode, Yaml};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Step {
    id: Option<String>,
    condition: Option<String>,
    uses: Option<String>,
    run: Option<String>,
    env: Vec<(String, String)>,
    with: Vec<(String, String)>,
}

struct Action {
    input_defaults: BTreeMap<String, String>,
    outputs: BTreeMap<String, String>,
    steps: Vec<Step>,
}

/// A key of a mapping, if there (indexing a missing key panics).
fn get<'a, 'b>(y: &'a Yaml<'b>, key: &str) -> Option<&'a Yaml<'b>> {
    y.as_mapping()?
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

fn str_of(y: &Yaml, key: &str) -> Option<String> {
    get(y, key).and_then(|v| v.as_str()).map(str::to_string)
}

fn map_of(y: Option<&Yaml>) -> Vec<(String, String)> {
    let Some(y) = y else { return Vec::new() };
    y.as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.as_str().unwrap().to_string(),
                        v.as_str().map(str::to_string).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn load_action(action_path: &Path) -> Action {
    let text = std::fs::read_to_string(action_path.join("action.yml")).unwrap();
    let docs = Yaml::load_from_str(&text).unwrap();
    let doc = &docs[0];
    assert_eq!(doc["runs"]["using"].as_str(), Some("composite"));
    let input_defaults = doc["inputs"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_string(),
                str_of(v, "default").unwrap_or_default(),
            )
        })
        .collect();
    let outputs = doc["outputs"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_string(),
                v["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let steps = doc["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|s| Step {
            id: str_of(s, "id"),
            condition: str_of(s, "if"),
            uses: str_of(s, "uses"),
            run: str_of(s, "run"),
            env: map_of(get(s, "env")),
            with: map_of(get(s, "with")),
        })
        .collect();
    Action {
        input_defaults,
        outputs,
        steps,
    }
}

/// The runner's expression context, as far as action.yml uses it.
struct Context {
    inputs: BTreeMap<String, String>,
    steps: BTreeMap<String, BTreeMap<String, String>>,
    action_path: String,
}

impl Context {
    fn value(&self, expr: &str) -> String {
        let expr = expr.trim();
        if let Some(lit) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
            return lit.to_string();
        }
        if let Some(name) = expr.strip_prefix("inputs.") {
            return self.inputs.get(name).cloned().unwrap_or_default();
        }
        if let Some(rest) = expr.strip_prefix("steps.") {
            let (id, output) = rest.split_once(".outputs.").expect(expr);
            return self
                .steps
                .get(id)
                .and_then(|o| o.get(output))
                .cloned()
                .unwrap_or_default();
        }
        if expr == "github.action_path" {
            return self.action_path.clone();
        }
        panic!("expression the test runner does not know: {expr}")
    }

    /// `${{ … }}` inside a string.
    fn interpolate(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("closing }}") + start;
            out.push_str(&self.value(&rest[start + 3..end]));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// An `if:` of `&&`-joined terms: `always()`, `A == 'x'`, `A != 'x'`. Without `always()` a
    /// step runs only while the job has not failed (GitHub's implicit `success()`).
    fn condition(&self, condition: Option<&str>, failed: bool) -> bool {
        let Some(c) = condition else { return !failed };
        let mut always = false;
        for term in c.split("&&").map(str::trim) {
            if term == "always()" {
                always = true;
            } else if let Some((a, b)) = term.split_once("!=") {
                if self.value(a) == self.value(b) {
                    return false;
                }
            } else if let Some((a, b)) = term.split_once("==") {
                if self.value(a) != self.value(b) {
                    return false;
                }
            } else {
                panic!("condition the test runner does not know: {term}");
            }
        }
        always || !failed
    }
}

/// `name=value` lines and `name<<DELIM` blocks.
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((k, v)) = line.split_once('=') {
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

struct RunResult {
    failed: bool,
    outputs: BTreeMap<String, String>,
    uploads: Vec<BTreeMap<String, String>>,
    summary: String,
    log: String,
    ran: Vec<String>,
    /// What the stand-in `cargo` was asked to do.
    cargo: String,
}

/// How the runner around the action behaves.
struct Runner {
    /// The action's checkout (`GITHUB_ACTION_PATH`).
    action_path: PathBuf,
    /// Extra environment for every step (`STEVEDORE_RELEASE_BASE` for a stand-in download).
    env: Vec<(String, String)>,
    /// Whether `actions/cache` restores the build; on a miss, a stand-in `cargo` installs the
    /// binary under test where `cargo install --root` would.
    cache_hit: bool,
}

impl Default for Runner {
    fn default() -> Runner {
        Runner {
            action_path: repo(),
            env: Vec::new(),
            cache_hit: true,
        }
    }
}

fn run_action(workspace: &Path, inputs: &[(&str, &str)]) -> RunResult {
    run_action_with(workspace, inputs, &Runner::default())
}

fn run_action_with(workspace: &Path, inputs: &[(&str, &str)], runner_opts: &Runner) -> RunResult {
    let action = load_action(&runner_opts.action_path);
    let runner = tempfile::tempdir().unwrap();
    let summary = runner.path().join("summary.md");
    let path_file = runner.path().join("path");
    std::fs::write(&summary, "").unwrap();
    std::fs::write(&path_file, "").unwrap();
    let mut ctx = Context {
        inputs: action.input_defaults.clone(),
        steps: BTreeMap::new(),
        action_path: runner_opts.action_path.display().to_string(),
    };
    // A stand-in `cargo`: `cargo install … --root ROOT` puts the binary under test in ROOT/bin and
    // notes that it ran.
    let fake_bin = runner.path().join("fake-bin");
    std::fs::create_dir_all(&fake_bin).unwrap();
    let cargo_log = runner.path().join("cargo.log");
    std::fs::write(
        fake_bin.join("cargo"),
        format!(
            "#!/bin/bash\necho \"cargo $*\" >> {log}\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\nmkdir -p \"$root/bin\" && cp {bin} \"$root/bin/stevedore\"\n",
            log = cargo_log.display(),
            bin = env!("CARGO_BIN_EXE_stevedore"),
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            fake_bin.join("cargo"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    for (k, v) in inputs {
        assert!(ctx.inputs.contains_key(*k), "action.yml has no input {k}");
        ctx.inputs.insert(k.to_string(), v.to_string());
    }
    let mut failed = false;
    let mut uploads = Vec::new();
    let mut log = String::new();
    let mut ran = Vec::new();
    for (n, step) in action.steps.iter().enumerate() {
        if !ctx.condition(step.condition.as_deref(), failed) {
            continue;
        }
        let name = step.id.clone().unwrap_or_else(|| format!("step{n}"));
        ran.push(name.clone());
        let with: BTreeMap<String, String> = step
            .with
            .iter()
            .map(|(k, v)| (k.clone(), ctx.interpolate(v)))
            .collect();
        let mut outputs = BTreeMap::new();
        match (&step.uses, &step.run) {
            (Some(uses), None) if uses.starts_with("actions/cache@") => {
                assert!(with["key"].starts_with("stevedore-"), "{with:?}");
                if runner_opts.cache_hit {
                    // A cache hit: the binary under test, where the build would have put it.
                    let bin = PathBuf::from(&with["path"]).join("bin");
                    std::fs::create_dir_all(&bin).unwrap();
                    std::fs::copy(env!("CARGO_BIN_EXE_stevedore"), bin.join("stevedore")).unwrap();
                }
                let hit = if runner_opts.cache_hit {
                    "true"
                } else {
                    "false"
                };
                outputs.insert("cache-hit".to_string(), hit.to_string());
            }
            (Some(uses), None) if uses.starts_with("github/codeql-action/upload-sarif@") => {
                uploads.push(with.clone());
            }
            (None, Some(script)) => {
                assert!(
                    !script.contains("${{"),
                    "expressions reach scripts only through env: {script}"
                );
                let output_file = runner.path().join(format!("output-{n}"));
                std::fs::write(&output_file, "").unwrap();
                let extra_path: Vec<String> = std::fs::read_to_string(&path_file)
                    .unwrap()
                    .lines()
                    .rev()
                    .map(str::to_string)
                    .collect();
                // Only system tools, the stand-in cargo and what GITHUB_PATH added: no
                // stevedore from elsewhere.
                let path = extra_path
                    .into_iter()
                    .chain([fake_bin.display().to_string()])
                    .chain(["/usr/local/bin", "/usr/bin", "/bin"].map(str::to_string))
                    .collect::<Vec<_>>()
                    .join(":");
                let mut cmd = Command::new("bash");
                cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
                    .current_dir(workspace)
                    .env_clear()
                    .env("PATH", path)
                    .env("HOME", runner.path())
                    .env("NO_COLOR", "1")
                    .env("GITHUB_WORKSPACE", workspace)
                    .env("GITHUB_ACTION_PATH", &runner_opts.action_path)
                    .env("GITHUB_OUTPUT", &output_file)
                    .env("GITHUB_PATH", &path_file)
                    .env("GITHUB_STEP_SUMMARY", &summary)
                    .env("RUNNER_OS", "Linux")
                    .env("RUNNER_ARCH", "X64")
                    .env("RUNNER_TOOL_CACHE", runner.path().join("toolcache"));
                for (k, v) in &runner_opts.env {
                    cmd.env(k, v);
                }
                for (k, v) in &step.env {
                    cmd.env(k, ctx.interpolate(v));
                }
                let out = cmd.output().unwrap();
                log.push_str(&String::from_utf8_lossy(&out.stdout));
                log.push_str(&String::from_utf8_lossy(&out.stderr));
                if !out.status.success() {
                    failed = true;
                }
                outputs = parse_outputs(&std::fs::read_to_string(&output_file).unwrap());
            }
            _ => panic!("step {name}: the test runner knows `run` and two actions only"),
        }
        ctx.steps.insert(name, outputs);
    }
    let outputs = action
        .outputs
        .iter()
        .map(|(k, v)| (k.clone(), ctx.interpolate(v)))
        .collect();
    RunResult {
        failed,
        outputs,
        uploads,
        summary: std::fs::read_to_string(&summary).unwrap(),
        log,
        ran,
        cargo: std::fs::read_to_string(&cargo_log).unwrap_or_default(),
    }
}

/// A workspace with the demo image archive and a compose project with privileged services.
fn workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join("fixtures/demo.tar"), ws.path().join("demo.tar")).unwrap();
    let deploy = ws.path().join("deploy");
    std::fs::create_dir_all(&deploy).unwrap();
    for f in std::fs::read_dir(repo().join("fixtures/configs/compose-bad")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), deploy.join(f.file_name())).unwrap();
    }
    // The tests' fixed day and defaults, as the project config.
    std::fs::copy(
        repo().join("fixtures/config/tests.yaml"),
        ws.path().join(".stevedore.yaml"),
    )
    .unwrap();
    ws
}

fn validate(files: &[PathBuf]) {
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        crate::support::assert_sarif_accepted(&text);
    }
}

#[test]
fn image_and_config_scans_upload_then_fail_the_job() {
    let ws = workspace();
    let r = run_action(
        ws.path(),
        &[
            ("image", "docker-archive:demo.tar"),
            ("config-paths", "deploy\n"),
        ],
    );
    assert!(
        r.failed,
        "a critical finding fails at the default `high`: {}",
        r.log
    );
    assert_eq!(r.outputs["exit-code"], "1", "{}", r.log);
    assert_eq!(
        r.ran.last().map(String::as_str),
        Some("verdict"),
        "{:?}",
        r.ran
    );
    assert!(
        !r.ran.contains(&"build".to_string()),
        "the build step is skipped on a cache hit: {:?}",
        r.ran
    );
    let findings: usize = r.outputs["findings"].parse().unwrap();
    assert!(findings > 5, "{findings}");
    assert_eq!(
        r.outputs["sarif-file"], "stevedore-results/image.sarif",
        "{:?}",
        r.outputs
    );

    // Two uploads, one category each, both before the verdict failed the job.
    let categories: Vec<&str> = r.uploads.iter().map(|u| u["category"].as_str()).collect();
    assert_eq!(categories, ["stevedore/image", "stevedore/config"]);
    let files: Vec<PathBuf> = r
        .uploads
        .iter()
        .map(|u| ws.path().join(&u["sarif_file"]))
        .collect();
    validate(&files);
    for (file, category) in files.iter().zip(&categories) {
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        assert_eq!(doc["runs"].as_array().unwrap().len(), 1);
        assert_eq!(doc["runs"][0]["automationDetails"]["id"], *category);
    }

    assert!(
        r.summary
            .contains("### stevedore: image `docker-archive:demo.tar`"),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("### stevedore: configuration"),
        "{}",
        r.summary
    );
    assert!(
        r.summary
            .contains("| critical | high | medium | low | info |")
    );
    assert!(r.summary.contains("docs/rules.md#ctr001"), "{}", r.summary);
    assert!(
        r.log.contains("CTR001"),
        "the findings are in the job log: {}",
        r.log
    );
}

#[test]
fn fail_on_none_passes_and_upload_can_be_turned_off() {
    let ws = workspace();
    let r = run_action(
        ws.path(),
        &[
            ("image", "docker-archive:demo.tar"),
            ("fail-on", "none"),
            ("upload-sarif", "false"),
            ("sarif-category", "containers"),
        ],
    );
    assert!(!r.failed, "{}", r.log);
    assert_eq!(r.outputs["exit-code"], "0");
    assert!(r.uploads.is_empty());
    let sarif: serde_json::Value = serde_json::from_slice(
        &std::fs::read(ws.path().join("stevedore-results/image.sarif")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        sarif["runs"][0]["automationDetails"]["id"],
        "containers/image"
    );
}

#[test]
fn the_dockerfile_input_places_findings_and_errors_fail_after_upload() {
    let ws = workspace();
    let dir = tempfile::tempdir().unwrap();
    let image = crate::support::build_fixture(
        "buildkit-built",
        crate::support::imagegen::Format::DockerArchive,
        dir.path(),
    );
    // `Dockerfile` in the workspace is used without being named.
    std::fs::copy(
        repo().join("fixtures/images/buildkit-built.Dockerfile"),
        ws.path().join("Dockerfile"),
    )
    .unwrap();
    let r = run_action(ws.path(), &[("image", &image), ("fail-on", "critical")]);
    assert!(r.failed, "{}", r.log);
    let sarif: serde_json::Value = serde_json::from_slice(
        &std::fs::read(ws.path().join("stevedore-results/image.sarif")).unwrap(),
    )
    .unwrap();
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
    assert!(
        !uris.is_empty() && uris.iter().all(|u| *u == "Dockerfile"),
        "{uris:?}"
    );

    // A scan that cannot complete: exit code 2, the job fails, nothing to upload.
    let r = run_action(ws.path(), &[("image", "docker-archive:missing.tar")]);
    assert!(r.failed);
    assert_eq!(r.outputs["exit-code"], "2", "{}", r.log);
    assert!(r.uploads.is_empty());
    assert!(r.log.contains("could not complete"), "{}", r.log);

    // No input at all is a usage error, not a silent pass.
    let r = run_action(ws.path(), &[]);
    assert!(r.failed);
    assert_eq!(r.outputs["exit-code"], "2");
}

/// `compose-files`: the listed files are one project, merged in order; the overlay's findings
/// land on its lines in the config SARIF.
#[test]
fn compose_files_input_merges_overlays() {
    let ws = workspace();
    let app = ws.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::copy(
        repo().join("fixtures/configs/compose-good/compose.yaml"),
        app.join("compose.yaml"),
    )
    .unwrap();
    std::fs::write(
        app.join("compose.prod.yaml"),
        "services:\n  api:\n    privileged: true\n",
    )
    .unwrap();
    let r = run_action(
        ws.path(),
        &[("compose-files", "app/compose.yaml app/compose.prod.yaml")],
    );
    assert!(r.failed, "privileged fails at `high`: {}", r.log);
    assert_eq!(r.outputs["exit-code"], "1", "{}", r.log);
    let sarif: serde_json::Value = serde_json::from_slice(
        &std::fs::read(ws.path().join("stevedore-results/config.sarif")).unwrap(),
    )
    .unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let located: Vec<(String, String, i64)> = results
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_string(),
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                loc["region"]["startLine"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        located,
        [("CTR001".to_string(), "app/compose.prod.yaml".to_string(), 3)],
        "the hardened main file adds nothing, the overlay is judged merged"
    );
}

#[test]
fn no_inline_ignores_keeps_a_change_from_silencing_itself() {
    let ws = workspace();
    // Suppressed results of the config scan the last run wrote.
    let suppressed = || -> usize {
        let sarif: serde_json::Value = serde_json::from_slice(
            &std::fs::read(ws.path().join("stevedore-results/config.sarif")).unwrap(),
        )
        .unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["suppressions"].is_array())
            .count()
    };
    let honoured = run_action(ws.path(), &[("config-paths", "deploy/")]);
    let inline = suppressed();
    assert!(
        inline >= 2,
        "the fixture's own ignores suppress: {}",
        honoured.log
    );
    let refused = run_action(
        ws.path(),
        &[("config-paths", "deploy/"), ("no-inline-ignores", "true")],
    );
    assert_eq!(suppressed(), 0, "{}", refused.log);
    let findings = |r: &RunResult| r.outputs["findings"].parse::<usize>().unwrap();
    assert_eq!(findings(&refused), findings(&honoured) + inline);
    let bad = run_action(
        ws.path(),
        &[("config-paths", "deploy/"), ("no-inline-ignores", "yes")],
    );
    assert_eq!(bad.outputs["exit-code"], "2", "{}", bad.log);
    assert!(bad.failed);
}

/// A stand-in for the release download: serves `files` (path → bytes) over plain HTTP on
/// loopback, 404 for anything else; returns the base URL.
fn release_server(files: Vec<(String, Vec<u8>)>) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut reader = BufReader::new(conn);
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).map_or(true, |n| n == 0) || header == "\r\n" {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut conn = reader.into_inner();
            match files.iter().find(|(p, _)| *p == path) {
                Some((_, body)) => {
                    let _ = write!(
                        conn,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = conn.write_all(body);
                }
                None => {
                    let _ = conn.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                }
            }
        }
    });
    base
}

/// A copy of the action's checkout (action.yml, its scripts, the manifest) with `checksums` as
/// its committed release/checksums.txt.
fn action_checkout(checksums: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join("action.yml"), dir.path().join("action.yml")).unwrap();
    std::fs::copy(repo().join("Cargo.toml"), dir.path().join("Cargo.toml")).unwrap();
    std::fs::copy(repo().join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    let scripts = dir.path().join("scripts/action");
    std::fs::create_dir_all(&scripts).unwrap();
    for f in std::fs::read_dir(repo().join("scripts/action")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), scripts.join(f.file_name())).unwrap();
    }
    // The cache key hashes the sources: an empty tree will do.
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::create_dir_all(dir.path().join("checks")).unwrap();
    std::fs::create_dir_all(dir.path().join("release")).unwrap();
    std::fs::write(dir.path().join("release/checksums.txt"), checksums).unwrap();
    dir
}

/// The release archive of the binary under test, packed once by the release script: (name,
/// bytes, the checksum line).
fn release_archive(version: &str) -> (String, Vec<u8>, String) {
    static PACKED: std::sync::OnceLock<(String, Vec<u8>, String)> = std::sync::OnceLock::new();
    PACKED.get_or_init(|| pack_release(version)).clone()
}

fn pack_release(version: &str) -> (String, Vec<u8>, String) {
    let out = tempfile::tempdir().unwrap();
    let target = "x86_64-unknown-linux-gnu";
    let run = Command::new(repo().join("scripts/release-package.sh"))
        .args([env!("CARGO_BIN_EXE_stevedore"), version, target])
        .arg(out.path())
        // The debug binary under test is large; the packing is what is tested, not gzip -9.
        .env("GZIP_LEVEL", "1")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let line = String::from_utf8_lossy(&run.stdout).trim().to_string();
    let name = format!("stevedore-{version}-{target}.tar.gz");
    let bytes = std::fs::read(out.path().join(&name)).unwrap();
    (name, bytes, line)
}

#[test]
fn the_release_binary_is_used_when_its_checksum_is_committed() {
    let version = env!("CARGO_PKG_VERSION");
    let (name, bytes, line) = release_archive(version);
    // Packing is reproducible: the same binary, the same checksum.
    assert_eq!(pack_release(version).2, line);
    let base = release_server(vec![(format!("/v{version}/{name}"), bytes)]);
    let checkout = action_checkout(&format!("{line}\n"));
    let ws = workspace();
    let runner = Runner {
        action_path: checkout.path().to_path_buf(),
        env: vec![("STEVEDORE_RELEASE_BASE".into(), base)],
        cache_hit: false,
    };
    let r = run_action_with(ws.path(), &[("config-paths", "deploy\n")], &runner);
    assert!(r.log.contains("release binary"), "{}", r.log);
    assert!(!r.ran.contains(&"cache".to_string()), "{:?}", r.ran);
    assert!(!r.ran.contains(&"build".to_string()), "{:?}", r.ran);
    assert!(r.cargo.is_empty(), "nothing built: {}", r.cargo);
    assert_eq!(r.outputs["exit-code"], "1", "the scan ran: {}", r.log);
}

#[test]
fn a_release_binary_that_does_not_match_fails_the_job() {
    let version = env!("CARGO_PKG_VERSION");
    let (name, mut bytes, line) = release_archive(version);
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    let base = release_server(vec![(format!("/v{version}/{name}"), bytes)]);
    let checkout = action_checkout(&format!("{line}\n"));
    let ws = workspace();
    let runner = Runner {
        action_path: checkout.path().to_path_buf(),
        env: vec![("STEVEDORE_RELEASE_BASE".into(), base)],
        cache_hit: false,
    };
    let r = run_action_with(ws.path(), &[("config-paths", "deploy\n")], &runner);
    assert!(r.failed);
    assert!(r.log.contains("refusing it"), "{}", r.log);
    assert!(
        !r.ran.contains(&"build".to_string()),
        "no fallback: {:?}",
        r.ran
    );
    assert!(!r.ran.contains(&"scan".to_string()), "{:?}", r.ran);
    assert!(r.cargo.is_empty(), "{}", r.cargo);
}

#[test]
fn without_a_release_the_action_builds_from_source() {
    let version = env!("CARGO_PKG_VERSION");
    let (_, _, line) = release_archive(version);
    // A committed checksum, but nothing published (404); then no checksum at all.
    let base = release_server(Vec::new());
    for checksums in [format!("{line}\n"), "# none yet\n".to_string()] {
        let checkout = action_checkout(&checksums);
        let ws = workspace();
        let runner = Runner {
            action_path: checkout.path().to_path_buf(),
            env: vec![("STEVEDORE_RELEASE_BASE".into(), base.clone())],
            cache_hit: false,
        };
        let r = run_action_with(ws.path(), &[("config-paths", "deploy\n")], &runner);
        assert!(
            r.log
                .contains("building stevedore from the action's checkout"),
            "{}",
            r.log
        );
        assert!(r.ran.contains(&"build".to_string()), "{:?}", r.ran);
        assert!(
            r.cargo.contains("install --locked --path") && r.cargo.contains("--root"),
            "{}",
            r.cargo
        );
        assert_eq!(r.outputs["exit-code"], "1", "the scan ran: {}", r.log);
    }
}
