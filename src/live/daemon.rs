//! `GET /info` → the daemon model, so the `DMN…` rules judge the running daemon. Settings the
//! API does not show are listed as such rather than guessed.

use crate::inputs::doc::Pos;
use crate::model::Loc;
use crate::model::daemon::{DaemonConfig, Setting, SettingValue};
use serde_json::Value;
use std::sync::Arc;

/// Where live daemon findings point in reports.
pub(crate) const LOCATION: &str = "docker/daemon";

/// Settings that `/info` does not reveal; rules about them stay silent for a live daemon unless
/// `--daemon-config` or `--dockerd-args` supplies them.
pub(crate) const NOT_VISIBLE: [&str; 8] = [
    "icc",
    "userland-proxy",
    "no-new-privileges",
    "default-ulimits",
    "log-level",
    "iptables",
    "cgroup-parent",
    "storage-opts",
];

/// Settings that mean nothing for Podman behind its Docker-compatible API: its containers are not
/// children of the API service (they outlive it, as `live-restore` arranges for dockerd), and it
/// reports `ExperimentalBuild: true` whatever its configuration.
pub(crate) const NOT_APPLICABLE_TO_PODMAN: [&str; 2] = ["live-restore", "experimental"];

/// Podman names itself among `/version`'s components ("Podman Engine").
pub(crate) fn is_podman(version: &Value) -> bool {
    version
        .get("Components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("Name").and_then(Value::as_str))
        .any(|name| name.to_ascii_lowercase().contains("podman"))
}

/// Builds the daemon view from `/info` and `/version`.
pub(crate) fn from_info(info: &Value, version: &Value) -> DaemonConfig {
    let podman = is_podman(version);
    let file: Arc<str> = Arc::from(LOCATION);
    let at = |field: &str| Loc::new(&file, Pos { line: 1, column: 1 }, field.to_string());
    let mut cfg = DaemonConfig::empty(at(""));
    let mut set = |key: &str, value: SettingValue, field: &str| {
        cfg.api_settings.push(Setting {
            key: key.into(),
            value,
            loc: at(field),
            flag: None,
            written: None,
        });
    };
    let security = strings_at(info, "/SecurityOptions");
    for opt in &security {
        let fields: Vec<(&str, &str)> =
            opt.split(',').filter_map(|kv| kv.split_once('=')).collect();
        let name = fields
            .iter()
            .find(|(k, _)| *k == "name")
            .map(|(_, v)| *v)
            .unwrap_or("");
        match name {
            "seccomp" => {
                let profile = fields
                    .iter()
                    .find(|(k, _)| *k == "profile")
                    .map(|(_, v)| *v)
                    .unwrap_or("builtin");
                // Docker < 23 says "default" for its built-in profile.
                let profile = if profile == "default" {
                    "builtin"
                } else {
                    profile
                };
                set(
                    "seccomp-profile",
                    SettingValue::Str(profile.into()),
                    "SecurityOptions:seccomp",
                );
            }
            "userns" => set(
                "userns-remap",
                SettingValue::Str("default".into()),
                "SecurityOptions:userns",
            ),
            "rootless" => set(
                "rootless",
                SettingValue::Bool(true),
                "SecurityOptions:rootless",
            ),
            "no-new-privileges" => set(
                "no-new-privileges",
                SettingValue::Bool(true),
                "SecurityOptions:no-new-privileges",
            ),
            "selinux" => set(
                "selinux-enabled",
                SettingValue::Bool(true),
                "SecurityOptions:selinux",
            ),
            _ => {}
        }
    }
    if !security.iter().any(|s| s.contains("name=userns"))
        && !security.iter().any(|s| s.contains("name=rootless"))
    {
        set(
            "userns-remap",
            SettingValue::Str(String::new()),
            "SecurityOptions",
        );
    }
    if !security.iter().any(|s| s.contains("name=rootless")) {
        set("rootless", SettingValue::Bool(false), "SecurityOptions");
    }
    if let Some(b) = info
        .get("LiveRestoreEnabled")
        .and_then(Value::as_bool)
        .filter(|_| !podman)
    {
        set("live-restore", SettingValue::Bool(b), "LiveRestoreEnabled");
    }
    if let Some(d) = info.get("LoggingDriver").and_then(Value::as_str) {
        set("log-driver", SettingValue::Str(d.into()), "LoggingDriver");
    }
    if let Some(d) = info.get("Driver").and_then(Value::as_str) {
        set("storage-driver", SettingValue::Str(d.into()), "Driver");
    }
    if let Some(b) = info
        .get("ExperimentalBuild")
        .and_then(Value::as_bool)
        .filter(|_| !podman)
    {
        set("experimental", SettingValue::Bool(b), "ExperimentalBuild");
    }
    if let Some(b) = info.get("Debug").and_then(Value::as_bool) {
        set("debug", SettingValue::Bool(b), "Debug");
    }
    let authz = strings_at(info, "/Plugins/Authorization");
    set(
        "authorization-plugins",
        SettingValue::List(authz),
        "Plugins.Authorization",
    );
    // Insecure registries: CIDRs and index entries marked insecure; loopback is the default.
    let mut insecure = strings_at(info, "/RegistryConfig/InsecureRegistryCIDRs");
    if let Some(index) = info
        .pointer("/RegistryConfig/IndexConfigs")
        .and_then(Value::as_object)
    {
        for (name, cfg) in index {
            if cfg.get("Secure").and_then(Value::as_bool) == Some(false) {
                insecure.push(name.clone());
            }
        }
    }
    insecure.retain(|r| !r.starts_with("::1"));
    set(
        "insecure-registries",
        SettingValue::List(insecure),
        "RegistryConfig",
    );
    // "WARNING: API is accessible on http://0.0.0.0:2375 without encryption."
    let mut hosts = Vec::new();
    for w in info
        .get("Warnings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if let Some(rest) = w.split("API is accessible on ").nth(1) {
            let addr = rest
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_end_matches('.');
            hosts.push(addr.replacen("http://", "tcp://", 1));
        }
    }
    if !hosts.is_empty() {
        set("hosts", SettingValue::List(hosts), "Warnings");
    }
    cfg.not_visible = NOT_VISIBLE.iter().map(|s| s.to_string()).collect();
    if podman {
        cfg.not_visible
            .extend(NOT_APPLICABLE_TO_PODMAN.iter().map(|s| s.to_string()));
    }
    cfg
}

