//! SARIF 2.1.0 for GitHub code scanning. Rules come from the catalog; every result has a relative
//! `uri` and `region.startLine`. With no Dockerfile known, image findings point at the image's
//! repository path (line 1) and name the in-image path or config field as a logical location.
//! Rendered from the JSON contract ([`JsonReport`]), so a report stored by `stevedore serve`
//! becomes the same SARIF as the CLI's.

use super::json::{JsonFinding, JsonReport, JsonTarget};
use super::{RenderOptions, help_uri};
use crate::catalog::Severity;
use crate::catalog::{Check, Subject};
use crate::engine::Report;
use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Location, LogicalLocation, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif, Suppression, Tool,
    ToolComponent,
};
use std::collections::BTreeMap;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const FINGERPRINT_KEY: &str = "stevedore/v1";

pub fn render(report: &Report, options: &RenderOptions) -> String {
    render_json(&JsonReport::of(report), options)
}

/// The rules a report ran, from the catalog (ids this build does not know are left out).
fn checks_of(report: &JsonReport) -> Vec<&'static Check> {
    report
        .rules_run
        .iter()
        .filter_map(|id| crate::checks::CATALOG.iter().copied().find(|c| c.id == id))
        .collect()
}

pub fn render_json(report: &JsonReport, options: &RenderOptions) -> String {
    let checks = checks_of(report);
    let rules: Vec<ReportingDescriptor> = checks.iter().map(|c| rule(c)).collect();
    let results: Vec<SarifResult> = report
        .findings
        .iter()
        .map(|f| result(report, &checks, f, options.relative_to.as_deref()))
        .collect();
    let driver = ToolComponent::builder()
        .name("stevedore")
        .version(crate::VERSION)
        .semantic_version(crate::VERSION)
        .information_uri(super::RULES_DOC_URL)
        .rules(rules)
        .build();
    let mut properties = BTreeMap::new();
    properties.insert(
        "target".to_string(),
        serde_json::to_value(&report.target).unwrap_or(Value::Null),
    );
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .properties(
            PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        );
    let run = match &options.sarif_category {
        Some(id) => run
            .automation_details(RunAutomationDetails::builder().id(id.clone()).build())
            .build(),
        None => run.build(),
    };
    let sarif = Sarif::builder()
        .version(json!("2.1.0"))
        .schema(SCHEMA)
        .runs(vec![run])
        .build();
    let mut out = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    out.push('\n');
    out
}

fn rule(check: &Check) -> ReportingDescriptor {
    let mut tags = vec![
        "security".to_string(),
        "containers".to_string(),
        check.family().to_string(),
    ];
    tags.extend(check.cis.iter().map(|s| format!("CIS-Docker-{s}")));
    tags.extend(
        check
            .cis_kubernetes
            .iter()
            .map(|s| format!("CIS-Kubernetes-{s}")),
    );
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        json!(check.severity.security_severity()),
    );
    props.insert("precision".to_string(), json!("high"));
    props.insert(
        "problem.severity".to_string(),
        json!(check.severity.sarif_level()),
    );
    ReportingDescriptor::builder()
        .id(check.id)
        .name(check.name)
        .short_description(
            MultiformatMessageString::builder()
                .text(check.title)
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(check.rationale)
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(format!(
                    "{}\n\nRemediation: {}",
                    check.rationale, check.remediation
                ))
                .markdown(super::rules::explain_markdown(check))
                .build(),
        )
        .help_uri(help_uri(check))
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(check.severity.sarif_level()))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(props)
                .build(),
        )
        .build()
}

fn logical_location(target: &JsonTarget, subject: &Subject) -> LogicalLocation {
    let repo = target.default_uri();
    let (name, qualified, kind) = match subject {
        Subject::ImageConfig { field, key } => {
            let name = key
                .as_ref()
                .map_or_else(|| field.clone(), |k| format!("{field}.{k}"));
            (name.clone(), format!("{repo}:{name}"), "property")
        }
        Subject::ImageFile {
            path,
            layer,
            deleted_in,
        } => (
            path.clone(),
            match deleted_in {
                Some(d) => format!("{repo}:layer{layer}:{path} (deleted in layer {d})"),
                None => format!("{repo}:layer{layer}:{path}"),
            },
            "resource",
        ),
        Subject::ImageHistory { index, .. } => (
            format!("history[{index}]"),
            format!("{repo}:history[{index}]"),
            "declaration",
        ),
        Subject::File { path, field, .. } => (field.clone(), format!("{path}:{field}"), "member"),
    };
    LogicalLocation::builder()
        .name(name)
        .fully_qualified_name(qualified)
        .kind(kind)
        .build()
}

