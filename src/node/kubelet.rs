//! The kubelet on a node: its unit and drop-ins (kubeadm's `10-kubeadm.conf`, the environment
//! files it reads), or the running process's command line, then the `--config` file and the
//! `--config-dir` drop-ins, combined as the kubelet combines them.

use super::docker::{exec_start, pos, unit_files};
use super::{Accounts, Scan};
use crate::inputs::doc::Node;
use crate::inputs::kubelet::{Layers, effective, flag_value, located_flags};
use crate::model::Loc;
use crate::model::kubelet::KubeletConfig;
use crate::model::node::{DockerFile, NodeConfig};
use crate::model::runtime::{RuntimeConfig, RuntimeKind};
use std::sync::Arc;

fn parse_config(scan: &mut Scan, path: &str, kind: &'static str) -> Option<(Arc<str>, Node)> {
    let text = scan.read(path, kind)?;
    let parsed = if text.trim_start().starts_with('{') {
        crate::inputs::json::parse(&text)
    } else {
        crate::inputs::yaml::parse(&text).and_then(|docs| {
            docs.into_iter()
                .next()
                .ok_or_else(|| "empty document".to_string())
        })
    };
    match parsed {
        Ok(doc) => Some((Arc::from(path), doc)),
        Err(error) => {
            scan.target.errors.push(crate::inputs::files::FileError {
                path: path.to_string(),
                error,
            });
            None
        }
    }
}

/// The seccomp profile the node's runtime would apply as `RuntimeDefault`, in words.
fn runtime_default(endpoint: Option<&str>, runtimes: &[RuntimeConfig]) -> Option<String> {
    let crio = runtimes.iter().find(|r| r.kind == RuntimeKind::Crio);
    let containerd = runtimes.iter().find(|r| r.kind == RuntimeKind::Containerd);
    let wants_crio = endpoint.is_some_and(|e| e.contains("crio"));
    match (wants_crio, crio, containerd) {
        (true, Some(c), _) | (false, Some(c), None) => Some(match &c.seccomp_profile {
            Some(p) if !p.value.is_empty() => {
                format!(
                    "CRI-O's RuntimeDefault profile ({}, seccomp_profile)",
                    p.value
                )
            }
            _ => "CRI-O's built-in default profile".to_string(),
        }),
        (_, _, Some(_)) => Some("containerd's built-in default profile".to_string()),
        _ => None,
    }
}

pub(super) fn read(
    scan: &mut Scan,
    node: &mut NodeConfig,
    accounts: &Accounts,
    proc: Option<&std::path::Path>,
    runtimes: &[RuntimeConfig],
) -> Vec<KubeletConfig> {
    let (unit, drop_ins) = unit_files(scan, "kubelet.service");
    let running = proc.and_then(|p| super::proc::find(p, "kubelet", "kubelet.service"));
    if unit.is_none() && running.is_none() {
        return Vec::new();
    }
    let mut texts = Vec::new();
    for path in unit.iter().chain(&drop_ins) {
        if let Some(text) = scan.read(path, "systemd-unit") {
            texts.push((path.clone(), text));
        }
    }
    let command = exec_start(scan, &texts);
    // Each word with where it was written: the process, the ExecStart line, or the line that set
    // the variable it came from (kubeadm's flags live in environment files).
    let (words, anchor): (Vec<(String, Loc)>, Loc) = match (&running, &command) {
        (Some(p), _) => {
            let file: Arc<str> = Arc::from(format!("/proc/{}/cmdline", p.pid).as_str());
            scan.target.files.push(crate::inputs::files::ScannedFile {
                path: file.to_string(),
                kind: "process",
            });
            let at = Loc::new(&file, pos(1), "");
            (p.argv.iter().map(|w| (w.clone(), at.clone())).collect(), at)
        }
        (None, Some(c)) => {
            let file: Arc<str> = Arc::from(c.path.as_str());
            (c.words.clone(), Loc::new(&file, pos(c.line), "ExecStart"))
        }
        (None, None) => return Vec::new(),
    };
    let argv: Vec<String> = words.iter().map(|(w, _)| w.clone()).collect();
    scan.target
        .found
        .push(format!("kubelet ({}): {}", anchor.file, argv.join(" ")));
    let flags = located_flags(&words);
    let config_path = flag_value(&flags, "config").map(|f| f.value.clone());
    let config = config_path
        .as_deref()
        .and_then(|p| parse_config(scan, p, "kubelet-config"));
    let mut drop_in_docs = Vec::new();
    if let Some(dir) = flag_value(&flags, "config-dir").map(|f| f.value.clone()) {
        for name in scan.root.list(&dir) {
            if name.ends_with(".conf") {
                let path = format!("{dir}/{name}");
                drop_in_docs.extend(parse_config(scan, &path, "kubelet-config"));
            }
        }
    }
    let layers = Layers {
        flags: flags.clone(),
        config,
        drop_ins: drop_in_docs,
        anchor,
        has_config: config_path.is_some(),
    };
    let mut cfg = effective(&layers);
    let endpoint = flag_value(&flags, "container-runtime-endpoint")
        .map(|f| f.value.clone())
        .or_else(|| {
            layers
                .config
                .as_ref()
                .and_then(|(_, d)| d.get("containerRuntimeEndpoint"))
                .and_then(Node::scalar_text)
        });
    cfg.runtime_default = runtime_default(endpoint.as_deref(), runtimes);

    // CIS Kubernetes 4.1: the unit, the kubeconfig, the client CA and the config file.
    let mut files: Vec<(DockerFile, String)> = Vec::new();
    if let Some(u) = drop_ins
        .iter()
        .find(|d| d.ends_with("10-kubeadm.conf"))
        .or(unit.as_ref())
    {
        files.push((DockerFile::KubeletUnit, u.clone()));
    }
    if let Some(k) = flag_value(&flags, "kubeconfig") {
        files.push((DockerFile::KubeletKubeconfig, k.value.clone()));
    }
    if let Some(ca) = cfg.get("authentication.x509.clientCAFile") {
        files.push((DockerFile::KubeletClientCa, ca.value.text()));
    }
    if let Some(c) = &config_path {
        files.push((DockerFile::KubeletConfigFile, c.clone()));
    }
    for (role, path) in files {
        if let Some(f) = scan.node_file(role, &path, accounts) {
            node.files.push(f);
        }
    }
    vec![cfg]
}
