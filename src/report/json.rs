//! The JSON report: a public, versioned contract, described field by field in
//! `docs/json-report.md` and by the JSON Schema `docs/json-report.schema.json`. These types are
//! the contract — built from the engine's report, never serialised from internal structs — and
//! they read back (`stevedore serve` renders SARIF, Harbor reports and admission answers from a
//! stored report). Bump [`SCHEMA_VERSION`] on any incompatible change.

use crate::catalog::Severity;
use crate::engine::{Finding, Report, Target};
use crate::finding::Subject;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonReport {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub target: JsonTarget,
    pub rules_run: Vec<String>,
    pub fail_on: String,
    pub failed: bool,
    pub summary: Summary,
    pub findings: Vec<JsonFinding>,
    /// Suppressions that matched no finding (absent in reports written before they were
    /// counted).
    #[serde(default)]
    pub unmatched_suppressions: Vec<UnmatchedInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnmatchedInfo {
    pub at: String,
    pub how: String,
    pub rule: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// Unsuppressed findings by severity, and the suppressed ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
    pub suppressed: usize,
    #[serde(default)]
    pub unmatched_suppressions: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JsonTarget {
    Image(Box<ImageInfo>),
    Config(ConfigInfo),
    Live(LiveInfo),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageInfo {
    pub input: String,
    pub transport: String,
    pub repository: String,
    pub names: Vec<String>,
    pub manifest_digest: Option<String>,
    pub config_digest: String,
    pub platform: PlatformInfo,
    pub layers: Vec<LayerInfo>,
    pub entries: usize,
    pub shadowed_files: usize,
    pub inventory: InventoryInfo,
    pub config_only: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlatformInfo {
    pub os: String,
    pub architecture: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerInfo {
    pub index: usize,
    pub digest: String,
    pub diff_id: String,
    pub media_type: Option<String>,
    pub compression: String,
    pub size: u64,
    pub uncompressed_size: u64,
    pub history: Option<usize>,
    pub created_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryInfo {
    pub os: Option<OsInfo>,
    pub packages: Option<PackagesInfo>,
    pub tools: Vec<ToolFound>,
    pub class: String,
    pub base_bytes: u64,
    pub as_of: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsInfo {
    pub id: String,
    pub version_id: String,
    pub pretty_name: String,
    pub family: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version_codename: String,
    pub source: String,
    pub layer: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackagesInfo {
    pub manager: String,
    pub count: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub list: Vec<PackageInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageInfo {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed_size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolFound {
    pub category: String,
    pub name: String,
    pub path: String,
    pub layer: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigInfo {
    pub inputs: Vec<String>,
    pub files: Vec<FileInfo>,
    pub skipped: Vec<SkippedInfo>,
    pub errors: Vec<ErrorInfo>,
    /// A node scan: what was found, in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub found: Vec<String>,
    /// Kubernetes workloads: their Pod Security level and the controls they fail.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pod_security: Vec<PodSecurityInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodSecurityInfo {
    pub object: String,
    pub file: String,
    pub line: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `privileged`, `baseline` or `restricted`: the most restrictive level it meets.
    pub level: String,
    /// The version of the standard judged (`v1.34`).
    pub version: String,
    /// The level its namespace enforces, where the scan has the Namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforced: Option<String>,
    pub failures: Vec<PodSecurityFailure>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodSecurityFailure {
    pub control: String,
    /// The level the control belongs to.
    pub level: String,
    pub detail: String,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileInfo {
    pub path: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedInfo {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub path: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveInfo {
    pub endpoint: String,
    pub engine: String,
    pub server_version: String,
    pub api_version: String,
    pub scanned: Vec<String>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonFinding {
    pub rule_id: String,
    pub rule_name: String,
    pub title: String,
    pub severity: Severity,
    pub cis: Vec<String>,
    /// CIS Kubernetes Benchmark v1.12.0 sections, for rules that have them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cis_kubernetes: Vec<String>,
    pub message: String,
    pub location: Subject,
    pub evidence: BTreeMap<String, String>,
    pub fingerprint: String,
    pub suppression: Option<SuppressionInfo>,
    pub image: Option<String>,
    /// Only with `--dockerfile`, so reports without one keep their shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuppressionInfo {
    pub kind: String,
    pub justification: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub path: String,
    pub line: u32,
}

impl JsonTarget {
    /// The SARIF location of findings that carry no file of their own (image findings).
    pub fn default_uri(&self) -> &str {
        match self {
            JsonTarget::Image(i) => &i.repository,
            JsonTarget::Config(_) | JsonTarget::Live(_) => ".",
        }
    }
}

impl JsonFinding {
    pub fn is_active(&self) -> bool {
        self.suppression.is_none()
    }
}

fn text<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn target(t: &Target) -> JsonTarget {
    match t {
        Target::Image(i) => JsonTarget::Image(Box::new(ImageInfo {
            input: i.input.clone(),
            transport: i.transport.name().to_string(),
            repository: i.repository.clone(),
            names: i.names.clone(),
            manifest_digest: i.manifest_digest.clone(),
            config_digest: i.config_digest.clone(),
            platform: PlatformInfo {
                os: i.platform.os.clone(),
                architecture: i.platform.architecture.clone(),
                variant: i.platform.variant.clone(),
            },
            layers: i
                .layers
                .iter()
                .map(|l| LayerInfo {
                    index: l.layer.index,
                    digest: l.layer.digest.to_string(),
                    diff_id: l.layer.diff_id.to_string(),
                    media_type: l.layer.media_type.clone(),
                    compression: text(&l.layer.compression),
                    size: l.layer.size,
                    uncompressed_size: l.layer.uncompressed_size,
                    history: l.layer.history,
                    created_by: l.created_by.clone(),
                })
                .collect(),
            entries: i.entries,
            shadowed_files: i.shadowed_files,
            inventory: InventoryInfo {
                os: i.inventory.os.as_ref().map(|o| OsInfo {
                    id: o.id.clone(),
                    version_id: o.version_id.clone(),
                    pretty_name: o.pretty_name.clone(),
                    family: o.family.clone(),
                    version_codename: o.version_codename.clone(),
                    source: o.source.clone(),
                    layer: o.layer,
                }),
                packages: i.inventory.packages.as_ref().map(|p| PackagesInfo {
                    manager: p.manager.clone(),
                    count: p.count,
                    note: p.note.clone(),
                    list: p
                        .list
                        .iter()
                        .map(|k| PackageInfo {
                            name: k.name.clone(),
                            version: k.version.clone(),
                            installed_size: k.installed_size,
                        })
                        .collect(),
                }),
                tools: i
                    .inventory
                    .tools
                    .iter()
                    .map(|t| ToolFound {
                        category: text(&t.category),
                        name: t.name.clone(),
                        path: t.path.clone(),
                        layer: t.layer,
                    })
                    .collect(),
                class: text(&i.inventory.class),
                base_bytes: i.inventory.base_bytes,
                as_of: i.inventory.as_of.clone(),
            },
            config_only: i.config_only,
        })),
        Target::Config(c) => JsonTarget::Config(ConfigInfo {
            inputs: c.inputs.clone(),
            files: c
                .files
                .iter()
                .map(|f| FileInfo {
                    path: f.path.clone(),
                    kind: f.kind.to_string(),
                })
                .collect(),
            skipped: c
                .skipped
                .iter()
                .map(|s| SkippedInfo {
                    path: s.path.clone(),
                    reason: s.reason.clone(),
                })
                .collect(),
            errors: c
                .errors
                .iter()
                .map(|e| ErrorInfo {
                    path: e.path.clone(),
                    error: e.error.clone(),
                })
                .collect(),
            found: c.found.clone(),
            pod_security: c
                .pod_security
                .iter()
                .map(|p| PodSecurityInfo {
                    object: p.object.clone(),
                    file: p.file.clone(),
                    line: p.line,
                    namespace: p.namespace.clone(),
                    level: p.evaluation.level.name().to_string(),
                    version: p.evaluation.version.clone(),
                    enforced: p.enforced.map(|l| l.name().to_string()),
                    failures: p
                        .evaluation
                        .failures
                        .iter()
                        .map(|f| PodSecurityFailure {
                            control: f.control.to_string(),
                            level: f.level.name().to_string(),
                            detail: f.detail.clone(),
                            line: f.line,
                        })
                        .collect(),
                })
                .collect(),
        }),
        Target::Live(l) => JsonTarget::Live(LiveInfo {
            endpoint: l.endpoint.clone(),
            engine: l.engine.clone(),
            server_version: l.server_version.clone(),
            api_version: l.api_version.clone(),
            scanned: l.scanned.clone(),
            notes: l.notes.clone(),
        }),
    }
}

fn finding(f: &Finding) -> JsonFinding {
    JsonFinding {
        rule_id: f.check.id.to_string(),
        rule_name: f.check.name.to_string(),
        title: f.check.title.to_string(),
        severity: f.severity,
        cis: f.check.cis.iter().map(|s| s.to_string()).collect(),
        cis_kubernetes: f
            .check
            .cis_kubernetes
            .iter()
            .map(|s| s.to_string())
            .collect(),
        message: f.message.clone(),
        location: f.subject.clone(),
        evidence: f
            .evidence
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        fingerprint: f.fingerprint.clone(),
        suppression: f.suppression.as_ref().map(|s| SuppressionInfo {
            kind: s.kind.to_string(),
            justification: s.justification.clone(),
        }),
        image: f.image.clone(),
        source: f.source.as_ref().map(|s| SourceInfo {
            path: s.path.clone(),
            line: s.line,
        }),
    }
}

impl JsonReport {
    pub fn of(report: &Report) -> JsonReport {
        JsonReport {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo {
                name: "stevedore".into(),
                version: crate::VERSION.into(),
            },
            target: target(&report.target),
            rules_run: report.checks.iter().map(|c| c.id.to_string()).collect(),
            fail_on: report.fail_on.to_string(),
            failed: report.failed(),
            summary: Summary {
                critical: report.count(Severity::Critical),
                high: report.count(Severity::High),
                medium: report.count(Severity::Medium),
                low: report.count(Severity::Low),
                info: report.count(Severity::Info),
                suppressed: report.suppressed(),
                unmatched_suppressions: report.unmatched.len(),
            },
            findings: report.findings.iter().map(finding).collect(),
            unmatched_suppressions: report
                .unmatched
                .iter()
                .map(|u| UnmatchedInfo {
                    at: u.at.clone(),
                    how: u.how.clone(),
                    rule: u.rule.clone(),
                })
                .collect(),
        }
    }

    /// A stored report read back; an error names what is wrong with it.
    pub fn parse(text: &str) -> Result<JsonReport, String> {
        serde_json::from_str(text).map_err(|e| format!("not a stevedore JSON report: {e}"))
    }

    /// The document, keys sorted at every level (the stable order the contract promises).
    /// A stored image report, produced under the neutral policy, as `policy` would have written
    /// it: rules it does not run dropped, its severities and suppressions applied, the summary
    /// counted again.
    pub fn judged_by(mut self, policy: &crate::engine::Policy) -> JsonReport {
        self.findings = std::mem::take(&mut self.findings)
            .into_iter()
            .filter_map(|mut f| {
                let (severity, suppression) =
                    policy.judge_stored(&f.rule_id, f.severity, &f.location)?;
                f.severity = severity;
                if f.suppression.is_none() {
                    f.suppression = suppression.map(|s| SuppressionInfo {
                        kind: s.kind.to_string(),
                        justification: s.justification,
                    });
                }
                Some(f)
            })
            .collect();
        let count = |s: Severity| {
            self.findings
                .iter()
                .filter(|f| f.is_active() && f.severity == s)
                .count()
        };
        self.summary = Summary {
            critical: count(Severity::Critical),
            high: count(Severity::High),
            medium: count(Severity::Medium),
            low: count(Severity::Low),
            info: count(Severity::Info),
            suppressed: self.findings.iter().filter(|f| !f.is_active()).count(),
            unmatched_suppressions: self.summary.unmatched_suppressions,
        };
        self.rules_run.retain(|id| policy.runs(id));
        self
    }

    pub fn render(&self) -> String {
        let value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        let mut out = serde_json::to_string_pretty(&value).unwrap_or_default();
        out.push('\n');
        out
    }
}

pub fn render(report: &Report) -> String {
    JsonReport::of(report).render()
}

/// The same document on one line (for a stream of reports, one per line).
pub fn render_line(report: &Report) -> String {
    let value = serde_json::to_value(JsonReport::of(report)).unwrap_or(serde_json::Value::Null);
    serde_json::to_string(&value).unwrap_or_default()
}