/// The strings of the JSON array at `pointer`; anything else reads as empty.
fn strings_at(info: &Value, pointer: &str) -> Vec<String> {
    info.pointer(pointer)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// What the report should say about settings this view could not judge: those the API does not
/// show (unless a daemon.json or flags were given), and those that do not apply to Podman.
pub(crate) fn notes(daemon: &DaemonConfig, version: &serde_json::Value) -> Vec<String> {
    let podman = is_podman(version);
    let not_applicable = |k: &str| podman && NOT_APPLICABLE_TO_PODMAN.contains(&k);
    let hidden: Vec<&str> = daemon
        .not_visible
        .iter()
        .filter(|k| !daemon.knows(k) && !not_applicable(k))
        .map(String::as_str)
        .collect();
    let mut notes = Vec::new();
    if !hidden.is_empty() {
        notes.push(format!(
            "not visible through the Docker API, so not judged: {} (pass --daemon-config /etc/docker/daemon.json or --dockerd-args to include them)",
            hidden.join(", ")
        ));
    }
    if podman {
        notes.push(format!(
            "Podman: {} do not apply (containers outlive the API service; its Docker-compatible API always reports experimental)",
            NOT_APPLICABLE_TO_PODMAN.join(" and ")
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn info_maps_to_settings() {
        let info = json!({
            "SecurityOptions": ["name=seccomp,profile=unconfined", "name=cgroupns"],
            "LiveRestoreEnabled": false,
            "LoggingDriver": "json-file",
            "Driver": "overlay2",
            "RegistryConfig": {"InsecureRegistryCIDRs": ["127.0.0.0/8", "10.0.0.0/8"], "IndexConfigs": {"docker.io": {"Secure": true}, "reg.local:5000": {"Secure": false}}},
            "Warnings": ["WARNING: API is accessible on http://0.0.0.0:2375 without encryption."]
        });
        let cfg = from_info(&info, &Value::Null);
        assert_eq!(
            cfg.str("seccomp-profile").map(|(s, _)| s),
            Some("unconfined")
        );
        assert_eq!(cfg.bool("live-restore").map(|(b, _)| b), Some(false));
        let insecure: Vec<String> = cfg
            .list("insecure-registries")
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        assert_eq!(
            insecure,
            vec!["127.0.0.0/8", "10.0.0.0/8", "reg.local:5000"]
        );
        assert_eq!(cfg.list("hosts")[0].0, "tcp://0.0.0.0:2375");
        assert!(!cfg.knows("icc"));
        let old = from_info(
            &json!({"SecurityOptions": ["name=seccomp,profile=default"]}),
            &Value::Null,
        );
        assert_eq!(old.str("seccomp-profile").map(|(s, _)| s), Some("builtin"));
    }

    /// Podman 4.3 behind its Docker-compatible API (`/version` names it): live-restore and
    /// experimental are not judged there, the rest is read as for Docker.
    #[test]
    fn podman_info_skips_what_does_not_apply() {
        let version = json!({"Components": [{"Name": "Podman Engine", "Version": "4.3.1"}]});
        let info = json!({
            "ExperimentalBuild": true,
            "LiveRestoreEnabled": false,
            "SecurityOptions": ["name=seccomp,profile=default"],
            "Driver": "vfs",
        });
        let cfg = from_info(&info, &version);
        assert!(is_podman(&version));
        assert!(cfg.bool("live-restore").is_none() && cfg.bool("experimental").is_none());
        for key in NOT_APPLICABLE_TO_PODMAN {
            assert!(cfg.not_visible.iter().any(|k| k == key), "{key}");
        }
        assert_eq!(cfg.str("storage-driver").map(|(s, _)| s), Some("vfs"));
        let docker_version = json!({"Components": [{"Name": "Engine", "Version": "20.10.24"}]});
        let docker = from_info(&json!({"ExperimentalBuild": true}), &docker_version);
        assert!(!is_podman(&docker_version));
        assert_eq!(docker.bool("experimental").map(|(b, _)| b), Some(true));
    }
}
