//! containerd's `config.toml` (versions 1 to 3, and the gRPC table of 4), its registry
//! `hosts.toml`, and CRI-O's `crio.conf` with its drop-ins → [`RuntimeConfig`]. Each setting is
//! read from the table its version keeps it in; a file applied later (a drop-in, an import) wins
//! key by key.

use super::doc::Node;
use crate::model::Loc;
use crate::model::container::{Val, capability_name};
use crate::model::runtime::{HandlerFlag, RuntimeConfig, RuntimeKind};
use std::sync::Arc;

/// Annotations that let a pod widen what it may do, when a runtime handler allows them.
const DANGEROUS_ANNOTATIONS: [&str; 8] = [
    "io.kubernetes.cri-o.Devices",
    "devices.crio.io",
    "io.kubernetes.cri-o.userns-mode",
    "io.kubernetes.cri-o.cgroup2-mount-hierarchy-rw",
    "io.kubernetes.cri-o.seccompNotifierAction",
    "io.containers.trace-syscall",
    "io.kubernetes.cri-o.UnifiedCgroup",
    "io.kubernetes.cri-o.umask",
];

fn at(file: &Arc<str>, node: &Node, field: impl Into<String>) -> Loc {
    Loc::new(file, node.pos, field)
}

/// Records a handler's `privileged_without_host_devices` (its table's line when unset); a file
/// read later replaces what an earlier one said about the same handler, unless it only repeats
/// the table without the key.
fn privileged_devices(
    cfg: &mut RuntimeConfig,
    file: &Arc<str>,
    name: &str,
    table: &Node,
    field: String,
) {
    let key = table.get("privileged_without_host_devices");
    let value = key.and_then(Node::as_bool);
    let existing = cfg
        .privileged_host_devices
        .iter()
        .position(|f| f.handler == name);
    if value.is_none() && existing.is_some() {
        return;
    }
    let flag = HandlerFlag {
        handler: name.to_string(),
        value,
        loc: at(file, key.unwrap_or(table), field),
    };
    match existing {
        Some(i) => cfg.privileged_host_devices[i] = flag,
        None => cfg.privileged_host_devices.push(flag),
    }
}

/// Whether a document is containerd's configuration: its `plugins` tables or its `[grpc]`.
pub fn looks_like_containerd(doc: &Node) -> bool {
    doc.get("plugins").is_some_and(|p| {
        p.as_map()
            .iter()
            .any(|(k, _)| k.name == "cri" || k.name.starts_with("io.containerd."))
    }) || (doc.get("version").is_some() && doc.get("grpc").is_some())
}

/// Whether a document is a registry `hosts.toml`.
pub fn looks_like_hosts_toml(doc: &Node) -> bool {
    doc.get("host").is_some_and(Node::is_map)
        || (doc.get("server").is_some() && doc.as_map().len() <= 6)
}

/// Whether a document is CRI-O's configuration (`[crio.runtime]`, `[crio.api]`…).
pub fn looks_like_crio(doc: &Node) -> bool {
    doc.get("crio").is_some_and(Node::is_map)
}

/// The `imports` a containerd configuration names (paths or globs).
pub fn containerd_imports(doc: &Node) -> Vec<String> {
    doc.get("imports")
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

/// Where containerd reads `hosts.toml` directories from: `config_path` (`:`-separated), or, for a
/// version-3 configuration that sets none, containerd 2's default.
pub fn containerd_config_path(doc: &Node) -> Vec<String> {
    let version = doc.get("version").and_then(Node::as_i64).unwrap_or(1);
    let images = images_table(doc, version);
    match images
        .and_then(|t| t.at(&["registry", "config_path"]))
        .and_then(Node::as_str)
    {
        Some(p) => p
            .split(':')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        None if version >= 3 => vec![
            "/etc/containerd/certs.d".into(),
            "/etc/docker/certs.d".into(),
        ],
        None => Vec::new(),
    }
}

fn plugin<'a>(doc: &'a Node, name: &str) -> Option<&'a Node> {
    doc.get("plugins").and_then(|p| p.get(name))
}

/// The CRI plugin's own table (streaming server, TCP service).
fn cri_table(doc: &Node, version: i64) -> Option<&Node> {
    if version <= 1 {
        plugin(doc, "cri")
    } else {
        plugin(doc, "io.containerd.grpc.v1.cri")
    }
}

/// Where the runtime settings are: the CRI plugin before version 3, its own plugin since.
fn runtime_table(doc: &Node, version: i64) -> Option<&Node> {
    if version >= 3 {
        plugin(doc, "io.containerd.cri.v1.runtime")
    } else {
        cri_table(doc, version)
    }
}

