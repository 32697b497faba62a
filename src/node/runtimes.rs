//! containerd and CRI-O on a node: their configuration as each reads it (containerd's imports and
//! the `hosts.toml` under its `config_path`; CRI-O's drop-ins in lexical order), the seccomp
//! profile CRI-O is told to use, and whether the host enforces SELinux.

use super::Scan;
use crate::inputs::runtime as rt;
use crate::model::node::{DockerFile, NodeConfig};
use crate::model::runtime::{RuntimeConfig, RuntimeKind};
use crate::model::seccomp::SeccompProfile;
use std::sync::Arc;

/// `SELINUX=enforcing` or `permissive` in the root's `/etc/selinux/config`.
fn selinux_host(scan: &mut Scan) -> bool {
    scan.read("/etc/selinux/config", "selinux-config")
        .is_some_and(|text| {
            text.lines().any(|l| {
                matches!(
                    l.trim().strip_prefix("SELINUX="),
                    Some("enforcing" | "permissive")
                )
            })
        })
}

/// The files an `imports` entry names: a path, or `DIR/*SUFFIX`.
fn expand_import(scan: &Scan, pattern: &str) -> Vec<String> {
    match pattern.rsplit_once("/*") {
        Some((dir, suffix)) => scan
            .root
            .list(dir)
            .into_iter()
            .filter(|f| f.ends_with(suffix))
            .map(|f| format!("{dir}/{f}"))
            .collect(),
        None => vec![pattern.to_string()],
    }
}

fn parse(scan: &mut Scan, path: &str, kind: &'static str) -> Option<crate::inputs::doc::Node> {
    let text = scan.read(path, kind)?;
    match crate::inputs::toml::parse(&text) {
        Ok(doc) => Some(doc),
        Err(error) => {
            scan.target.errors.push(crate::inputs::files::FileError {
                path: path.to_string(),
                error,
            });
            None
        }
    }
}

/// The OCI specs containerd starts containers from (`base_runtime_spec`): their seccomp profile
/// is judged with the `SCP` rules, their capabilities against Docker's default set.
fn base_specs(scan: &mut Scan, cfg: &mut RuntimeConfig, profiles: &mut Vec<SeccompProfile>) {
    use crate::model::container::{DOCKER_DEFAULT_CAPS, Val, capability_name};
    let paths: Vec<String> = cfg
        .base_runtime_specs
        .iter()
        .map(|p| p.value.clone())
        .filter(|p| p.starts_with('/'))
        .collect();
    for path in paths {
        let Some(text) = scan.read(&path, "oci-spec") else {
            continue;
        };
        let file: Arc<str> = Arc::from(path.as_str());
        let doc = match crate::inputs::json::parse(&text) {
            Ok(doc) => doc,
            Err(error) => {
                scan.target
                    .errors
                    .push(crate::inputs::files::FileError { path, error });
                continue;
            }
        };
        if let Some(profile) = doc
            .at(&["linux", "seccomp"])
            .and_then(|s| SeccompProfile::from_doc(&file, s))
        {
            profiles.push(profile);
        }
        let mut seen = Vec::new();
        for set in ["bounding", "effective", "permitted"] {
            for c in doc
                .at(&["process", "capabilities", set])
                .map(crate::inputs::doc::Node::as_seq)
                .unwrap_or_default()
            {
                let Some(name) = c.as_str().map(capability_name) else {
                    continue;
                };
                if !DOCKER_DEFAULT_CAPS.contains(&name.as_str()) && !seen.contains(&name) {
                    seen.push(name.clone());
                    let loc =
                        crate::model::Loc::new(&file, c.pos, format!("process.capabilities.{set}"));
                    cfg.base_spec_capabilities.push(Val::new(name, loc));
                }
            }
        }
    }
}

/// `uid 998` → `uid 998 (alice)`, named from the node's own accounts.
fn name_socket_owners(cfg: &mut RuntimeConfig, accounts: &super::Accounts) {
    for owner in &mut cfg.socket_owners {
        let Some((kind, id)) = owner.value.split_once(' ') else {
            continue;
        };
        let Ok(id) = id.parse::<u32>() else { continue };
        let names = if kind == "uid" {
            &accounts.users
        } else {
            &accounts.groups
        };
        if let Some(name) = names.get(&id) {
            owner.value = format!("{kind} {id} ({name})");
        }
    }
}

