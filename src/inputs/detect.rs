//! What a configuration file is — by the kind given, by its name, else by its content — and its
//! parse into the matching model.

use super::doc::Node;
use super::load::{Input, Parsed, Skip};
use super::project::{compose_project, kubernetes_specs};
use super::{json, yaml};
use crate::inputs::systemd::exec_start;
use crate::model::recipe::BuildRecipe;
use crate::model::seccomp::SeccompProfile;
use std::path::Path;

/// What a configuration file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    DaemonJson,
    DockerdUnit,
    Seccomp,
    Compose,
    Kubernetes,
    Dockerfile,
    /// containerd's `config.toml`.
    Containerd,
    /// A containerd registry `hosts.toml`.
    RegistryHosts,
    /// CRI-O's `crio.conf` or one of its drop-ins.
    Crio,
    /// A `KubeletConfiguration` (YAML or JSON).
    Kubelet,
    /// containers-registries.conf(5): CRI-O's and Podman's registries.
    RegistriesConf,
    /// containers-policy.json(5): which images are accepted, signed or not.
    SignaturePolicy,
    /// The kubelet's systemd unit or a drop-in (kubeadm's `10-kubeadm.conf`).
    KubeletUnit,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::DaemonJson,
        Kind::DockerdUnit,
        Kind::Seccomp,
        Kind::Compose,
        Kind::Kubernetes,
        Kind::Dockerfile,
        Kind::Containerd,
        Kind::RegistryHosts,
        Kind::Crio,
        Kind::Kubelet,
        Kind::RegistriesConf,
        Kind::SignaturePolicy,
        Kind::KubeletUnit,
    ];

    /// The kind `--kind` names (`daemon-json`, `compose`, …).
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::DaemonJson => "daemon-json",
            Kind::DockerdUnit => "dockerd-unit",
            Kind::Seccomp => "seccomp",
            Kind::Compose => "compose",
            Kind::Kubernetes => "kubernetes",
            Kind::Dockerfile => "dockerfile",
            Kind::Containerd => "containerd-config",
            Kind::RegistryHosts => "hosts-toml",
            Kind::Crio => "crio-config",
            Kind::Kubelet => "kubelet-config",
            Kind::RegistriesConf => "registries-conf",
            Kind::SignaturePolicy => "signature-policy",
            Kind::KubeletUnit => "kubelet-unit",
        }
    }

    /// What the file name alone says.
    pub fn from_name(path: &Path) -> Option<Kind> {
        let name = path.file_name()?.to_str()?;
        let parent = path
            .parent()
            .and_then(Path::file_name)
            .and_then(|p| p.to_str())
            .unwrap_or("");
        let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
        if name == "daemon.json" {
            Some(Kind::DaemonJson)
        } else if name == "docker.service"
            || (parent == "docker.service.d" && name.ends_with(".conf"))
        {
            Some(Kind::DockerdUnit)
        } else if name == "Dockerfile"
            || name == "Containerfile"
            || name.ends_with(".Dockerfile")
            || name.starts_with("Dockerfile.")
        {
            Some(Kind::Dockerfile)
        } else if yaml && (name.starts_with("compose") || name.starts_with("docker-compose")) {
            Some(Kind::Compose)
        } else if name.ends_with(".json") && name.to_ascii_lowercase().contains("seccomp") {
            Some(Kind::Seccomp)
        } else if name == "kubelet.service"
            || (parent == "kubelet.service.d" && name.ends_with(".conf"))
        {
            Some(Kind::KubeletUnit)
        } else if name == "hosts.toml" {
            Some(Kind::RegistryHosts)
        } else if name == "crio.conf" || (parent == "crio.conf.d" && name.ends_with(".conf")) {
            Some(Kind::Crio)
        } else if name == "registries.conf"
            || (parent == "registries.conf.d" && name.ends_with(".conf"))
        {
            Some(Kind::RegistriesConf)
        } else {
            None
        }
    }
}

pub(super) fn looks_templated(text: &str) -> bool {
    text.contains("{{") && text.contains("}}")
}

/// Whether a JSON file that does not parse says, in what can be read of it, that it is a seccomp
/// profile: then it is broken input, not some other JSON file.
fn says_seccomp(text: &str) -> bool {
    text.contains("\"defaultAction\"") || text.contains("\"syscalls\"")
}

