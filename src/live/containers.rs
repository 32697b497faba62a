//! `docker inspect` output → the container model compose files and Kubernetes manifests use, so
//! the `CTR…` rules judge running containers the same way. An inline seccomp profile in
//! `SecurityOpt` (what `--security-opt seccomp=FILE` sends) becomes a seccomp model too.

use crate::inputs::doc::Pos;
use crate::model::Loc;
use crate::model::container::{
    ContainerSpec, Mount, Namespace, Platform, Port, Restart, SeccompMode, Val, capability_name,
};
use crate::model::seccomp::SeccompProfile;
use serde_json::Value;
use std::sync::Arc;

/// Where a container's findings point: `docker/containers/<name>`, line 1.
pub(crate) fn location(name: &str) -> String {
    format!("docker/containers/{name}")
}

fn strs(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn num(v: Option<&Value>) -> i64 {
    v.and_then(Value::as_i64).unwrap_or(0)
}

/// One inspected container as a spec, and its inline seccomp profile if it has one.
pub(crate) fn from_inspect(c: &Value) -> (ContainerSpec, Option<SeccompProfile>) {
    let name = c
        .get("Name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_start_matches('/')
        .to_string();
    let id: String = c
        .get("Id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(12)
        .collect();
    let file: Arc<str> = Arc::from(location(&name).as_str());
    let at = |field: &str| Loc::new(&file, Pos { line: 1, column: 1 }, field.to_string());
    let host = c.get("HostConfig").cloned().unwrap_or(Value::Null);
    let config = c.get("Config").cloned().unwrap_or(Value::Null);
    let mut s = ContainerSpec::new(
        Platform::Docker,
        format!("container {name} ({id})"),
        at("HostConfig"),
    );
    s.workloads = vec![name.trim_start_matches('/').to_string()];

    s.image = config
        .get("Image")
        .and_then(Value::as_str)
        .map(|i| Val::new(i.to_string(), at("Config.Image")));
    s.privileged = host
        .get("Privileged")
        .and_then(Value::as_bool)
        .map(|b| Val::new(b, at("HostConfig.Privileged")));
    s.read_only_root = host
        .get("ReadonlyRootfs")
        .and_then(Value::as_bool)
        .map(|b| Val::new(b, at("HostConfig.ReadonlyRootfs")));
    s.cap_add = strs(host.get("CapAdd"))
        .iter()
        .map(|c| Val::new(capability_name(c), at("HostConfig.CapAdd")))
        .collect();
    s.cap_drop = strs(host.get("CapDrop"))
        .iter()
        .map(|c| Val::new(capability_name(c), at("HostConfig.CapDrop")))
        .collect();

    // Docker itself labels privileged containers, and those sharing the host's PID or IPC
    // namespace, `label=disable`: CTR001 and CTR008 say more.
    let labelled_by_docker = s.privileged.as_ref().is_some_and(|p| p.value)
        || ["PidMode", "IpcMode"]
            .iter()
            .any(|k| host.get(*k).and_then(Value::as_str) == Some("host"));
    if let Some(sysctls) = host.get("Sysctls").and_then(Value::as_object) {
        for (name, value) in sysctls {
            s.sysctls.push(Val::new(
                format!("{name}={}", value.as_str().unwrap_or_default()),
                at(&format!("HostConfig.Sysctls.{name}")),
            ));
        }
    }
    let mut profile = None;
    for opt in strs(host.get("SecurityOpt")) {
        use crate::inputs::security_opt::{Seccomp, SecurityOpt};
        let at_opt = |k: &str| at(&format!("HostConfig.SecurityOpt:{k}"));
        match crate::inputs::security_opt::parse(&opt) {
            SecurityOpt::Seccomp(Seccomp::Unconfined) => {
                s.seccomp = Some(Val::new(SeccompMode::Unconfined, at_opt("seccomp")))
            }
            SecurityOpt::Seccomp(Seccomp::Inline(json)) => {
                let pfile: Arc<str> = Arc::from(format!("{}/seccomp", location(&name)).as_str());
                if let Ok(doc) = crate::inputs::json::parse(&json) {
                    profile = SeccompProfile::from_doc(&pfile, &doc);
                }
                s.seccomp = Some(Val::new(
                    SeccompMode::Localhost("inline".into()),
                    at_opt("seccomp"),
                ));
            }
            // The API holds profiles inline; a default needs no note.
            SecurityOpt::Seccomp(Seccomp::Default | Seccomp::File(_)) | SecurityOpt::Other => {}
            SecurityOpt::AppArmorUnconfined => s.apparmor_unconfined = Some(at_opt("apparmor")),
            SecurityOpt::SystemPathsUnconfined => {
                s.system_paths_unmasked = Some(at_opt("systempaths"))
            }
            SecurityOpt::Label(value) if !labelled_by_docker => {
                if let Some(words) = crate::inputs::security_opt::label_weakens(&value) {
                    s.selinux_weakened.push(Val::new(words, at_opt("label")));
                }
            }
            SecurityOpt::Label(_) => {}
            SecurityOpt::NoNewPrivileges(on) => {
                s.no_new_privileges = Some(Val::new(on, at_opt("no-new-privileges")))
            }
        }
    }
    // The CLI turns `systempaths=unconfined` into empty lists; the daemon leaves them null when it
    // applies its defaults (and for privileged containers, which CTR001 reports).
    for key in ["MaskedPaths", "ReadonlyPaths"] {
        if s.system_paths_unmasked.is_none()
            && host
                .get(key)
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
        {
            s.system_paths_unmasked = Some(at(&format!("HostConfig.{key}")));
        }
    }
    for (key, ns) in [
        ("NetworkMode", Namespace::Network),
        ("PidMode", Namespace::Pid),
        ("IpcMode", Namespace::Ipc),
        ("UTSMode", Namespace::Uts),
        ("UsernsMode", Namespace::User),
    ] {
        if host.get(key).and_then(Value::as_str) == Some("host") {
            s.host_namespaces
                .push((ns, at(&format!("HostConfig.{key}"))));
        }
    }
    for m in c
        .get("Mounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if m.get("Type").and_then(Value::as_str) != Some("bind") {
            continue;
        }
        let source = m
            .get("Source")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        s.mounts.push(Mount {
            target: m
                .get("Destination")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            read_only: m.get("RW").and_then(Value::as_bool) == Some(false),
            propagation: m
                .get("Propagation")
                .and_then(Value::as_str)
                .filter(|p| !p.is_empty())
                .map(str::to_string),
            loc: at(&format!("Mounts:{source}")),
            source,
        });
    }
    // A container that has not started yet shows its binds only in HostConfig.Binds.
    for bind in strs(host.get("Binds")) {
        let source = bind.split(':').next().unwrap_or("").to_string();
        if !s.mounts.iter().any(|m| m.source == source) {
            s.mounts.extend(Mount::from_bind(
                &bind,
                &at(&format!("HostConfig.Binds:{source}")),
            ));
        }
    }
    if host.pointer("/LogConfig/Type").and_then(Value::as_str) == Some("none") {
        s.logging_disabled = Some(at("HostConfig.LogConfig.Type"));
    }
    if let Some(tmpfs) = host.get("Tmpfs").and_then(Value::as_object) {
        for (target, options) in tmpfs {
            let options = options.as_str().unwrap_or("");
            let text = if options.is_empty() {
                target.clone()
            } else {
                format!("{target}:{options}")
            };
            s.tmpfs
                .push(Val::new(text, at(&format!("HostConfig.Tmpfs.{target}"))));
        }
    }
    if num(host.get("Memory")) > 0 {
        s.memory_limit = Some(at("HostConfig.Memory"));
    }
    let shares = num(host.get("CpuShares"));
    if num(host.get("NanoCpus")) > 0
        || num(host.get("CpuQuota")) > 0
        || (shares > 0 && shares != 1024)
    {
        s.cpu_limit = Some(at("HostConfig.NanoCpus"));
    }
    if num(host.get("PidsLimit")) > 0 {
        s.pids_limit = Some(at("HostConfig.PidsLimit"));
    }
    // Config.User already holds the image's USER when the container does not override it; an
    // empty one means root.
    let user = config
        .get("User")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    s.user = Some(Val::new(
        if user.is_empty() { "root".into() } else { user },
        at("Config.User"),
    ));
    for d in host
        .get("Devices")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(p) = d.get("PathOnHost").and_then(Value::as_str) {
            s.devices
                .push(Val::new(p.to_string(), at("HostConfig.Devices")));
        }
    }
    if let Some(bindings) = host.get("PortBindings").and_then(Value::as_object) {
        for (container_port, list) in bindings {
            for b in list.as_array().into_iter().flatten() {
                let host_port = b
                    .get("HostPort")
                    .and_then(Value::as_str)
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                s.ports.push(Port {
                    host_port,
                    container_port: container_port
                        .split('/')
                        .next()
                        .and_then(|p| p.parse().ok()),
                    host_ip: b.get("HostIp").and_then(Value::as_str).map(str::to_string),
                    loc: at(&format!("HostConfig.PortBindings:{container_port}")),
                });
            }
        }
    }
    if let Some(policy) = host.get("RestartPolicy") {
        let name = policy.get("Name").and_then(Value::as_str).unwrap_or("");
        if !name.is_empty() {
            s.restart = Some(Val::new(
                Restart {
                    policy: name.to_ascii_lowercase(),
                    max_retries: policy.get("MaximumRetryCount").and_then(Value::as_u64),
                },
                at("HostConfig.RestartPolicy"),
            ));
        }
    }
    (s, profile)
}

/// The images of inspected containers, one per distinct image id: (id, the name the container
/// was created from, so the exported image keeps its reference).
pub(crate) fn distinct_images(inspected: &[Value]) -> Vec<(String, String)> {
    let mut images: Vec<(String, String)> = inspected
        .iter()
        .filter_map(|c| {
            let id = c.get("Image").and_then(|i| i.as_str())?;
            let name = c
                .pointer("/Config/Image")
                .and_then(|i| i.as_str())
                .unwrap_or(id);
            Some((id.to_string(), name.to_string()))
        })
        .collect();
    images.sort();
    images.dedup_by(|a, b| a.0 == b.0);
    images
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inspect_maps_to_the_model() {
        let c = json!({
            "Id": "0123456789abcdef", "Name": "/web",
            "Config": {"User": "", "Image": "nginx:1.27"},
            "HostConfig": {"Privileged": true, "CapAdd": ["CAP_SYS_ADMIN"], "SecurityOpt": ["seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}", "no-new-privileges"],
                "PidMode": "host", "Memory": 0, "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "80"}]}},
            "Mounts": [{"Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock", "RW": true, "Propagation": "rprivate"}]
        });
        let (s, profile) = from_inspect(&c);
        assert_eq!(s.name, "container web (0123456789ab)");
        assert_eq!(s.cap_add[0].value, "SYS_ADMIN");
        assert_eq!(s.user.as_ref().map(|u| u.value.as_str()), Some("root"));
        assert_eq!(s.ports[0].host_port, 80);
        assert!(s.no_new_privileges.as_ref().is_some_and(|v| v.value));
        assert!(profile.is_some_and(|p| p.allows_by_default()));
        assert_eq!(s.mounts[0].loc.file.as_ref(), "docker/containers/web");
        assert!(
            s.system_paths_unmasked.is_none(),
            "null lists: the defaults"
        );
    }

    #[test]
    fn empty_masked_paths_are_unmasked_system_paths() {
        let unmasked =
            json!({"Name": "/a", "HostConfig": {"MaskedPaths": [], "ReadonlyPaths": []}});
        let spec = from_inspect(&unmasked).0;
        let at = spec.system_paths_unmasked.map(|l| l.field);
        assert_eq!(at.as_deref(), Some("HostConfig.MaskedPaths"));
        let defaults = json!({"Name": "/b", "HostConfig": {"MaskedPaths": ["/proc/kcore"], "ReadonlyPaths": ["/proc/sys"]}});
        assert!(from_inspect(&defaults).0.system_paths_unmasked.is_none());
    }

    #[test]
    fn log_driver_and_tmpfs_options() {
        let c = json!({"Name": "/c", "HostConfig": {"LogConfig": {"Type": "none", "Config": {}},
            "Tmpfs": {"/run": "exec,size=16m", "/tmp": ""}}});
        let spec = from_inspect(&c).0;
        assert_eq!(
            spec.logging_disabled.map(|l| l.field).as_deref(),
            Some("HostConfig.LogConfig.Type")
        );
        let mut tmpfs: Vec<String> = spec.tmpfs.into_iter().map(|t| t.value).collect();
        tmpfs.sort();
        assert_eq!(tmpfs, ["/run:exec,size=16m", "/tmp"]);
        let json_file = json!({"Name": "/d", "HostConfig": {"LogConfig": {"Type": "json-file"}}});
        assert!(from_inspect(&json_file).0.logging_disabled.is_none());
    }
}
