//! What checks emit, below the catalog: a severity, the subject a finding is about (its identity
//! across rebuilds), a raw finding and the sink that collects them. No policy, no formatting.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Severity, ordered from least to most severe. The methods below are the one table that maps it
/// to every output (text and JSON names, SARIF level and `security-severity`, Harbor's scale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// SARIF `level`.
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "note",
        }
    }

    /// GitHub's `security-severity` property: a string holding a number in 0.1..10.0.
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Critical => "9.5",
            Severity::High => "8.0",
            Severity::Medium => "5.5",
            Severity::Low => "3.0",
            Severity::Info => "1.0",
        }
    }

    /// Harbor's scanner API severity scale.
    pub fn harbor(self) -> &'static str {
        match self {
            Severity::Critical => "Critical",
            Severity::High => "High",
            Severity::Medium => "Medium",
            Severity::Low => "Low",
            Severity::Info => "Negligible",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(format!(
                "`{s}` is not a severity (critical, high, medium, low, info)"
            )),
        }
    }
}

/// What a finding is about. This is the finding's identity across rebuilds: it holds paths,
/// field names and build steps, never digests or times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// A field of the image configuration, e.g. `config.User`; `key` names one entry of a map or
    /// list field (`config.Env` → `AWS_SECRET_ACCESS_KEY`, `config.Labels` → a label).
    ImageConfig {
        field: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
    /// A file in the image and the layer that wrote it. `deleted_in` is set for a shadowed file:
    /// the later layer that deleted or replaced it (it still ships).
    ImageFile {
        path: String,
        layer: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        deleted_in: Option<usize>,
    },
    /// A history entry (a build step), the layer it created if any, and its command.
    ImageHistory {
        index: usize,
        layer: Option<usize>,
        step: String,
    },
    /// A setting in a text file (daemon.json, a seccomp profile, a compose file, a manifest, a
    /// Dockerfile): the file as given, 1-based line and column, and the setting's path.
    File {
        path: String,
        line: u32,
        column: u32,
        field: String,
    },
}

impl Subject {
    pub fn config(field: &str) -> Subject {
        Subject::ImageConfig {
            field: field.to_string(),
            key: None,
        }
    }

    pub fn config_key(field: &str, key: &str) -> Subject {
        Subject::ImageConfig {
            field: field.to_string(),
            key: Some(key.to_string()),
        }
    }

    /// The stable part used for fingerprints.
    pub fn key(&self) -> String {
        match self {
            Subject::ImageConfig { field, key: None } => field.clone(),
            Subject::ImageConfig {
                field,
                key: Some(k),
            } => format!("{field}:{k}"),
            Subject::ImageFile {
                path,
                deleted_in: None,
                ..
            } => path.clone(),
            Subject::ImageFile {
                path,
                deleted_in: Some(_),
                ..
            } => format!("{path} (deleted)"),
            Subject::ImageHistory { step, .. } => format!(
                "step:{}",
                step.split_whitespace().collect::<Vec<_>>().join(" ")
            ),
            // Lines move when a file is edited; the file and the setting do not.
            Subject::File { path, field, .. } => format!("{path}#{field}"),
        }
    }

    /// The in-image path, where the subject is a file.
    pub fn path(&self) -> Option<&str> {
        match self {
            Subject::ImageFile { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The env or label name, where the subject is one.
    pub fn config_key_name(&self) -> Option<&str> {
        match self {
            Subject::ImageConfig { key: Some(k), .. } => Some(k),
            _ => None,
        }
    }

    pub fn layer(&self) -> Option<usize> {
        match self {
            Subject::ImageFile { layer, .. } => Some(*layer),
            Subject::ImageHistory { layer, .. } => *layer,
            Subject::ImageConfig { .. } | Subject::File { .. } => None,
        }
    }
}

/// What a check emits: no policy, no formatting beyond the message.
#[derive(Debug, Clone)]
pub struct RawFinding {
    pub message: String,
    pub subject: Subject,
    /// Facts behind the finding, e.g. `("mode", "4755")`. Rendered by reporters.
    pub evidence: Vec<(&'static str, String)>,
    /// Where the facts make one finding worse or milder than the rule's default (an `ADD` of a
    /// URL, `CAP_SYS_ADMIN`). Configuration still overrides it.
    pub severity: Option<Severity>,
}

/// Collects a check's findings.
#[derive(Default)]
pub struct Sink {
    findings: Vec<RawFinding>,
}

impl Sink {
    pub fn report(
        &mut self,
        message: impl Into<String>,
        subject: Subject,
        evidence: Vec<(&'static str, String)>,
    ) {
        self.push(None, message.into(), subject, evidence);
    }

    /// Reports a finding whose facts set its severity (see [`RawFinding::severity`]).
    pub fn report_at(
        &mut self,
        severity: Severity,
        message: impl Into<String>,
        subject: Subject,
        evidence: Vec<(&'static str, String)>,
    ) {
        self.push(Some(severity), message.into(), subject, evidence);
    }

    fn push(
        &mut self,
        severity: Option<Severity>,
        message: String,
        subject: Subject,
        evidence: Vec<(&'static str, String)>,
    ) {
        self.findings.push(RawFinding {
            message,
            subject,
            evidence,
            severity,
        });
    }

    pub fn into_findings(self) -> Vec<RawFinding> {
        self.findings
    }
}
