//! The kubelet's effective configuration, computed as the kubelet computes it: its defaults, then
//! the `--config` file, then the `--config-dir` drop-ins (`*.conf`, sorted), then command-line
//! flags (feature gates given as flags go under the file). A kubelet started without `--config`
//! keeps its legacy flag defaults, which are the insecure ones.

use super::doc::Node;
use crate::model::Loc;
use crate::model::kubelet::{KubeletConfig, KubeletSetting, KubeletValue};
use std::sync::Arc;

#[derive(Clone, Copy)]
enum Type {
    Bool,
    Int,
    Text,
    List,
}

/// A setting the benchmark judges: its `KubeletConfiguration` path, its flag, its type, its
/// default with a config file, and its legacy default without one.
struct Known {
    key: &'static str,
    flag: &'static str,
    ty: Type,
    config_default: Option<&'static str>,
    legacy_default: Option<&'static str>,
}

const KNOWN: [Known; 16] = [
    Known {
        key: "authentication.anonymous.enabled",
        flag: "anonymous-auth",
        ty: Type::Bool,
        config_default: Some("false"),
        legacy_default: Some("true"),
    },
    Known {
        key: "authentication.webhook.enabled",
        flag: "authentication-token-webhook",
        ty: Type::Bool,
        config_default: Some("true"),
        legacy_default: Some("false"),
    },
    Known {
        key: "authorization.mode",
        flag: "authorization-mode",
        ty: Type::Text,
        config_default: Some("Webhook"),
        legacy_default: Some("AlwaysAllow"),
    },
    Known {
        key: "authentication.x509.clientCAFile",
        flag: "client-ca-file",
        ty: Type::Text,
        config_default: None,
        legacy_default: None,
    },
    Known {
        key: "readOnlyPort",
        flag: "read-only-port",
        ty: Type::Int,
        config_default: Some("0"),
        legacy_default: Some("10255"),
    },
    Known {
        key: "streamingConnectionIdleTimeout",
        flag: "streaming-connection-idle-timeout",
        ty: Type::Text,
        config_default: Some("4h0m0s"),
        legacy_default: Some("4h0m0s"),
    },
    Known {
        key: "makeIPTablesUtilChains",
        flag: "make-iptables-util-chains",
        ty: Type::Bool,
        config_default: Some("true"),
        legacy_default: Some("true"),
    },
    Known {
        key: "rotateCertificates",
        flag: "rotate-certificates",
        ty: Type::Bool,
        config_default: Some("false"),
        legacy_default: Some("false"),
    },
    Known {
        key: "serverTLSBootstrap",
        flag: "rotate-server-certificates",
        ty: Type::Bool,
        config_default: Some("false"),
        legacy_default: Some("false"),
    },
    Known {
        key: "tlsCertFile",
        flag: "tls-cert-file",
        ty: Type::Text,
        config_default: None,
        legacy_default: None,
    },
    Known {
        key: "tlsPrivateKeyFile",
        flag: "tls-private-key-file",
        ty: Type::Text,
        config_default: None,
        legacy_default: None,
    },
    Known {
        key: "tlsCipherSuites",
        flag: "tls-cipher-suites",
        ty: Type::List,
        config_default: None,
        legacy_default: None,
    },
    Known {
        key: "podPidsLimit",
        flag: "pod-max-pids",
        ty: Type::Int,
        config_default: Some("-1"),
        legacy_default: Some("-1"),
    },
    Known {
        key: "seccompDefault",
        flag: "seccomp-default",
        ty: Type::Bool,
        config_default: Some("false"),
        legacy_default: Some("false"),
    },
    Known {
        key: "featureGates.RotateKubeletServerCertificate",
        flag: "",
        ty: Type::Bool,
        config_default: None,
        legacy_default: None,
    },
    Known {
        key: "hostnameOverride",
        flag: "hostname-override",
        ty: Type::Text,
        config_default: None,
        legacy_default: None,
    },
];

/// Boolean flags, which never take the next word as their value.
const BOOL_FLAGS: [&str; 7] = [
    "anonymous-auth",
    "authentication-token-webhook",
    "make-iptables-util-chains",
    "rotate-certificates",
    "rotate-server-certificates",
    "seccomp-default",
    "fail-swap-on",
];

/// One `--name[=value]` of a command line, with where it was written.
#[derive(Debug, Clone)]
pub struct Flag {
    pub name: String,
    pub value: String,
    pub loc: Loc,
    /// The variable it came through, in words (` ($KUBELET_EXTRA_ARGS in /etc/default/kubelet:1)`),
    /// or nothing when written on the command line itself.
    pub via: String,
}

/// The flags of a kubelet command line (program excluded), all written at `loc`.
pub fn flags(argv: &[String], loc: &Loc) -> Vec<Flag> {
    let words: Vec<(String, Loc)> = argv.iter().map(|w| (w.clone(), loc.clone())).collect();
    located_flags(&words)
}