pub(super) fn read(
    scan: &mut Scan,
    node: &mut NodeConfig,
    accounts: &super::Accounts,
) -> (Vec<RuntimeConfig>, Vec<SeccompProfile>) {
    let selinux = selinux_host(scan);
    let mut runtimes = Vec::new();
    let mut profiles = Vec::new();

    let main = "/etc/containerd/config.toml";
    if let Some(doc) = parse(scan, main, "containerd-config") {
        let file: Arc<str> = Arc::from(main);
        let mut cfg = rt::new_config(RuntimeKind::Containerd, &file);
        rt::apply_containerd(&mut cfg, &file, &doc);
        for pattern in rt::containerd_imports(&doc) {
            for path in expand_import(scan, &pattern) {
                if let Some(import) = parse(scan, &path, "containerd-config") {
                    let f: Arc<str> = Arc::from(path.as_str());
                    rt::apply_containerd(&mut cfg, &f, &import);
                }
            }
        }
        for dir in rt::containerd_config_path(&doc) {
            for host in scan.root.list(&dir) {
                let path = format!("{dir}/{host}/hosts.toml");
                if let Some(hosts) = parse(scan, &path, "hosts-toml") {
                    let f: Arc<str> = Arc::from(path.as_str());
                    rt::apply_hosts_toml(&mut cfg, &f, &hosts);
                }
            }
        }
        cfg.selinux_host = Some(selinux);
        name_socket_owners(&mut cfg, accounts);
        base_specs(scan, &mut cfg, &mut profiles);
        scan.target.found.push(format!(
            "containerd: {main} (config version {})",
            cfg.version
        ));
        runtimes.push(cfg);
        if let Some(f) = scan.node_file(DockerFile::ContainerdConfig, main, accounts) {
            node.files.push(f);
        }
    }
    if let Some(f) = scan.node_file(DockerFile::ContainerdStateDir, "/run/containerd", accounts) {
        node.files.push(f);
    }

    let mut crio_files: Vec<String> = Vec::new();
    if scan.exists("/etc/crio/crio.conf") {
        crio_files.push("/etc/crio/crio.conf".into());
    }
    crio_files.extend(
        scan.root
            .list("/etc/crio/crio.conf.d")
            .into_iter()
            .filter(|f| f.ends_with(".conf"))
            .map(|f| format!("/etc/crio/crio.conf.d/{f}")),
    );
    if let Some(first) = crio_files.first().cloned() {
        let file: Arc<str> = Arc::from(first.as_str());
        let mut cfg = rt::new_config(RuntimeKind::Crio, &file);
        for path in &crio_files {
            if let Some(doc) = parse(scan, path, "crio-config") {
                let f: Arc<str> = Arc::from(path.as_str());
                rt::apply_crio(&mut cfg, &f, &doc);
            }
        }
        cfg.selinux_host = Some(selinux);
        // What CRI-O pulls from and trusts: registries.conf (and drop-ins), policy.json.
        let mut registries = vec!["/etc/containers/registries.conf".to_string()];
        registries.extend(
            scan.root
                .list("/etc/containers/registries.conf.d")
                .into_iter()
                .filter(|f| f.ends_with(".conf"))
                .map(|f| format!("/etc/containers/registries.conf.d/{f}")),
        );
        for path in registries {
            if let Some(doc) = parse(scan, &path, "registries-conf") {
                let f: Arc<str> = Arc::from(path.as_str());
                rt::apply_registries_conf(&mut cfg, &f, &doc);
            }
        }
        let policy = "/etc/containers/policy.json";
        if let Some(text) = scan.read(policy, "signature-policy") {
            let f: Arc<str> = Arc::from(policy);
            match crate::inputs::json::parse(&text) {
                Ok(doc) => rt::apply_signature_policy(&mut cfg, &f, &doc),
                Err(error) => scan.target.errors.push(crate::inputs::files::FileError {
                    path: policy.to_string(),
                    error,
                }),
            }
        }
        // The profile CRI-O uses for RuntimeDefault is judged like any seccomp profile.
        if let Some(path) = cfg
            .seccomp_profile
            .as_ref()
            .map(|p| p.value.clone())
            .filter(|p| p.starts_with('/'))
        {
            if let Some(text) = scan.read(&path, "seccomp") {
                let f: Arc<str> = Arc::from(path.as_str());
                match crate::inputs::json::parse(&text) {
                    Ok(doc) => {
                        if let Some(profile) = SeccompProfile::from_doc(&f, &doc) {
                            profiles.push(profile);
                        }
                    }
                    Err(error) => scan.target.errors.push(crate::inputs::files::FileError {
                        path: path.clone(),
                        error,
                    }),
                }
            }
        }
        scan.target
            .found
            .push(format!("CRI-O: {}", crio_files.join(", ")));
        runtimes.push(cfg);
    }
    (runtimes, profiles)
}