fn images_table(doc: &Node, version: i64) -> Option<&Node> {
    if version >= 3 {
        plugin(doc, "io.containerd.cri.v1.images")
    } else {
        cri_table(doc, version)
    }
}

/// Applies one containerd configuration file (the main one, then each import) to `cfg`.
pub fn apply_containerd(cfg: &mut RuntimeConfig, file: &Arc<str>, doc: &Node) {
    let version = doc
        .get("version")
        .and_then(Node::as_i64)
        .unwrap_or(cfg.version);
    cfg.version = version;
    cfg.defaults_apply = true;
    let runtime = runtime_table(doc, version);
    let cri = cri_table(doc, version);
    let images = images_table(doc, version);
    let field = |table: &str, key: &str| format!("{table}.{key}");
    let rt_name = if version >= 3 {
        "plugins.'io.containerd.cri.v1.runtime'"
    } else if version == 2 {
        "plugins.\"io.containerd.grpc.v1.cri\""
    } else {
        "plugins.cri"
    };
    if let Some(rt) = runtime {
        if let Some((_, v)) = rt.entry("disable_apparmor") {
            cfg.apparmor_disabled = (v.as_bool() == Some(true))
                .then(|| at(file, v, field(rt_name, "disable_apparmor")));
        }
        if let Some(b) = rt
            .get("enable_selinux")
            .and_then(|v| v.as_bool().map(|b| (b, v)))
        {
            cfg.selinux = Some(Val::new(
                b.0,
                at(file, b.1, field(rt_name, "enable_selinux")),
            ));
        }
        if let Some(v) = rt.get("unset_seccomp_profile") {
            cfg.unset_seccomp_profile = v.as_str().map(|s| {
                Val::new(
                    s.to_string(),
                    at(file, v, field(rt_name, "unset_seccomp_profile")),
                )
            });
        }
        if let Some(ctd) = rt.get("containerd") {
            if let Some(v) = ctd.get("no_pivot").filter(|v| v.as_bool() == Some(true)) {
                cfg.no_pivot.push(Val::new(
                    "every runtime".into(),
                    at(file, v, "containerd.no_pivot"),
                ));
            }
            for (handler, h) in ctd.get("runtimes").map(Node::as_map).unwrap_or_default() {
                let hf = format!("containerd.runtimes.{}", handler.name);
                privileged_devices(
                    cfg,
                    file,
                    &handler.name,
                    h,
                    format!("{hf}.privileged_without_host_devices"),
                );
                if let Some(v) = h
                    .get("cgroup_writable")
                    .filter(|v| v.as_bool() == Some(true))
                {
                    cfg.cgroup_writable.push(Val::new(
                        handler.name.clone(),
                        at(file, v, format!("{hf}.cgroup_writable")),
                    ));
                }
                if let Some(v) = h
                    .at(&["options", "NoPivotRoot"])
                    .filter(|v| v.as_bool() == Some(true))
                {
                    cfg.no_pivot.push(Val::new(
                        handler.name.clone(),
                        at(file, v, format!("{hf}.options.NoPivotRoot")),
                    ));
                }
                if let Some(v) = h.get("base_runtime_spec") {
                    if let Some(path) = v.as_str().filter(|p| !p.is_empty()) {
                        cfg.base_runtime_specs.push(Val::new(
                            path.to_string(),
                            at(file, v, format!("{hf}.base_runtime_spec")),
                        ));
                    }
                }
            }
        }
    }
    if let Some(cri) = cri {
        if let Some(v) = cri.get("stream_server_address") {
            cfg.stream_address = v
                .as_str()
                .map(|s| Val::new(s.to_string(), at(file, v, "stream_server_address")));
        }
        if version < 3 {
            if let Some(v) = cri.get("sandbox_image") {
                cfg.sandbox_image = v
                    .as_str()
                    .map(|s| Val::new(s.to_string(), at(file, v, "sandbox_image")));
            }
        }
    }
    if let Some(images) = images {
        if let Some(v) = images.at(&["pinned_images", "sandbox"]) {
            cfg.sandbox_image = v
                .as_str()
                .map(|s| Val::new(s.to_string(), at(file, v, "pinned_images.sandbox")));
        }
        if let Some(registry) = images.get("registry") {
            legacy_registry(cfg, file, registry);
        }
    }
    for (table, prefix) in [
        (doc.get("grpc"), "grpc."),
        (plugin(doc, "io.containerd.server.v1.grpc"), ""),
    ] {
        for id in ["uid", "gid"] {
            if let Some(v) = table.and_then(|t| t.get(id)) {
                let key = format!("{prefix}{id}");
                cfg.socket_owners.retain(|o| o.loc.field != key);
                if let Some(n) = v.as_i64().filter(|n| *n != 0) {
                    cfg.socket_owners
                        .push(Val::new(format!("{id} {n}"), at(file, v, key)));
                }
            }
        }
    }
    for (table, key) in [
        (doc.get("grpc"), "grpc.tcp_address"),
        (plugin(doc, "io.containerd.server.v1.grpc"), "tcp_address"),
    ] {
        if let Some(v) = table.and_then(|t| t.get("tcp_address")) {
            if let Some(addr) = v.as_str().filter(|a| !a.is_empty()) {
                cfg.tcp_listeners
                    .push(Val::new(format!("{key} = {addr}"), at(file, v, key)));
            }
        }
    }
}

