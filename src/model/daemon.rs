//! The Docker daemon's configuration, from `daemon.json` and dockerd's command-line flags
//! (a systemd unit's `ExecStart=`, or `--dockerd-args`). Settings keep where they were written;
//! both sources stay visible so a setting given twice can be reported (dockerd refuses to start).

use super::Loc;
use super::Pos;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    Bool(bool),
    Str(String),
    List(Vec<String>),
    /// Objects (`log-opts`, `default-ulimits`) flattened to key → text.
    Map(Vec<(String, String)>),
    Other,
}

#[derive(Debug, Clone)]
pub struct Setting {
    /// The daemon.json key (flags are mapped to it): `hosts`, `icc`, `userns-remap`.
    pub key: String,
    pub value: SettingValue,
    pub loc: Loc,
    /// The flag as written (`-H`, `--icc=false`) when it came from the command line.
    pub flag: Option<String>,
    /// The JSON type it was written with, for a daemon.json setting (dockerd refuses a file whose
    /// value has the wrong type: `"live-restore": "yes"`).
    pub written: Option<JsonType>,
}

/// A JSON value's type, as far as dockerd's decoder cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    Boolean,
    String,
    Number,
    /// An array; whether every element is a string.
    Array {
        strings_only: bool,
    },
    /// An object; whether every value is a string.
    Object {
        string_values: bool,
    },
    Null,
}

impl JsonType {
    pub fn name(self) -> &'static str {
        match self {
            JsonType::Boolean => "true or false",
            JsonType::String => "a string",
            JsonType::Number => "a number",
            JsonType::Array { strings_only: true } => "a list of strings",
            JsonType::Array { .. } => "a list",
            JsonType::Object {
                string_values: true,
            } => "an object of strings",
            JsonType::Object { .. } => "an object",
            JsonType::Null => "null",
        }
    }

    /// Whether dockerd decodes a value of this type into a field that wants `want`.
    pub fn fits(self, want: JsonType) -> bool {
        match (want, self) {
            (JsonType::Array { strings_only: true }, JsonType::Array { strings_only }) => {
                strings_only
            }
            (JsonType::Array { .. }, JsonType::Array { .. }) => true,
            (
                JsonType::Object {
                    string_values: true,
                },
                JsonType::Object { string_values },
            ) => string_values,
            (JsonType::Object { .. }, JsonType::Object { .. }) => true,
            // dockerd's decoder leaves a field at its default on null.
            (_, JsonType::Null) => true,
            (want, have) => want == have,
        }
    }
}

/// The JSON type dockerd's configuration struct gives a daemon.json key, for the keys where a
/// wrong one is a common mistake; `None` where it is not listed.
pub fn daemon_json_type(key: &str) -> Option<JsonType> {
    const BOOLEAN: &[&str] = &[
        "debug",
        "experimental",
        "icc",
        "init",
        "ip-forward",
        "ip-masq",
        "ip6tables",
        "iptables",
        "ipv6",
        "live-restore",
        "no-new-privileges",
        "raw-logs",
        "rootless",
        "selinux-enabled",
        "tls",
        "tlsverify",
        "userland-proxy",
    ];
    const NUMBER: &[&str] = &[
        "cpu-rt-period",
        "cpu-rt-runtime",
        "max-concurrent-downloads",
        "max-concurrent-uploads",
        "max-download-attempts",
        "mtu",
        "network-control-plane-mtu",
        "oom-score-adjust",
        "shutdown-timeout",
    ];
    const STRINGS: &[&str] = &[
        "allow-nondistributable-artifacts",
        "authorization-plugins",
        "cdi-spec-dirs",
        "dns",
        "dns-opts",
        "dns-search",
        "exec-opts",
        "host-gateway-ips",
        "hosts",
        "insecure-registries",
        "labels",
        "node-generic-resources",
        "registry-mirrors",
        "storage-opts",
    ];
    const STRING_MAPS: &[&str] = &["log-opts", "cluster-store-opts"];
    const OBJECTS: &[&str] = &[
        "builder",
        "default-network-opts",
        "default-ulimits",
        "features",
        "proxies",
        "runtimes",
    ];
    const STRING: &[&str] = &[
        "api-cors-header",
        "bip",
        "bridge",
        "cgroup-parent",
        "containerd",
        "containerd-namespace",
        "containerd-plugin-namespace",
        "data-root",
        "default-cgroupns-mode",
        "default-gateway",
        "default-gateway-v6",
        "default-ipc-mode",
        "default-runtime",
        "default-shm-size",
        "exec-root",
        "fixed-cidr",
        "fixed-cidr-v6",
        "group",
        "init-path",
        "ip",
        "log-driver",
        "log-format",
        "log-level",
        "metrics-addr",
        "pidfile",
        "seccomp-profile",
        "storage-driver",
        "tlscacert",
        "tlscert",
        "tlskey",
        "userland-proxy-path",
        "userns-remap",
    ];
    if BOOLEAN.contains(&key) {
        Some(JsonType::Boolean)
    } else if NUMBER.contains(&key) {
        Some(JsonType::Number)
    } else if STRINGS.contains(&key) {
        Some(JsonType::Array { strings_only: true })
    } else if STRING_MAPS.contains(&key) {
        Some(JsonType::Object {
            string_values: true,
        })
    } else if OBJECTS.contains(&key) {
        Some(JsonType::Object {
            string_values: false,
        })
    } else if key == "default-address-pools" {
        Some(JsonType::Array {
            strings_only: false,
        })
    } else if STRING.contains(&key) {
        Some(JsonType::String)
    } else {
        None
    }
}

