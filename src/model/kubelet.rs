//! A kubelet's effective configuration: for each setting the benchmark judges, its value and what
//! decided it (a flag, a `--config-dir` drop-in, the `--config` file, or a default), with where.

use super::Loc;

#[derive(Debug, Clone, PartialEq)]
pub enum KubeletValue {
    Bool(bool),
    Int(i64),
    Text(String),
    List(Vec<String>),
}

impl KubeletValue {
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            KubeletValue::Bool(b) => Some(*b),
            KubeletValue::Text(t) => t.parse().ok(),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            KubeletValue::Int(i) => Some(*i),
            KubeletValue::Text(t) => t.parse().ok(),
            _ => None,
        }
    }
    pub fn text(&self) -> String {
        match self {
            KubeletValue::Bool(b) => b.to_string(),
            KubeletValue::Int(i) => i.to_string(),
            KubeletValue::Text(t) => t.clone(),
            KubeletValue::List(l) => l.join(","),
        }
    }
}

/// One effective setting, named by its `KubeletConfiguration` path
/// (`authentication.anonymous.enabled`).
#[derive(Debug, Clone, PartialEq)]
pub struct KubeletSetting {
    pub key: &'static str,
    pub value: KubeletValue,
    /// What decided it, in words: `flag --anonymous-auth`, `drop-in`, `config file`, `default`.
    pub decided_by: String,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct KubeletConfig {
    /// Where a finding about the kubelet as a whole points (its config file or unit).
    pub loc: Loc,
    /// Whether a `--config` file is in force: without one the kubelet keeps its legacy, insecure
    /// flag defaults (anonymous auth on, `AlwaysAllow`, read-only port 10255).
    pub config_file: Option<String>,
    pub settings: Vec<KubeletSetting>,
    /// The container runtime on the node and the seccomp profile it would apply as
    /// `RuntimeDefault`, in words (`containerd (its built-in default profile)`); unknown for a
    /// file alone.
    pub runtime_default: Option<String>,
    /// False when only the command line is known (a unit file linted alone, whose `--config`
    /// file is elsewhere): a setting that is absent then is unknown, not unset.
    pub complete: bool,
}

impl KubeletConfig {
    pub fn get(&self, key: &str) -> Option<&KubeletSetting> {
        self.settings.iter().find(|s| s.key == key)
    }
}
