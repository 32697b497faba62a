//! `.stevedore.yaml`: the project's policy. Found from the working directory upwards, or given
//! with `--config`. Precedence everywhere: command line > this file > the catalog's default.
//!
//! ```yaml
//! fail-on: high
//! ignore:
//!   - IMG002                                   # a rule id, name or family
//!   - rule: FS001
//!     reason: reviewed setuid binaries only
//! severity:
//!   IMG001: high
//! accept:                   # per rule: in-image paths (globs, start with /) or env/label names
//!   FS001:
//!     - /usr/bin/passwd
//!     - path: /usr/lib/openssh/ssh-keysign
//!       reason: needed for host-based auth
//!   IMG005:
//!     - key: SENTRY_DSN
//!       reason: public by design
//! namespaces:               # Kubernetes: rules ignored for every object of a namespace
//!   kube-system:
//!     ignore: [CTR005, CTR008]
//! exceptions:               # one rule, for named namespaces and/or workloads, with a reason
//!   - rule: CTR001
//!     namespace: monitoring          # exact name or a glob (`team-*`)
//!     workload: node-exporter        # the object, its owner, or a Deployment behind a pod
//!     reason: reads host metrics
//!     expires: 2027-06-30            # inclusive; after it the finding is back (and said so)
//! kubernetes:               # what a manifest cannot say about its cluster
//!   provider: aws                    # aws, gke, azure, ibm, openstack, oci, alibaba, tencent, baidu
//!   aws-load-balancer-controller: true   # its webhook sets loadBalancerClass at admission
//!   ingress-namespaces: [ingress-nginx]  # where the public ingress controller runs
//! ```
//!
//! Exceptions and namespace sections are the operator's: `stevedore serve --config` applies them
//! to admission, where suppressions written inside the reviewed object are not trusted.

use crate::error::{Error, Result};
use crate::finding::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAMES: [&str; 2] = crate::inputs::files::PROJECT_CONFIG_NAMES;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProjectConfig {
    #[serde(default)]
    pub fail_on: Option<String>,
    #[serde(default)]
    pub ignore: Vec<IgnoreItem>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    #[serde(default)]
    pub accept: BTreeMap<String, Vec<AcceptItem>>,
    /// Packages above which a base with a shell and a package manager is `full` (OS001).
    #[serde(default)]
    pub minimal_max_packages: Option<usize>,
    /// The date end-of-life data is judged against (OS002), `YYYY-MM-DD`; default today.
    #[serde(default)]
    pub as_of: Option<String>,
    /// Kubernetes namespaces whose objects skip rules.
    #[serde(default)]
    pub namespaces: BTreeMap<String, NamespaceConfig>,
    /// Rules excepted for named namespaces or workloads, with a reason and an expiry.
    #[serde(default)]
    pub exceptions: Vec<Exception>,
    /// What manifests cannot say about the cluster they run in.
    #[serde(default)]
    pub kubernetes: KubernetesConfig,
    /// Where it was read from, for messages.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// `kubernetes:`: the cloud, the load-balancer controller, the ingress controller's namespaces.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct KubernetesConfig {
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub aws_load_balancer_controller: bool,
    #[serde(default)]
    pub ingress_namespaces: Vec<String>,
}

/// `namespaces: {NAME: {ignore: [...]}}`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamespaceConfig {
    #[serde(default)]
    pub ignore: Vec<IgnoreItem>,
}

/// One operator exception: a rule that does not apply to the named namespace and/or workload.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    pub rule: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub workload: Option<String>,
    pub reason: String,
    /// `YYYY-MM-DD`, inclusive.
    #[serde(default)]
    pub expires: Option<String>,
}

impl Exception {
    /// `namespace monitoring, workload node-exporter`, for messages.
    pub fn scope(&self) -> String {
        let mut parts = Vec::new();
        if let Some(ns) = &self.namespace {
            parts.push(format!("namespace {ns}"));
        }
        if let Some(w) = &self.workload {
            parts.push(format!("workload {w}"));
        }
        parts.join(", ")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum IgnoreItem {
    Rule(String),
    Detailed {
        rule: String,
        #[serde(default)]
        reason: Option<String>,
    },
}

impl IgnoreItem {
    pub fn rule(&self) -> &str {
        match self {
            IgnoreItem::Rule(r) | IgnoreItem::Detailed { rule: r, .. } => r,
        }
    }
    pub fn reason(&self) -> Option<&str> {
        match self {
            IgnoreItem::Rule(_) => None,
            IgnoreItem::Detailed { reason, .. } => reason.as_deref(),
        }
    }
}

/// One accepted thing for a rule: an in-image path (glob) or an env/label name. A plain string
/// starting with `/` is a path, any other plain string a name.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum AcceptItem {
    Plain(String),
    Detailed {
        #[serde(default)]
        path: Option<String>,
        #[serde(default)]
        key: Option<String>,
        #[serde(default)]
        reason: Option<String>,
    },
}

impl AcceptItem {
    /// The path glob, if this item accepts a path.
    pub fn path(&self) -> Option<&str> {
        match self {
            AcceptItem::Plain(p) if p.starts_with('/') => Some(p),
            AcceptItem::Detailed { path, .. } => path.as_deref(),
            AcceptItem::Plain(_) => None,
        }
    }
    /// The env or label name, if this item accepts one.
    pub fn key(&self) -> Option<&str> {
        match self {
            AcceptItem::Plain(k) if !k.starts_with('/') => Some(k),
            AcceptItem::Detailed { key, .. } => key.as_deref(),
            AcceptItem::Plain(_) => None,
        }
    }
    pub fn reason(&self) -> Option<&str> {
        match self {
            AcceptItem::Plain(_) => None,
            AcceptItem::Detailed { reason, .. } => reason.as_deref(),
        }
    }
}

impl ProjectConfig {
    pub fn parse(text: &str, path: &Path) -> Result<ProjectConfig> {
        if text.trim().is_empty() {
            return Ok(ProjectConfig {
                path: Some(path.to_path_buf()),
                ..Default::default()
            });
        }
        let what = path.display().to_string();
        let docs = crate::inputs::yaml::parse(text).map_err(|e| Error::input(&what, e))?;
        let Some(doc) = docs.first() else {
            return Ok(ProjectConfig {
                path: Some(path.to_path_buf()),
                ..Default::default()
            });
        };
        if !doc.is_map() {
            return Err(Error::input(
                &what,
                format!("line {}: expected a mapping of settings", doc.pos.line),
            ));
        }
        let mut cfg: ProjectConfig = serde_json::from_value(doc.to_json()).map_err(|e| {
            // Name the line of the offending key where serde names one.
            let key_line = doc
                .as_map()
                .iter()
                .find(|(k, _)| e.to_string().contains(&format!("`{}`", k.name)))
                .map(|(k, _)| format!("line {}: ", k.pos.line))
                .unwrap_or_default();
            Error::input(&what, format!("{key_line}{e}"))
        })?;
        cfg.path = Some(path.to_path_buf());
        Ok(cfg)
    }

