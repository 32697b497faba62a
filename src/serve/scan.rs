//! One image from its registry to a stored result: open → streaming pass → checks → JSON report.

use super::store::Stored;
use crate::engine::{ImageTarget, Policy, Report, Target};
use crate::error::Result;
use crate::source::registry::RegistryOptions;

/// Scans `reference` (`registry/repository@digest`) under `registry` (whose deadline bounds the
/// whole scan, body streaming included).
pub fn scan_image(
    reference: &str,
    registry: &RegistryOptions,
    policy: &Policy,
    config_only: bool,
) -> Result<Stored> {
    let options = crate::source::OpenOptions {
        platform: None,
        limits: crate::limits::Limits::default(),
        docker_host: None,
        timeout: registry.timeout,
        registry: registry.clone(),
    };
    let input = format!("docker://{reference}");
    let resolved = crate::source::open(&input, &options)?;
    let tick = |_: u64| {};
    let scan_options = crate::image::ScanOptions {
        limits: crate::limits::Limits::default(),
        wants: policy.wants(),
        input: input.clone(),
        progress: &tick,
        threads: 1,
        minimal_max_packages: policy.minimal_max_packages(),
        as_of: policy.as_of(None)?,
        inventory: !config_only,
        config_only,
    };
    let image = crate::image::scan(resolved, &scan_options)?;
    let findings = policy.check_image(&image);
    let report = Report {
        target: Target::Image(Box::new(ImageTarget::of(&image))),
        checks: policy
            .checks()
            .iter()
            .copied()
            .filter(|c| c.reads_images())
            .collect(),
        findings,
        fail_on: policy.fail_on(),
    };
    let worst = report
        .active()
        .map(|f| f.severity)
        .max()
        .map(|s| s.name().to_string());
    let mut rule_ids: Vec<String> = report.active().map(|f| f.check.id.to_string()).collect();
    rule_ids.sort();
    rule_ids.dedup();
    Ok(Stored {
        digest: image
            .manifest_digest
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_else(|| image.config_digest.to_string()),
        repository: image.repository_path(),
        report: crate::report::json::render(&report),
        worst,
        rule_ids,
    })
}
