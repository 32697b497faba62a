//! Every rule alone, on its own inputs (`fixtures/rules/<ID>/`, see its README): a `fires` input
//! per kind of input the rule reads must produce it, a `silent` near miss must not, and what it
//! says on the `fires` inputs is one snapshot per rule. A rule without a folder fails here.

use crate::support::imagegen::{self, Format};
use crate::support::nodegen;
use crate::support::{empty_config, fixture, stevedore_in};
use serde_json::Value;
use std::path::{Path, PathBuf};
use stevedore::catalog::{Check, Run};

/// The kinds of input a rule reads, with their file suffix and the `--kind` they are read as
/// (`None`: an image description).
fn kinds(check: &Check) -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    let mut out = Vec::new();
    let mut add = |k| {
        if !out.contains(&k) {
            out.push(k);
        }
    };
    for run in check.runs {
        match run {
            Run::Container(_) => {
                add(("compose", "compose.yaml", Some("compose")));
                add(("kubernetes", "kubernetes.yaml", Some("kubernetes")));
            }
            Run::Daemon(_) => {
                add(("daemon-json", "daemon.json", Some("daemon-json")));
                add(("dockerd-unit", "docker.service", Some("dockerd-unit")));
            }
            Run::Seccomp(_) => add(("seccomp", "seccomp.json", Some("seccomp"))),
            Run::Recipe(_) => {
                add(("image", "image.yaml", None));
                add(("dockerfile", "Dockerfile", Some("dockerfile")));
            }
            Run::Image(_) | Run::ImageWithSettings(_) => add(("image", "image.yaml", None)),
            Run::Node(_) | Run::NodeWithSettings(_) => add(("node", "node.yaml", None)),
            Run::Kubelet(_) => add(("kubelet", "kubelet.yaml", Some("kubelet-config"))),
            Run::Pod(_)
            | Run::Service(_)
            | Run::Ingress(_)
            | Run::Namespace(_)
            | Run::Stored(_)
            | Run::Cluster(_) => add(("kubernetes", "kubernetes.yaml", Some("kubernetes"))),
            Run::Runtime(_) => {
                add(("containerd", "containerd.toml", Some("containerd-config")));
                add(("crio", "crio.conf", Some("crio-config")));
            }
        }
    }
    out
}

/// (severity, location, message) of each finding of `id` in a JSON report; suppressed ones are
/// not findings here.
fn found(report: &Value, id: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == id && f["suppression"].is_null())
        .map(|f| {
            let l = &f["location"];
            let at = match l["kind"].as_str() {
                Some("file") => format!(
                    "{}:{} {}",
                    l["path"].as_str().unwrap_or(""),
                    l["line"],
                    l["field"].as_str().unwrap_or("")
                ),
                Some("image_file") => format!(
                    "{} (layer {})",
                    l["path"].as_str().unwrap_or(""),
                    l["layer"]
                ),
                Some("image_config") => l["field"].as_str().unwrap_or("").to_string(),
                _ => l.to_string(),
            };
            format!(
                "{} [{at}] {}",
                f["severity"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// Runs rule `id` alone on one input; returns its findings.
fn run(id: &str, dir: &Path, input: &Path, kind: Option<&str>, work: &Path) -> Vec<String> {
    let cfg = empty_config();
    let name = input.file_name().unwrap().to_string_lossy().to_string();
    let mut args: Vec<String> = Vec::new();
    if name.ends_with(".node.yaml") {
        let root = work.join(format!("{id}-{}", name.trim_end_matches(".node.yaml")));
        nodegen::build(&nodegen::load(input), &root);
        args.extend(["node".into(), "--root".into(), root.display().to_string()]);
        // A described /proc: how the node's services run.
        if root.join("proc").is_dir() {
            args.extend(["--proc".into(), root.join("proc").display().to_string()]);
        }
    } else if name.ends_with(".image.yaml") {
        let desc = imagegen::load(input);
        let built = imagegen::build(&desc);
        let stem = format!("{id}-{}", name.trim_end_matches(".image.yaml"));
        let path = imagegen::write(&built, Format::OciDirGzip, work, &stem);
        args.extend(["image".into(), Format::OciDirGzip.reference(&path)]);
    } else {
        args.push("config".into());
        if let Some(k) = kind {
            args.extend(["--kind".into(), k.into()]);
        }
        args.push(name.clone());
    }
    args.extend(
        [
            "--select",
            id,
            "-f",
            "json",
            "--fail-on",
            "none",
            "--config",
            &cfg,
        ]
        .map(String::from),
    );
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = stevedore_in(dir, &refs);
    assert_eq!(run.code, 0, "{id} {name}: {}", run.stderr);
    found(&run.json(), id)
}

#[test]
fn every_rule_fires_on_its_inputs_and_stays_silent_on_near_misses() {
    let work = tempfile::tempdir().unwrap();
    let root = fixture("rules");
    let mut problems = Vec::new();
    for check in stevedore::checks::CATALOG {
        let dir = root.join(check.id);
        if !dir.is_dir() {
            problems.push(format!("{}: no fixtures/rules/{}/", check.id, check.id));
            continue;
        }
        let mut snapshot = String::new();
        let mut inputs: Vec<(String, PathBuf, Option<&str>)> = Vec::new();
        for (kind, file, as_kind) in kinds(check) {
            let never = dir.join(format!("never.{kind}"));
            for which in ["fires", "silent"] {
                let path = dir.join(format!("{which}.{file}"));
                if path.is_file() {
                    inputs.push((which.to_string(), path, as_kind));
                } else if !(which == "fires" && never.is_file()) {
                    problems.push(format!("{}: {kind}: no {which}.{file}", check.id));
                }
            }
        }
        for which in ["fires", "silent"] {
            let path = dir.join(format!("{which}.dir"));
            if path.is_dir() {
                inputs.push((which.to_string(), path, None));
            }
        }
        for (which, path, as_kind) in inputs {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".node.yaml") && !nodegen::can_chown() {
                eprintln!(
                    "SKIPPED: {}: {name} needs root to set file owners",
                    check.id
                );
                continue;
            }
            let got = run(check.id, &dir, &path, as_kind, work.path());
            match which.as_str() {
                "fires" if got.is_empty() => {
                    problems.push(format!("{}: {name} did not fire", check.id))
                }
                "silent" if !got.is_empty() => {
                    problems.push(format!("{}: {name} fired: {got:#?}", check.id))
                }
                "fires" => {
                    snapshot.push_str(&format!("{name}:\n"));
                    for g in got {
                        snapshot.push_str(&format!("  {g}\n"));
                    }
                }
                _ => {}
            }
        }
        if !snapshot.is_empty() {
            insta::assert_snapshot!(check.id, snapshot);
        }
    }
    // Folders for rules that do not exist are stale.
    for entry in std::fs::read_dir(&root).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name != "README.md" && !stevedore::checks::CATALOG.iter().any(|c| c.id == name) {
            problems.push(format!("fixtures/rules/{name}: no such rule"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