    pub fn load(path: &Path) -> Result<ProjectConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text, path)
    }

    /// `--config FILE`, else the nearest `.stevedore.yaml` from `start` upwards, else defaults.
    pub fn discover(explicit: Option<&Path>, start: &Path) -> Result<ProjectConfig> {
        if let Some(p) = explicit {
            return Self::load(p);
        }
        let mut dir = Some(start);
        while let Some(d) = dir {
            for name in FILE_NAMES {
                let candidate = d.join(name);
                if candidate.is_file() {
                    return Self::load(&candidate);
                }
            }
            dir = d.parent();
        }
        Ok(ProjectConfig::default())
    }

    pub fn fail_on(&self) -> Result<Option<FailOn>> {
        self.fail_on
            .as_deref()
            .map(|s| {
                s.parse()
                    .map_err(|e: String| self.error(format!("fail-on: {e}")))
            })
            .transpose()
    }

    pub fn severity_overrides(&self) -> Result<Vec<(String, Severity)>> {
        self.severity
            .iter()
            .map(|(rule, sev)| {
                sev.parse()
                    .map(|s| (rule.clone(), s))
                    .map_err(|e: String| self.error(format!("severity.{rule}: {e}")))
            })
            .collect()
    }

    pub fn error(&self, problem: String) -> Error {
        let what = self
            .path
            .as_ref()
            .map_or(".stevedore.yaml".to_string(), |p| p.display().to_string());
        Error::input(what, problem)
    }
}

/// `--fail-on`: a severity, or `none` to never fail on findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Severity(Severity),
    Never,
}

impl std::str::FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s.trim().eq_ignore_ascii_case("none") {
            return Ok(FailOn::Never);
        }
        s.parse::<Severity>().map(FailOn::Severity).map_err(|_| {
            format!("`{s}` is not a fail-on level (critical, high, medium, low, info, none)")
        })
    }
}

impl std::fmt::Display for FailOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailOn::Severity(s) => write!(f, "{s}"),
            FailOn::Never => f.write_str("none"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_section() {
        let cfg = ProjectConfig::parse(
            "fail-on: high\nignore:\n  - IMG002\n  - rule: FS001\n    reason: reviewed\nseverity:\n  IMG001: critical\naccept:\n  FS001:\n    - /usr/bin/su\n    - path: /usr/bin/passwd\n      reason: ok\n",
            Path::new(".stevedore.yaml"),
        )
        .unwrap();
        assert_eq!(
            cfg.fail_on().unwrap(),
            Some(FailOn::Severity(Severity::High))
        );
        assert_eq!(cfg.ignore.len(), 2);
        assert_eq!(cfg.ignore[1].reason(), Some("reviewed"));
        assert_eq!(
            cfg.severity_overrides().unwrap(),
            vec![("IMG001".to_string(), Severity::Critical)]
        );
        assert_eq!(cfg.accept["FS001"][1].path(), Some("/usr/bin/passwd"));
        assert_eq!(cfg.accept["FS001"][0].path(), Some("/usr/bin/su"));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let err = ProjectConfig::parse("fail_on: high\n", Path::new("x.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.yaml: "), "{err}");
        let cfg = ProjectConfig::parse("fail-on: loud\n", Path::new("x.yaml")).unwrap();
        assert!(cfg.fail_on().is_err());
        assert!(ProjectConfig::parse("ignore: [\n", Path::new("x.yaml")).is_err());
    }

    #[test]
    fn discovery_walks_up() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".stevedore.yaml"), "fail-on: low\n").unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        let cfg = ProjectConfig::discover(None, &nested).unwrap();
        assert_eq!(
            cfg.fail_on().unwrap(),
            Some(FailOn::Severity(Severity::Low))
        );
    }
}