/// Whether a YAML file that does not parse says it is a compose file or a Kubernetes manifest.
fn says_compose_or_kubernetes(text: &str) -> bool {
    let starts = |key: &str| text.lines().any(|l| l.starts_with(key));
    starts("services:") || (starts("apiVersion:") && starts("kind:"))
}

/// Decides what a file is (by the given kind, else by content) and parses it.
pub(super) fn classify(
    input: &Input,
    kind: Option<Kind>,
    target: Option<&str>,
) -> std::result::Result<Option<(Kind, Parsed)>, Skip> {
    let name = input
        .path
        .as_deref()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or("");
    let by_extension_json = name.ends_with(".json");
    let by_extension_yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    if input.text.trim().is_empty() {
        // A file whose kind is known and that holds nothing is broken; any other is just empty.
        return match kind {
            Some(Kind::DockerdUnit) => Ok(Some((Kind::DockerdUnit, Parsed::NoCommand))),
            Some(_) => Err(Skip::Error("empty file".into())),
            None => Err(Skip::Empty),
        };
    }
    match kind {
        Some(Kind::DaemonJson) => json::parse(&input.text)
            .map(|d| Some((Kind::DaemonJson, Parsed::Daemon(d))))
            .map_err(Skip::Error),
        Some(Kind::DockerdUnit) => Ok(Some((
            Kind::DockerdUnit,
            match exec_start(&input.text) {
                Some((line, command)) => Parsed::Unit(line, command),
                None => Parsed::NoCommand,
            },
        ))),
        Some(Kind::Seccomp) => {
            let doc = json::parse(&input.text).map_err(Skip::Error)?;
            if let Some(problem) = SeccompProfile::shape_problem(&doc) {
                return Err(Skip::Error(problem));
            }
            SeccompProfile::from_doc(&input.display, &doc)
                .map(|p| Some((Kind::Seccomp, Parsed::Seccomp(p))))
                .ok_or_else(|| {
                    Skip::Error("not a seccomp profile (no defaultAction or syscalls)".into())
                })
        }
        Some(Kind::KubeletUnit) => Ok(Some((Kind::KubeletUnit, kubelet_unit(input)))),
        Some(Kind::SignaturePolicy) => {
            let doc = json::parse(&input.text).map_err(Skip::Error)?;
            Ok(Some((
                Kind::SignaturePolicy,
                Parsed::Runtime(Box::new(runtime_of(Kind::SignaturePolicy, input, &doc))),
            )))
        }
        Some(k @ (Kind::Containerd | Kind::RegistryHosts | Kind::Crio | Kind::RegistriesConf)) => {
            let doc = super::toml::parse(&input.text).map_err(Skip::Error)?;
            Ok(Some((
                k,
                Parsed::Runtime(Box::new(runtime_of(k, input, &doc))),
            )))
        }
        Some(Kind::Kubelet) => {
            let docs = yaml::parse(&input.text).map_err(Skip::Error)?;
            let doc = docs
                .into_iter()
                .next()
                .ok_or_else(|| Skip::Error("empty document".into()))?;
            Ok(Some((Kind::Kubelet, kubelet_of(input, doc))))
        }
        Some(Kind::Compose) => match compose_project(input) {
            Ok(project) => Ok(Some((Kind::Compose, Parsed::Compose(project)))),
            Err(_) if looks_templated(&input.text) => Err(Skip::Template),
            Err(e) => Err(Skip::Error(e)),
        },
        Some(Kind::Kubernetes) => match yaml::parse(&input.text) {
            Ok(docs) => Ok(Some((Kind::Kubernetes, {
                let (specs, cluster) = kubernetes_specs(input, &docs);
                Parsed::Containers(specs, cluster)
            }))),
            Err(_) if looks_templated(&input.text) => Err(Skip::Template),
            Err(e) => Err(Skip::Error(e)),
        },
        Some(Kind::Dockerfile) => {
            let parsed = super::dockerfile::parse(&input.text);
            match BuildRecipe::from_dockerfile(&input.display, &parsed, target) {
                Some(recipe) => Ok(Some((Kind::Dockerfile, Parsed::Recipe(Box::new(recipe))))),
                None if parsed.stages.is_empty() => Err(Skip::Error("no FROM instruction".into())),
                None => Err(Skip::Error(format!(
                    "no stage named `{}`",
                    target.unwrap_or("")
                ))),
            }
        }
        None if by_extension_json => {
            let doc = match json::parse(&input.text) {
                Ok(doc) => doc,
                Err(e) if says_seccomp(&input.text) => {
                    return Err(Skip::Error(format!("seccomp profile: {e}")));
                }
                Err(e) => return Err(Skip::Unparsed(e)),
            };
            if super::kubelet::is_kubelet_configuration(&doc) {
                return Ok(Some((Kind::Kubelet, kubelet_of(input, doc))));
            }
            if super::runtime::looks_like_signature_policy(&doc) {
                let cfg = runtime_of(Kind::SignaturePolicy, input, &doc);
                return Ok(Some((
                    Kind::SignaturePolicy,
                    Parsed::Runtime(Box::new(cfg)),
                )));
            }
            if doc.get("apiVersion").is_some() && doc.get("kind").is_some() {
                // A Kubernetes manifest written as JSON (what `kubectl get -o json` prints).
                return Ok(Some((Kind::Kubernetes, {
                    let (specs, cluster) = kubernetes_specs(input, std::slice::from_ref(&doc));
                    Parsed::Containers(specs, cluster)
                })));
            }
            let Some(profile) = SeccompProfile::from_doc(&input.display, &doc) else {
                return Ok(None);
            };
            match SeccompProfile::shape_problem(&doc) {
                Some(problem) => Err(Skip::Error(problem)),
                None => Ok(Some((Kind::Seccomp, Parsed::Seccomp(profile)))),
            }
        }
        // A systemd unit or drop-in of another name: what its ExecStart runs says what it is.
        None if name.ends_with(".service")
            || (name.ends_with(".conf") && parent_is_unit_dir(input)) =>
        {
            match exec_start(&input.text).map(|(line, command)| {
                let program = command
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_string();
                (line, command, program)
            }) {
                Some((line, command, program)) if program == "dockerd" => {
                    Ok(Some((Kind::DockerdUnit, Parsed::Unit(line, command))))
                }
                Some((_, _, program)) if program == "kubelet" => {
                    Ok(Some((Kind::KubeletUnit, kubelet_unit(input))))
                }
                _ => Ok(None),
            }
        }
        None if name.ends_with(".toml") => {
            let doc = match super::toml::parse(&input.text) {
                Ok(doc) => doc,
                Err(e) if name == "config.toml" && input.text.contains("io.containerd") => {
                    return Err(Skip::Error(e));
                }
                Err(e) => return Err(Skip::Unparsed(e)),
            };
            let kind = if super::runtime::looks_like_containerd(&doc) {
                Kind::Containerd
            } else if super::runtime::looks_like_crio(&doc) {
                Kind::Crio
            } else if super::runtime::looks_like_registries_conf(&doc) {
                Kind::RegistriesConf
            } else {
                return Ok(None);
            };
            Ok(Some((
                kind,
                Parsed::Runtime(Box::new(runtime_of(kind, input, &doc))),
            )))
        }
        None if by_extension_yaml => {
            let docs = match yaml::parse(&input.text) {
                Ok(d) => d,
                Err(_) if looks_templated(&input.text) => return Err(Skip::Template),
                // A manifest or compose file that breaks the parser (an alias bomb, say) must not
                // slip past the linter: an error. Other YAML is skipped, the reason shown.
                Err(e) if says_compose_or_kubernetes(&input.text) => return Err(Skip::Error(e)),
                Err(e) => return Err(Skip::Unparsed(e)),
            };
            if let Some(doc) = docs
                .iter()
                .find(|d| super::kubelet::is_kubelet_configuration(d))
            {
                Ok(Some((Kind::Kubelet, kubelet_of(input, doc.clone()))))
            } else if docs
                .iter()
                .any(|d| d.get("services").is_some_and(Node::is_map))
            {
                compose_project(input)
                    .map(|project| Some((Kind::Compose, Parsed::Compose(project))))
                    .map_err(Skip::Error)
            } else if docs
                .iter()
                .any(|d| d.get("apiVersion").is_some() && d.get("kind").is_some())
            {
                Ok(Some((Kind::Kubernetes, {
                    let (specs, cluster) = kubernetes_specs(input, &docs);
                    Parsed::Containers(specs, cluster)
                })))
            } else {
                Ok(None)
            }
        }
        None => Ok(None),
    }
}