/// The flags of a command line whose words each say where they were written.
pub fn located_flags(argv: &[(String, Loc)]) -> Vec<Flag> {
    let mut out = Vec::new();
    let mut words = argv.iter().skip(1).peekable();
    while let Some((w, loc)) = words.next() {
        let Some(flag) = w.strip_prefix("--").or_else(|| w.strip_prefix('-')) else {
            continue;
        };
        let (name, value) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None if BOOL_FLAGS.contains(&flag) => (flag.to_string(), "true".to_string()),
            None => match words.peek() {
                Some((next, _)) if !next.starts_with('-') => {
                    let v = next.to_string();
                    words.next();
                    (flag.to_string(), v)
                }
                _ => (flag.to_string(), "true".to_string()),
            },
        };
        let via = if loc.field == "ExecStart" || loc.field.is_empty() {
            String::new()
        } else {
            format!(" (${} in {}:{})", loc.field, loc.file, loc.pos.line)
        };
        out.push(Flag {
            name,
            value,
            loc: loc.with_field(format!("--{flag}")),
            via,
        });
    }
    out
}

/// The value of a flag given on the command line (the last one wins).
pub fn flag_value<'a>(flags: &'a [Flag], name: &str) -> Option<&'a Flag> {
    flags.iter().rev().find(|f| f.name == name)
}

fn typed(ty: Type, text: &str) -> KubeletValue {
    match ty {
        Type::Bool => text
            .parse()
            .map(KubeletValue::Bool)
            .unwrap_or_else(|_| KubeletValue::Text(text.to_string())),
        Type::Int => text
            .parse()
            .map(KubeletValue::Int)
            .unwrap_or_else(|_| KubeletValue::Text(text.to_string())),
        Type::Text => KubeletValue::Text(text.to_string()),
        Type::List => KubeletValue::List(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        ),
    }
}

fn from_node(ty: Type, node: &Node) -> Option<KubeletValue> {
    Some(match ty {
        Type::List => KubeletValue::List(
            node.as_seq()
                .iter()
                .filter_map(|n| n.scalar_text())
                .collect(),
        ),
        Type::Bool => node
            .as_bool()
            .map(KubeletValue::Bool)
            .unwrap_or_else(|| KubeletValue::Text(node.scalar_text().unwrap_or_default())),
        Type::Int => node
            .as_i64()
            .map(KubeletValue::Int)
            .unwrap_or_else(|| KubeletValue::Text(node.scalar_text().unwrap_or_default())),
        Type::Text => KubeletValue::Text(node.scalar_text()?),
    })
}

/// Whether a document is a `KubeletConfiguration`.
pub fn is_kubelet_configuration(doc: &Node) -> bool {
    doc.get("kind").and_then(Node::as_str) == Some("KubeletConfiguration")
}

/// What the kubelet was given: its command line (empty when unknown), the `--config` file and
/// the `--config-dir` drop-ins, each parsed, and where a default is attributed.
pub struct Layers {
    pub flags: Vec<Flag>,
    pub config: Option<(Arc<str>, Node)>,
    pub drop_ins: Vec<(Arc<str>, Node)>,
    /// The unit line or file a default is attributed to.
    pub anchor: Loc,
    /// Whether `--config` was given (a file that is only linted, without its command line, counts
    /// as given).
    pub has_config: bool,
}