/// The registry settings containerd deprecated for `hosts.toml`: `configs.<host>.tls`,
/// `configs.<host>.auth`, `auths`, `mirrors.<host>.endpoint`.
fn legacy_registry(cfg: &mut RuntimeConfig, file: &Arc<str>, registry: &Node) {
    for (host, c) in registry
        .get("configs")
        .map(Node::as_map)
        .unwrap_or_default()
    {
        if let Some(v) = c
            .at(&["tls", "insecure_skip_verify"])
            .filter(|v| v.as_bool() == Some(true))
        {
            cfg.insecure_registries.push(Val::new(
                format!("{}: insecure_skip_verify = true", host.name),
                at(file, v, format!("registry.configs.{}.tls", host.name)),
            ));
        }
        if let Some(auth) = c.get("auth") {
            credentials(cfg, file, &host.name, auth, "registry.configs");
        }
    }
    for (host, auth) in registry.get("auths").map(Node::as_map).unwrap_or_default() {
        credentials(cfg, file, &host.name, auth, "registry.auths");
    }
    for (host, m) in registry
        .get("mirrors")
        .map(Node::as_map)
        .unwrap_or_default()
    {
        for e in m.get("endpoint").map(Node::as_seq).unwrap_or_default() {
            if let Some(url) = e.as_str().filter(|u| u.starts_with("http://")) {
                cfg.insecure_registries.push(Val::new(
                    format!("{}: plain HTTP endpoint {url}", host.name),
                    at(file, e, format!("registry.mirrors.{}.endpoint", host.name)),
                ));
            }
        }
    }
}

fn credentials(cfg: &mut RuntimeConfig, file: &Arc<str>, host: &str, auth: &Node, table: &str) {
    let secret = ["password", "auth", "identitytoken"].iter().find_map(|k| {
        auth.get(k)
            .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
    });
    if let Some(v) = secret {
        cfg.registry_credentials.push(Val::new(
            host.to_string(),
            at(file, v, format!("{table}.{host}.auth")),
        ));
    }
}

/// What a `hosts.toml` lets through: plain-HTTP hosts and hosts without certificate checks.
pub fn apply_hosts_toml(cfg: &mut RuntimeConfig, file: &Arc<str>, doc: &Node) {
    let mut judge = |name: &str, node: &Node, field: &str| {
        if name.starts_with("http://") {
            cfg.insecure_registries.push(Val::new(
                format!("{name}: plain HTTP"),
                at(file, node, field.to_string()),
            ));
        }
        if let Some(v) = node
            .get("skip_verify")
            .filter(|v| v.as_bool() == Some(true))
        {
            cfg.insecure_registries.push(Val::new(
                format!("{name}: skip_verify = true"),
                at(file, v, format!("{field}.skip_verify")),
            ));
        }
    };
    if let Some(server) = doc.get("server").and_then(Node::as_str) {
        judge(server, doc, "server");
    }
    for (host, h) in doc.get("host").map(Node::as_map).unwrap_or_default() {
        judge(&host.name, h, &format!("host.\"{}\"", host.name));
    }
}