/// A file path as SARIF wants it: relative paths as given (with `/`); absolute ones below `base`
/// (the working directory: `docker run -v "$PWD:/src" … config /src`) relative to it, the rest as
/// `file://` URIs.
fn uri_of(path: &str, base: Option<&std::path::Path>) -> String {
    let path = path.trim_start_matches("./");
    let below_base = base.and_then(|b| std::path::Path::new(path).strip_prefix(b).ok());
    if let Some(relative) = below_base.filter(|r| !r.as_os_str().is_empty()) {
        return percent_escape(&relative.to_string_lossy());
    }
    if path.starts_with('/') {
        format!("file://{}", percent_escape(path))
    } else {
        percent_escape(path)
    }
}

fn percent_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn result(
    report: &JsonReport,
    checks: &[&Check],
    f: &JsonFinding,
    base: Option<&std::path::Path>,
) -> SarifResult {
    let (uri, region) = match (&f.source, &f.location) {
        (Some(source), _) => (
            uri_of(&source.path, base),
            Region::builder().start_line(i64::from(source.line)).build(),
        ),
        (
            None,
            Subject::File {
                path, line, column, ..
            },
        ) => (
            uri_of(path, base),
            Region::builder()
                .start_line(i64::from(*line))
                .start_column(i64::from(*column))
                .build(),
        ),
        (None, _) => (
            f.image
                .clone()
                .unwrap_or_else(|| report.target.default_uri().to_string()),
            Region::builder().start_line(1).build(),
        ),
    };
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(uri).build())
                .region(region)
                .build(),
        )
        .logical_locations(vec![logical_location(&report.target, &f.location)])
        .build();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
    let mut props = BTreeMap::new();
    props.insert("severity".to_string(), json!(f.severity.name()));
    if let Some(layer) = f.location.layer() {
        props.insert("layer".to_string(), json!(layer));
    }
    for (k, v) in &f.evidence {
        props.insert(format!("evidence.{k}"), json!(v));
    }
    let builder = SarifResult::builder()
        .rule_id(f.rule_id.clone())
        .rule_index(checks.iter().position(|c| c.id == f.rule_id).unwrap_or(0) as i64)
        .level(level(f.severity))
        .message(Message::builder().text(f.message.clone()).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(props).build());
    match &f.suppression {
        Some(s) => builder
            .suppressions(vec![
                Suppression::builder()
                    .kind(json!(s.kind))
                    .justification(s.justification.clone())
                    .status(json!("accepted"))
                    .build(),
            ])
            .build(),
        None => builder.build(),
    }
}

fn level(s: Severity) -> ResultLevel {
    match s.sarif_level() {
        "error" => ResultLevel::Error,
        "warning" => ResultLevel::Warning,
        _ => ResultLevel::Note,
    }
}

#[cfg(test)]
mod tests {
    use super::uri_of;
    use std::path::Path;

    #[test]
    fn uris_are_relative_to_the_working_directory_when_below_it() {
        let base = Some(Path::new("/src"));
        assert_eq!(
            uri_of("/src/deploy/compose.yaml", base),
            "deploy/compose.yaml"
        );
        assert_eq!(uri_of("./compose.yaml", base), "compose.yaml");
        assert_eq!(uri_of("/srcs/x.yaml", base), "file:///srcs/x.yaml");
        assert_eq!(
            uri_of("/etc/docker/daemon.json", base),
            "file:///etc/docker/daemon.json"
        );
        assert_eq!(
            uri_of("/etc/docker/daemon.json", None),
            "file:///etc/docker/daemon.json"
        );
        assert_eq!(uri_of("a b.yaml", None), "a%20b.yaml");
    }
}
