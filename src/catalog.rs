//! The vocabulary of the check catalog: what a check declares about itself, what it reads, and
//! what it emits. The checks themselves live in `checks/`, one file each.

use crate::image::Image;
use crate::image::wants::Want;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Severity, ordered from least to most severe. One table maps it to every output; see
/// DESIGN.md "Severity, one table for every output".
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

/// How a check reads the models. A check that understands several models lists several runs.
#[derive(Clone, Copy)]
pub enum Run {
    Image(fn(&Image, &mut Sink)),
}

/// One entry of the catalog. The metadata is the documentation: `stevedore rules`, SARIF
/// `rules[]` and the README table are generated from it.
pub struct Check {
    /// Stable id, never reused: `IMG001`.
    pub id: &'static str,
    /// Kebab-case name of the bad pattern: `root-user`.
    pub name: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// CIS Docker Benchmark v1.6.0 sections.
    pub cis: &'static [&'static str],
    /// Markdown.
    pub rationale: &'static str,
    /// Markdown.
    pub remediation: &'static str,
    pub references: &'static [&'static str],
    pub runs: &'static [Run],
    /// File contents the check needs from the image pass.
    pub wants: &'static [Want],
}

impl Check {
    /// The id's letters: `IMG`, `FS`, `OS`, `DMN`, `SCP`, `CTR`.
    pub fn family(&self) -> &'static str {
        let end = self
            .id
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(self.id.len());
        &self.id[..end]
    }
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.id, self.name)
    }
}

/// What a finding is about. This is the finding's identity across rebuilds: it holds paths and
/// field names, never digests or times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// A field of the image configuration, e.g. `config.User`.
    ImageConfig { field: String },
    /// A file in the image, with the layer that wrote it.
    ImageFile { path: String, layer: usize },
    /// A history entry (a build step) and the layer it created, if any.
    ImageHistory { index: usize, layer: Option<usize> },
}

impl Subject {
    /// The stable part used for fingerprints and for matching accepted paths.
    pub fn key(&self) -> String {
        match self {
            Subject::ImageConfig { field } => field.clone(),
            Subject::ImageFile { path, .. } => path.clone(),
            Subject::ImageHistory { index, .. } => format!("history[{index}]"),
        }
    }

    /// The in-image path, where the subject is a file.
    pub fn path(&self) -> Option<&str> {
        match self {
            Subject::ImageFile { path, .. } => Some(path),
            _ => None,
        }
    }

    pub fn layer(&self) -> Option<usize> {
        match self {
            Subject::ImageFile { layer, .. } => Some(*layer),
            Subject::ImageHistory { layer, .. } => *layer,
            Subject::ImageConfig { .. } => None,
        }
    }
}

/// What a check emits: no severity decisions, no formatting beyond the message.
#[derive(Debug, Clone)]
pub struct RawFinding {
    pub message: String,
    pub subject: Subject,
    /// Facts behind the finding, e.g. `("mode", "4755")`. Rendered by reporters.
    pub evidence: Vec<(&'static str, String)>,
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
        self.findings.push(RawFinding {
            message: message.into(),
            subject,
            evidence,
        });
    }

    pub fn into_findings(self) -> Vec<RawFinding> {
        self.findings
    }
}