/// Whether a file sits in a systemd drop-in directory (`*.service.d/`).
fn parent_is_unit_dir(input: &Input) -> bool {
    input
        .path
        .as_deref()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(|p| p.to_str())
        .is_some_and(|p| p.ends_with(".service.d"))
}

/// A kubelet unit or drop-in on its own: the flags its `ExecStart=` gives (with the unit's own
/// `Environment=` expanded). With `--config` the file's contents are not known here, so only
/// what the flags decide is judged; without it, the legacy defaults are what the kubelet runs
/// with, and they are judged too.
fn kubelet_unit(input: &Input) -> Parsed {
    let anchor =
        crate::model::Loc::new(&input.display, crate::model::Pos { line: 1, column: 1 }, "");
    let Some((line, command)) = exec_start(&input.text) else {
        return Parsed::NoCommand;
    };
    let mut vars = std::collections::BTreeMap::new();
    crate::inputs::systemd::environment_located(&input.text, &input.display, &mut vars);
    let at = crate::model::Loc::new(
        &input.display,
        crate::model::Pos { line, column: 1 },
        "ExecStart",
    );
    let words = crate::inputs::systemd::expand_words(&command, &vars, &at);
    let flags = super::kubelet::located_flags(&words);
    let has_config = super::kubelet::flag_value(&flags, "config").is_some();
    let layers = super::kubelet::Layers {
        flags,
        config: None,
        drop_ins: Vec::new(),
        anchor: if has_config { anchor } else { at },
        has_config,
    };
    let mut cfg = super::kubelet::effective(&layers);
    if has_config {
        cfg.settings.retain(|s| s.decided_by.starts_with("flag"));
        cfg.complete = false;
    }
    Parsed::Kubelet(Box::new(cfg))
}