/// Applies one CRI-O file (`crio.conf`, then each drop-in in lexical order) to `cfg`.
pub fn apply_crio(cfg: &mut RuntimeConfig, file: &Arc<str>, doc: &Node) {
    cfg.defaults_apply = true;
    let rt = doc.at(&["crio", "runtime"]);
    let api = doc.at(&["crio", "api"]);
    let image = doc.at(&["crio", "image"]);
    if let Some(rt) = rt {
        if let Some(v) = rt.get("default_capabilities") {
            cfg.default_capabilities = Some(
                v.as_seq()
                    .iter()
                    .filter_map(|c| {
                        c.as_str().map(|s| {
                            Val::new(
                                capability_name(s),
                                at(file, c, "crio.runtime.default_capabilities"),
                            )
                        })
                    })
                    .collect(),
            );
        }
        if let Some(v) = rt.get("seccomp_profile") {
            cfg.seccomp_profile = v
                .as_str()
                .map(|s| Val::new(s.to_string(), at(file, v, "crio.runtime.seccomp_profile")));
        }
        if let Some(v) = rt.get("apparmor_profile") {
            cfg.apparmor_disabled = (v.as_str() == Some("unconfined"))
                .then(|| at(file, v, "crio.runtime.apparmor_profile"));
        }
        if let Some(v) = rt.get("selinux") {
            cfg.selinux = v
                .as_bool()
                .map(|b| Val::new(b, at(file, v, "crio.runtime.selinux")));
        }
        if let Some(v) = rt.get("no_pivot").filter(|v| v.as_bool() == Some(true)) {
            cfg.no_pivot.push(Val::new(
                "every runtime".into(),
                at(file, v, "crio.runtime.no_pivot"),
            ));
        }
        if let Some(v) = rt.get("default_sysctls") {
            cfg.default_sysctls = v
                .as_seq()
                .iter()
                .filter_map(|s| {
                    s.as_str().map(|t| {
                        Val::new(
                            t.replace(' ', ""),
                            at(file, s, "crio.runtime.default_sysctls"),
                        )
                    })
                })
                .collect();
        }
        if let Some(v) = rt.get("additional_devices") {
            cfg.additional_devices = v
                .as_seq()
                .iter()
                .filter_map(|d| {
                    d.as_str().map(|t| {
                        Val::new(
                            t.to_string(),
                            at(file, d, "crio.runtime.additional_devices"),
                        )
                    })
                })
                .collect();
        }
        for (table, entries) in [
            ("runtimes", rt.get("runtimes")),
            ("workloads", rt.get("workloads")),
        ] {
            for (name, h) in entries.map(Node::as_map).unwrap_or_default() {
                if table == "runtimes" {
                    privileged_devices(
                        cfg,
                        file,
                        &name.name,
                        h,
                        format!(
                            "crio.runtime.runtimes.{}.privileged_without_host_devices",
                            name.name
                        ),
                    );
                }
                for a in h
                    .get("allowed_annotations")
                    .map(Node::as_seq)
                    .unwrap_or_default()
                {
                    if let Some(text) = a.as_str().filter(|t| DANGEROUS_ANNOTATIONS.contains(t)) {
                        cfg.allowed_annotations.push(Val::new(
                            format!("{text} (crio.runtime.{table}.{})", name.name),
                            at(
                                file,
                                a,
                                format!("crio.runtime.{table}.{}.allowed_annotations", name.name),
                            ),
                        ));
                    }
                }
            }
        }
        if let Some(v) = rt.get("seccomp_use_default_when_empty") {
            cfg.dead_options.push(Val::new(
                "seccomp_use_default_when_empty (removed in CRI-O 1.30: a container without a profile now runs unconfined unless the kubelet's seccompDefault is on)".into(),
                at(file, v, "crio.runtime.seccomp_use_default_when_empty"),
            ));
        }
    }
    if let Some(v) = api.and_then(|a| a.get("stream_address")) {
        cfg.stream_address = v
            .as_str()
            .map(|s| Val::new(s.to_string(), at(file, v, "crio.api.stream_address")));
    }
    if let Some(image) = image {
        if let Some(v) = image.get("pause_image") {
            cfg.sandbox_image = v
                .as_str()
                .map(|s| Val::new(s.to_string(), at(file, v, "crio.image.pause_image")));
        }
        if let Some(v) = image.get("insecure_registries") {
            if !v.as_seq().is_empty() {
                cfg.dead_options.push(Val::new(
                    "insecure_registries (no longer effective since CRI-O 1.35: registries.conf decides)".into(),
                    at(file, v, "crio.image.insecure_registries"),
                ));
            }
        }
    }
}