#[derive(Debug, Clone)]
pub struct DaemonConfig {
    /// The files this view was built from.
    pub sources: Vec<Arc<str>>,
    /// Where findings about settings that are not there point (daemon.json's top, the unit's
    /// `ExecStart=` line).
    pub root: Loc,
    pub file_settings: Vec<Setting>,
    pub flag_settings: Vec<Setting>,
    /// Flags dockerd does not know, with where they were written.
    pub unknown_flags: Vec<(String, Loc)>,
    /// What a running daemon reports through its API (`/info`): the truth where it speaks.
    pub api_settings: Vec<Setting>,
    /// Settings the source cannot show (a live daemon's API hides some); rules stay silent on
    /// them instead of guessing.
    pub not_visible: Vec<String>,
}

impl DaemonConfig {
    pub fn empty(root: Loc) -> DaemonConfig {
        DaemonConfig {
            sources: vec![Arc::clone(&root.file)],
            root,
            file_settings: Vec::new(),
            flag_settings: Vec::new(),
            unknown_flags: Vec::new(),
            api_settings: Vec::new(),
            not_visible: Vec::new(),
        }
    }

    /// Adds dockerd command-line flags (already split into words).
    pub fn add_flags(&mut self, file: &Arc<str>, pos: Pos, words: &[String]) {
        if !self.sources.contains(file) {
            self.sources.push(Arc::clone(file));
        }
        let mut i = 0;
        while i < words.len() {
            let word = &words[i];
            i += 1;
            if !word.starts_with('-') || word == "-" {
                continue; // the program itself, or a stray argument
            }
            let (name, inline) = match word.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (word.clone(), None),
            };
            let Some(&(_, key, kind)) = FLAGS
                .iter()
                .find(|(f, _, _)| f.split('|').any(|alias| alias == name))
            else {
                self.unknown_flags.push((
                    name.clone(),
                    Loc::new(file, pos, name.trim_start_matches('-').to_string()),
                ));
                continue;
            };
            let value = match (kind, inline) {
                (Kind::Bool, Some(v)) => SettingValue::Bool(v != "false" && v != "0"),
                (Kind::Bool, None) => SettingValue::Bool(true),
                (_, Some(v)) => text_value(kind, v),
                (_, None) => match words.get(i) {
                    Some(v) => {
                        i += 1;
                        text_value(kind, v.clone())
                    }
                    None => SettingValue::Other,
                },
            };
            let loc = Loc::new(file, pos, key.to_string());
            // Repeated list flags (`-H a -H b`) accumulate into one setting.
            if let (SettingValue::List(new), Some(existing)) =
                (&value, self.flag_settings.iter_mut().find(|s| s.key == key))
            {
                if let SettingValue::List(items) = &mut existing.value {
                    items.extend(new.iter().cloned());
                    continue;
                }
            }
            self.flag_settings.push(Setting {
                key: key.to_string(),
                value,
                loc,
                flag: Some(word.clone()),
                written: None,
            });
        }
    }

    /// The effective setting: what the running daemon reports, else a flag, else daemon.json (a
    /// flag and the file together is refused by dockerd anyway).
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.api_settings
            .iter()
            .find(|s| s.key == key)
            .or_else(|| self.flag_settings.iter().find(|s| s.key == key))
            .or_else(|| self.file_settings.iter().rev().find(|s| s.key == key))
    }

    /// Whether this view can tell `key` at all (a live daemon's API does not show everything).
    pub fn knows(&self, key: &str) -> bool {
        !self.not_visible.iter().any(|k| k == key)
            || self
                .flag_settings
                .iter()
                .chain(self.file_settings.iter())
                .any(|s| s.key == key)
    }

    pub fn bool(&self, key: &str) -> Option<(bool, &Loc)> {
        let s = self.get(key)?;
        match &s.value {
            SettingValue::Bool(b) => Some((*b, &s.loc)),
            SettingValue::Str(t) => Some((t == "true", &s.loc)),
            _ => None,
        }
    }

    /// A boolean setting as the daemon runs it: its value where set, else `default`, located at
    /// the setting or at the top of the configuration. `None` when the source cannot show it
    /// (a live daemon's API does not report every setting).
    pub fn effective_bool(&self, key: &str, default: bool) -> Option<EffectiveBool> {
        if !self.knows(key) {
            return None;
        }
        Some(match self.bool(key) {
            Some((on, loc)) => EffectiveBool {
                on,
                explicit: true,
                loc: loc.clone(),
            },
            None => EffectiveBool {
                on: default,
                explicit: false,
                loc: self.loc_of(key),
            },
        })
    }

    pub fn str(&self, key: &str) -> Option<(&str, &Loc)> {
        let s = self.get(key)?;
        match &s.value {
            SettingValue::Str(t) => Some((t.as_str(), &s.loc)),
            _ => None,
        }
    }

    /// Every value of a list setting from both places (flags first), each with its location:
    /// what the operator asked for, even where dockerd would refuse the conflict.
    pub fn list(&self, key: &str) -> Vec<(String, &Loc)> {
        let mut out = Vec::new();
        for s in self
            .api_settings
            .iter()
            .chain(self.flag_settings.iter())
            .chain(self.file_settings.iter())
            .filter(|s| s.key == key)
        {
            match &s.value {
                SettingValue::List(items) => out.extend(items.iter().map(|i| (i.clone(), &s.loc))),
                SettingValue::Str(v) => out.push((v.clone(), &s.loc)),
                _ => {}
            }
        }
        out
    }

    pub fn map(&self, key: &str) -> Vec<(String, String)> {
        match self.get(key) {
            Some(Setting {
                value: SettingValue::Map(items),
                ..
            }) => items.clone(),
            Some(Setting {
                value: SettingValue::List(items),
                ..
            }) => items
                .iter()
                .map(|i| {
                    i.split_once('=')
                        .map_or((i.clone(), String::new()), |(k, v)| {
                            (k.to_string(), v.to_string())
                        })
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Where a finding about `key` points: the setting if present, else the config's top.
    pub fn loc_of(&self, key: &str) -> Loc {
        self.get(key)
            .map_or_else(|| self.root.with_field(key), |s| s.loc.clone())
    }
}

/// See [`DaemonConfig::effective_bool`].
pub struct EffectiveBool {
    pub on: bool,
    /// Set in the configuration, rather than left to dockerd's default.
    pub explicit: bool,
    pub loc: Loc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Str,
    List,
    /// `name=value` pairs given one per flag.
    Pairs,
}

fn text_value(kind: Kind, v: String) -> SettingValue {
    match kind {
        Kind::List | Kind::Pairs => SettingValue::List(vec![v]),
        _ => SettingValue::Str(v),
    }
}

/// dockerd flags (aliases separated by `|`) → daemon.json key and value kind. Flags that have no
/// daemon.json key map to their own name.
const FLAGS: &[(&str, &str, Kind)] = &[
    ("-H|--host", "hosts", Kind::List),
    ("--tls", "tls", Kind::Bool),
    ("--tlsverify", "tlsverify", Kind::Bool),
    ("--tlscacert", "tlscacert", Kind::Str),
    ("--tlscert", "tlscert", Kind::Str),
    ("--tlskey", "tlskey", Kind::Str),
    ("--icc", "icc", Kind::Bool),
    ("--iptables", "iptables", Kind::Bool),
    ("--ip6tables", "ip6tables", Kind::Bool),
    ("--ip-forward", "ip-forward", Kind::Bool),
    ("--ip-masq", "ip-masq", Kind::Bool),
    ("--userns-remap", "userns-remap", Kind::Str),
    ("--live-restore", "live-restore", Kind::Bool),
    ("--userland-proxy", "userland-proxy", Kind::Bool),
    ("--userland-proxy-path", "userland-proxy-path", Kind::Str),
    ("--no-new-privileges", "no-new-privileges", Kind::Bool),
    ("--seccomp-profile", "seccomp-profile", Kind::Str),
    ("--insecure-registry", "insecure-registries", Kind::List),
    ("--registry-mirror", "registry-mirrors", Kind::List),
    ("-s|--storage-driver", "storage-driver", Kind::Str),
    ("--storage-opt", "storage-opts", Kind::List),
    (
        "--authorization-plugin",
        "authorization-plugins",
        Kind::List,
    ),
    ("--default-ulimit", "default-ulimits", Kind::Pairs),
    ("--experimental", "experimental", Kind::Bool),
    ("-l|--log-level", "log-level", Kind::Str),
    ("--log-driver", "log-driver", Kind::Str),
    ("--log-opt", "log-opts", Kind::Pairs),
    ("--cgroup-parent", "cgroup-parent", Kind::Str),
    ("--selinux-enabled", "selinux-enabled", Kind::Bool),
    ("-D|--debug", "debug", Kind::Bool),
    ("-G|--group", "group", Kind::Str),
    ("--data-root|-g|--graph", "data-root", Kind::Str),
    ("--exec-root", "exec-root", Kind::Str),
    ("-p|--pidfile", "pidfile", Kind::Str),
    ("-b|--bridge", "bridge", Kind::Str),
    ("--bip", "bip", Kind::Str),
    ("--containerd", "containerd", Kind::Str),
    ("--containerd-namespace", "containerd-namespace", Kind::Str),
    (
        "--containerd-plugins-namespace",
        "containerd-plugin-namespace",
        Kind::Str,
    ),
    ("--default-runtime", "default-runtime", Kind::Str),
    ("--add-runtime", "runtimes", Kind::Pairs),
    ("--exec-opt", "exec-opts", Kind::List),
    ("--dns", "dns", Kind::List),
    ("--dns-opt", "dns-opts", Kind::List),
    ("--dns-search", "dns-search", Kind::List),
    ("--label", "labels", Kind::List),
    ("--mtu", "mtu", Kind::Str),
    ("--ipv6", "ipv6", Kind::Bool),
    ("--fixed-cidr", "fixed-cidr", Kind::Str),
    ("--fixed-cidr-v6", "fixed-cidr-v6", Kind::Str),
    ("--default-gateway", "default-gateway", Kind::Str),
    ("--default-gateway-v6", "default-gateway-v6", Kind::Str),
    ("--ip", "ip", Kind::Str),
    ("--init", "init", Kind::Bool),
    ("--init-path", "init-path", Kind::Str),
    ("--default-shm-size", "default-shm-size", Kind::Str),
    ("--default-ipc-mode", "default-ipc-mode", Kind::Str),
    (
        "--default-cgroupns-mode",
        "default-cgroupns-mode",
        Kind::Str,
    ),
    (
        "--default-address-pool",
        "default-address-pools",
        Kind::List,
    ),
    (
        "--max-concurrent-downloads",
        "max-concurrent-downloads",
        Kind::Str,
    ),
    (
        "--max-concurrent-uploads",
        "max-concurrent-uploads",
        Kind::Str,
    ),
    (
        "--max-download-attempts",
        "max-download-attempts",
        Kind::Str,
    ),
    ("--shutdown-timeout", "shutdown-timeout", Kind::Str),
    ("--oom-score-adjust", "oom-score-adjust", Kind::Str),
    ("--metrics-addr", "metrics-addr", Kind::Str),
    ("--raw-logs", "raw-logs", Kind::Bool),
    ("--log-format", "log-format", Kind::Str),
    ("--api-cors-header", "api-cors-header", Kind::Str),
    (
        "--allow-nondistributable-artifacts",
        "allow-nondistributable-artifacts",
        Kind::List,
    ),
    (
        "--node-generic-resource",
        "node-generic-resources",
        Kind::List,
    ),
    (
        "--swarm-default-advertise-addr",
        "swarm-default-advertise-addr",
        Kind::Str,
    ),
    (
        "--network-control-plane-mtu",
        "network-control-plane-mtu",
        Kind::Str,
    ),
    ("--host-gateway-ip", "host-gateway-ips", Kind::List),
    ("--cdi-spec-dir", "cdi-spec-dirs", Kind::List),
    ("--cpu-rt-period", "cpu-rt-period", Kind::Str),
    ("--cpu-rt-runtime", "cpu-rt-runtime", Kind::Str),
    ("--http-proxy", "http-proxy", Kind::Str),
    ("--https-proxy", "https-proxy", Kind::Str),
    ("--no-proxy", "no-proxy", Kind::Str),
    ("--rootless", "rootless", Kind::Bool),
    ("--firewall-backend", "firewall-backend", Kind::Str),
    ("--feature", "features", Kind::Pairs),
    ("--config-file", "config-file", Kind::Str),
    ("--validate", "validate", Kind::Bool),
    ("--cluster-store", "cluster-store", Kind::Str),
    ("--cluster-advertise", "cluster-advertise", Kind::Str),
    ("--cluster-store-opt", "cluster-store-opts", Kind::Pairs),
];

/// Keys daemon.json accepts (dockerd 20.10 to current).
pub const KNOWN_KEYS: &[&str] = &[
    "allow-direct-routing",
    "allow-nondistributable-artifacts",
    "api-cors-header",
    "authorization-plugins",
    "bip",
    "bip6",
    "bridge",
    "bridge-accept-fwmark",
    "builder",
    "cdi-spec-dirs",
    "cgroup-parent",
    "cluster-advertise",
    "cluster-store",
    "cluster-store-opts",
    "containerd",
    "containerd-namespace",
    "containerd-plugin-namespace",
    "cpu-rt-period",
    "cpu-rt-runtime",
    "data-root",
    "debug",
    "default-address-pools",
    "default-cgroupns-mode",
    "default-gateway",
    "default-gateway-v6",
    "default-ipc-mode",
    "default-network-opts",
    "default-runtime",
    "default-shm-size",
    "default-ulimits",
    "dns",
    "dns-opts",
    "dns-search",
    "exec-opts",
    "exec-root",
    "experimental",
    "features",
    "firewall-backend",
    "fixed-cidr",
    "fixed-cidr-v6",
    "group",
    "host-gateway-ip",
    "host-gateway-ips",
    "hosts",
    "http-proxy",
    "https-proxy",
    "icc",
    "init",
    "init-path",
    "insecure-registries",
    "ip",
    "ip-forward",
    "ip-forward-no-drop",
    "ip-masq",
    "ip6tables",
    "iptables",
    "ipv6",
    "labels",
    "live-restore",
    "log-driver",
    "log-format",
    "log-level",
    "log-opts",
    "max-concurrent-downloads",
    "max-concurrent-uploads",
    "max-download-attempts",
    "metrics-addr",
    "min-api-version",
    "mtu",
    "network-control-plane-mtu",
    "no-new-privileges",
    "no-proxy",
    "node-generic-resources",
    "oom-score-adjust",
    "pidfile",
    "proxies",
    "raw-logs",
    "registry-mirrors",
    "rootless",
    "runtimes",
    "seccomp-profile",
    "selinux-enabled",
    "shutdown-timeout",
    "storage-driver",
    "storage-opts",
    "swarm-default-advertise-addr",
    "tls",
    "tlscacert",
    "tlscert",
    "tlskey",
    "tlsverify",
    "userland-proxy",
    "userland-proxy-path",
    "userns-remap",
];