/// A `KubeletConfiguration` file on its own: judged as the `--config` file of a kubelet whose
/// command line is not known.
fn kubelet_of(input: &Input, doc: Node) -> Parsed {
    let anchor =
        crate::model::Loc::new(&input.display, crate::model::Pos { line: 1, column: 1 }, "");
    let layers = super::kubelet::Layers {
        flags: Vec::new(),
        config: Some((input.display.clone(), doc)),
        drop_ins: Vec::new(),
        anchor,
        has_config: true,
    };
    Parsed::Kubelet(Box::new(super::kubelet::effective(&layers)))
}

/// A runtime configuration from one file, read as the kind it is.
fn runtime_of(kind: Kind, input: &Input, doc: &Node) -> crate::model::runtime::RuntimeConfig {
    use super::runtime as rt;
    use crate::model::runtime::RuntimeKind;
    match kind {
        Kind::Crio => {
            let mut cfg = rt::new_config(RuntimeKind::Crio, &input.display);
            rt::apply_crio(&mut cfg, &input.display, doc);
            cfg
        }
        Kind::RegistryHosts => {
            let mut cfg = rt::new_config(RuntimeKind::Containerd, &input.display);
            rt::apply_hosts_toml(&mut cfg, &input.display, doc);
            cfg
        }
        Kind::RegistriesConf => {
            let mut cfg = rt::new_config(RuntimeKind::Crio, &input.display);
            rt::apply_registries_conf(&mut cfg, &input.display, doc);
            cfg
        }
        Kind::SignaturePolicy => {
            let mut cfg = rt::new_config(RuntimeKind::Crio, &input.display);
            rt::apply_signature_policy(&mut cfg, &input.display, doc);
            cfg
        }
        _ => {
            let mut cfg = rt::new_config(RuntimeKind::Containerd, &input.display);
            rt::apply_containerd(&mut cfg, &input.display, doc);
            cfg
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name() {
        assert_eq!(
            Kind::from_name(Path::new("etc/docker/daemon.json")),
            Some(Kind::DaemonJson)
        );
        assert_eq!(
            Kind::from_name(Path::new("docker.service.d/override.conf")),
            Some(Kind::DockerdUnit)
        );
        assert_eq!(Kind::from_name(Path::new("other.d/override.conf")), None);
        assert_eq!(
            Kind::from_name(Path::new("app/Dockerfile")),
            Some(Kind::Dockerfile)
        );
        assert_eq!(
            Kind::from_name(Path::new("api.Dockerfile")),
            Some(Kind::Dockerfile)
        );
        assert_eq!(
            Kind::from_name(Path::new("docker-compose.prod.yml")),
            Some(Kind::Compose)
        );
        assert_eq!(Kind::from_name(Path::new("deploy.yaml")), None);
    }
}