/// `registries.conf` (containers-registries.conf(5), version 2 and the deprecated version 1) and
/// its drop-ins: what CRI-O, Podman and Buildah trust and how they resolve short names.
pub fn apply_registries_conf(cfg: &mut RuntimeConfig, file: &Arc<str>, doc: &Node) {
    if let Some(v) = doc.get("unqualified-search-registries") {
        let list = v
            .as_seq()
            .iter()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect();
        cfg.search_registries = Some(Val::new(list, at(file, v, "unqualified-search-registries")));
    }
    if let Some(v) = doc.get("short-name-mode") {
        cfg.short_name_mode = v
            .as_str()
            .map(|m| Val::new(m.to_string(), at(file, v, "short-name-mode")));
    }
    for r in doc.get("registry").map(Node::as_seq).unwrap_or_default() {
        let name = r
            .get("location")
            .or_else(|| r.get("prefix"))
            .and_then(Node::as_str)
            .unwrap_or("?")
            .to_string();
        if let Some(v) = r.get("insecure").filter(|v| v.as_bool() == Some(true)) {
            cfg.insecure_registries.push(Val::new(
                format!("{name}: insecure = true"),
                at(file, v, "registry.insecure"),
            ));
        }
        for m in r.get("mirror").map(Node::as_seq).unwrap_or_default() {
            if let Some(v) = m.get("insecure").filter(|v| v.as_bool() == Some(true)) {
                let mirror = m.get("location").and_then(Node::as_str).unwrap_or("?");
                cfg.insecure_registries.push(Val::new(
                    format!("{name} mirror {mirror}: insecure = true"),
                    at(file, v, "registry.mirror.insecure"),
                ));
            }
        }
    }
    // Version 1: [registries.search], [registries.insecure].
    if let Some(v) = doc.at(&["registries", "insecure", "registries"]) {
        for r in v.as_seq() {
            if let Some(name) = r.as_str() {
                cfg.insecure_registries.push(Val::new(
                    format!("{name}: in [registries.insecure]"),
                    at(file, r, "registries.insecure.registries"),
                ));
            }
        }
    }
    if let Some(v) = doc.at(&["registries", "search", "registries"]) {
        let list = v
            .as_seq()
            .iter()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect();
        cfg.search_registries = Some(Val::new(list, at(file, v, "registries.search.registries")));
    }
}

/// `policy.json` (containers-policy.json(5)): the default requirement for images.
pub fn apply_signature_policy(cfg: &mut RuntimeConfig, file: &Arc<str>, doc: &Node) {
    if let Some(first) = doc.get("default").and_then(|d| d.as_seq().first()) {
        if let Some(kind) = first.get("type").and_then(Node::as_str) {
            cfg.signature_policy_default =
                Some(Val::new(kind.to_string(), at(file, first, "default")));
        }
    }
}

/// Whether a document is a registries.conf.
pub fn looks_like_registries_conf(doc: &Node) -> bool {
    doc.get("unqualified-search-registries").is_some()
        || doc.get("registry").is_some_and(|r| !r.as_seq().is_empty())
        || doc.get("short-name-mode").is_some()
        || doc.at(&["registries", "search"]).is_some()
}

/// Whether a JSON document is a containers signature policy.
pub fn looks_like_signature_policy(doc: &Node) -> bool {
    doc.get("default")
        .is_some_and(|d| d.as_seq().iter().any(|r| r.get("type").is_some()))
}