pub fn effective(layers: &Layers) -> KubeletConfig {
    let mut settings = Vec::new();
    for k in &KNOWN {
        let mut found: Option<KubeletSetting> = None;
        let default = if layers.has_config {
            k.config_default
                .map(|d| (d, "the default of a kubelet given --config"))
        } else {
            k.legacy_default.map(|d| {
                (
                    d,
                    "the legacy default of a kubelet started without --config",
                )
            })
        };
        if let Some((d, why)) = default {
            let loc = match &layers.config {
                Some((file, _)) => Loc::new(file, crate::model::Pos { line: 1, column: 1 }, k.key),
                None => layers.anchor.with_field(k.key),
            };
            found = Some(KubeletSetting {
                key: k.key,
                value: typed(k.ty, d),
                decided_by: why.to_string(),
                loc,
            });
        }
        // Feature gates given as flags rank below the files.
        if let Some(gate) = k.key.strip_prefix("featureGates.") {
            if let Some(f) = flag_value(&layers.flags, "feature-gates") {
                if let Some(v) = f
                    .value
                    .split(',')
                    .find_map(|g| g.trim().strip_prefix(&format!("{gate}=")))
                {
                    found = Some(KubeletSetting {
                        key: k.key,
                        value: typed(k.ty, v),
                        decided_by: "flag --feature-gates".into(),
                        loc: f.loc.clone(),
                    });
                }
            }
        }
        let path: Vec<&str> = k.key.split('.').collect();
        for (file, doc, what) in layers
            .config
            .iter()
            .map(|(f, d)| (f, d, "config file"))
            .chain(
                layers
                    .drop_ins
                    .iter()
                    .map(|(f, d)| (f, d, "--config-dir drop-in")),
            )
        {
            if let Some(node) = doc.at(&path) {
                if let Some(value) = from_node(k.ty, node) {
                    found = Some(KubeletSetting {
                        key: k.key,
                        value,
                        decided_by: format!("{what} {file}"),
                        loc: Loc::new(file, node.pos, k.key),
                    });
                }
            }
        }
        if !k.flag.is_empty() {
            if let Some(f) = flag_value(&layers.flags, k.flag) {
                found = Some(KubeletSetting {
                    key: k.key,
                    value: typed(k.ty, &f.value),
                    decided_by: format!("flag --{}{}", k.flag, f.via),
                    loc: f.loc.clone(),
                });
            }
        }
        settings.extend(found);
    }
    KubeletConfig {
        loc: match &layers.config {
            Some((file, _)) => Loc::new(file, crate::model::Pos { line: 1, column: 1 }, ""),
            None => layers.anchor.clone(),
        },
        config_file: layers.config.as_ref().map(|(f, _)| f.to_string()),
        settings,
        runtime_default: None,
        complete: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(file: &str, line: u32) -> Loc {
        let f: Arc<str> = Arc::from(file);
        Loc::new(&f, crate::model::Pos { line, column: 1 }, "")
    }

    fn yaml(file: &str, text: &str) -> (Arc<str>, Node) {
        (
            Arc::from(file),
            super::super::yaml::parse(text).unwrap().remove(0),
        )
    }

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn each_level_of_precedence() {
        let unit = loc("10-kubeadm.conf", 7);
        let config = yaml(
            "config.yaml",
            "kind: KubeletConfiguration\nreadOnlyPort: 10255\nseccompDefault: false\nauthentication:\n  anonymous:\n    enabled: true\n",
        );
        let drop_in = yaml(
            "50-hardening.conf",
            "seccompDefault: true\nreadOnlyPort: 0\n",
        );
        let layers = Layers {
            flags: flags(
                &words(
                    "/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --read-only-port 10250 --anonymous-auth=false",
                ),
                &unit,
            ),
            config: Some(config),
            drop_ins: vec![drop_in],
            anchor: unit.clone(),
            has_config: true,
        };
        let cfg = effective(&layers);
        let at = |key: &str| {
            let s = cfg.get(key).unwrap();
            (s.value.text(), s.decided_by.clone(), s.loc.pos.line)
        };
        // A flag beats the drop-in and the file.
        assert_eq!(
            at("readOnlyPort"),
            ("10250".into(), "flag --read-only-port".into(), 7)
        );
        assert_eq!(at("authentication.anonymous.enabled").0, "false");
        // The drop-in beats the file.
        assert_eq!(
            at("seccompDefault"),
            (
                "true".into(),
                "--config-dir drop-in 50-hardening.conf".into(),
                1
            )
        );
        // Unset everywhere: the config-file default.
        assert_eq!(at("authorization.mode").0, "Webhook");
    }

    #[test]
    fn without_config_the_legacy_defaults_apply() {
        let unit = loc("kubelet.service", 3);
        let cfg = effective(&Layers {
            flags: flags(
                &words("kubelet --kubeconfig /etc/kubernetes/kubelet.conf"),
                &unit,
            ),
            config: None,
            drop_ins: Vec::new(),
            anchor: unit,
            has_config: false,
        });
        let get = |k: &str| cfg.get(k).unwrap().value.text();
        assert_eq!(get("authentication.anonymous.enabled"), "true");
        assert_eq!(get("authorization.mode"), "AlwaysAllow");
        assert_eq!(get("readOnlyPort"), "10255");
        assert!(
            cfg.get("authorization.mode")
                .unwrap()
                .decided_by
                .contains("without --config")
        );
    }

    #[test]
    fn feature_gate_flags_rank_below_the_file() {
        let unit = loc("u", 1);
        let cfg = effective(&Layers {
            flags: flags(
                &words("kubelet --feature-gates=RotateKubeletServerCertificate=false"),
                &unit,
            ),
            config: Some(yaml(
                "c.yaml",
                "featureGates:\n  RotateKubeletServerCertificate: true\n",
            )),
            drop_ins: Vec::new(),
            anchor: unit,
            has_config: true,
        });
        assert_eq!(
            cfg.get("featureGates.RotateKubeletServerCertificate")
                .unwrap()
                .value,
            KubeletValue::Bool(true)
        );
    }
}
