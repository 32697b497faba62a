//! One image from its registry to a stored result: the engine's image pipeline, then the parts of
//! the report a verdict needs.

use super::store::Stored;
use crate::engine::{ImageRead, Policy, ScannedImage};
use crate::error::Result;
use crate::source::registry::RegistryOptions;

/// Scans `reference` (`registry/repository@digest`) under `registry` (whose deadline bounds the
/// whole scan, body streaming included).
pub(crate) fn scan_image(
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
    // One layer thread per scan: the pool's workers are the server's parallelism.
    let read = ImageRead {
        config_only,
        inventory: !config_only,
        ..ImageRead::quiet(input, 1)
    };
    let ScannedImage { image, report } = crate::engine::scan_image(policy, resolved, &read)?;
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