/// A fresh configuration for a runtime whose main file is `file`.
pub fn new_config(kind: RuntimeKind, file: &Arc<str>) -> RuntimeConfig {
    RuntimeConfig::new(
        kind,
        Loc::new(file, crate::model::Pos { line: 1, column: 1 }, ""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::toml::parse;

    fn containerd(text: &str) -> RuntimeConfig {
        let file: Arc<str> = Arc::from("config.toml");
        let mut cfg = new_config(RuntimeKind::Containerd, &file);
        apply_containerd(&mut cfg, &file, &parse(text).unwrap());
        cfg
    }

    #[test]
    fn each_version_reads_its_own_tables() {
        let v1 = containerd(
            "[plugins.cri]\ndisable_apparmor = true\nstream_server_address = \"0.0.0.0\"\n",
        );
        assert!(v1.apparmor_disabled.is_some());
        assert_eq!(v1.stream_address.unwrap().value, "0.0.0.0");
        let v2 = containerd(
            "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\nenable_selinux = true\nsandbox_image = \"registry.k8s.io/pause:3.9\"\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\nNoPivotRoot = true\n",
        );
        assert_eq!(v2.selinux.map(|s| s.value), Some(true));
        assert_eq!(v2.no_pivot[0].value, "runc");
        assert_eq!(v2.sandbox_image.unwrap().value, "registry.k8s.io/pause:3.9");
        // In version 3 the runtime settings moved: the CRI plugin's copy is not read.
        let v3 = containerd(
            "version = 3\n[plugins.'io.containerd.grpc.v1.cri']\ndisable_apparmor = true\n[plugins.'io.containerd.cri.v1.runtime']\nunset_seccomp_profile = \"\"\n[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]\ncgroup_writable = true\n[grpc]\ntcp_address = \"0.0.0.0:10010\"\n",
        );
        assert!(v3.apparmor_disabled.is_none());
        assert_eq!(v3.unset_seccomp_profile.unwrap().value, "");
        assert_eq!(v3.cgroup_writable[0].value, "runc");
        assert_eq!(
            v3.tcp_listeners[0].value,
            "grpc.tcp_address = 0.0.0.0:10010"
        );
    }

    #[test]
    fn registry_trust_and_credentials() {
        let cfg = containerd(
            "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"r.example\".tls]\ninsecure_skip_verify = true\n[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"r.example\".auth]\nusername = \"ci\"\npassword = \"hunter2hunter2\"\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"docker.io\"]\nendpoint = [\"http://mirror.local:5000\"]\n",
        );
        let insecure: Vec<&str> = cfg
            .insecure_registries
            .iter()
            .map(|v| v.value.as_str())
            .collect();
        assert_eq!(
            insecure,
            [
                "r.example: insecure_skip_verify = true",
                "docker.io: plain HTTP endpoint http://mirror.local:5000"
            ]
        );
        assert_eq!(cfg.registry_credentials[0].value, "r.example");

        let file: Arc<str> = Arc::from("hosts.toml");
        let mut hosts = new_config(RuntimeKind::Containerd, &file);
        apply_hosts_toml(
            &mut hosts,
            &file,
            &parse("server = \"https://r.example\"\n[host.\"http://10.0.0.5:5000\"]\ncapabilities = [\"pull\"]\n[host.\"https://m.example\"]\nskip_verify = true\n").unwrap(),
        );
        let found: Vec<&str> = hosts
            .insecure_registries
            .iter()
            .map(|v| v.value.as_str())
            .collect();
        assert_eq!(
            found,
            [
                "http://10.0.0.5:5000: plain HTTP",
                "https://m.example: skip_verify = true"
            ]
        );
        // A hosts.toml alone says nothing about containerd's defaults.
        assert!(!hosts.defaults_apply);
        assert!(cfg.defaults_apply);
    }

    #[test]
    fn crio_drop_ins_override_key_by_key() {
        let file: Arc<str> = Arc::from("crio.conf");
        let mut cfg = new_config(RuntimeKind::Crio, &file);
        apply_crio(
            &mut cfg,
            &file,
            &parse("[crio.runtime]\ndefault_capabilities = [\"CHOWN\", \"NET_RAW\"]\napparmor_profile = \"unconfined\"\n").unwrap(),
        );
        let drop_in: Arc<str> = Arc::from("crio.conf.d/10-hardening.conf");
        apply_crio(
            &mut cfg,
            &drop_in,
            &parse("[crio.runtime]\napparmor_profile = \"crio-default\"\nseccomp_use_default_when_empty = true\n").unwrap(),
        );
        assert!(cfg.apparmor_disabled.is_none(), "the drop-in wins");
        let caps: Vec<&str> = cfg
            .default_capabilities
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| c.value.as_str())
            .collect();
        assert_eq!(caps, ["CHOWN", "NET_RAW"], "untouched by the drop-in");
        assert_eq!(cfg.dead_options.len(), 1);
    }

    #[test]
    fn handler_flags_and_socket_owners_are_replaced_by_later_files() {
        let mut cfg = containerd(
            "version = 2\n[grpc]\ngid = 998\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\nprivileged_without_host_devices = false\n",
        );
        let import: Arc<str> = Arc::from("conf.d/10.toml");
        apply_containerd(
            &mut cfg,
            &import,
            &parse("version = 2\n[grpc]\ngid = 0\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\nprivileged_without_host_devices = true\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata]\nruntime_type = \"io.containerd.kata.v2\"\n").unwrap(),
        );
        assert!(cfg.socket_owners.is_empty(), "gid 0 in the import wins");
        let flags: Vec<(&str, Option<bool>)> = cfg
            .privileged_host_devices
            .iter()
            .map(|f| (f.handler.as_str(), f.value))
            .collect();
        assert_eq!(flags, [("runc", Some(true)), ("kata", None)]);
    }
}
