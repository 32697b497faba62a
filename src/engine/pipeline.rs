//! The pipelines every face uses: an image (located by `source`) through the pass and the
//! rules to a report; configuration files through the parsers and the rules to a report; models
//! of a running daemon or its containers through the rules to a report.

use super::policy::{Models, Policy};
use super::report::{ImageTarget, Report, Target};
use crate::catalog::Check;
use crate::error::Result;
use crate::image::Image;
use crate::limits::Limits;
use crate::source::Resolved;
use crate::suppress::InlineIgnores;

fn no_progress(_: u64) {}

/// How an image is read, besides what the policy's rules want from it.
pub struct ImageRead<'a> {
    /// What the user typed, kept in the report.
    pub input: String,
    pub limits: Limits,
    /// Threads that read layers; 0 = one per core.
    pub threads: usize,
    /// Take the OS and package inventory (off only to measure what it costs).
    pub inventory: bool,
    /// Manifest and config only, no layer (fast verdicts).
    pub config_only: bool,
    /// Called with the compressed bytes read, from any thread.
    pub progress: &'a (dyn Fn(u64) + Sync),
}

impl ImageRead<'static> {
    /// Default limits, every layer, no progress: how the server and `containers --images` read.
    pub fn quiet(input: impl Into<String>, threads: usize) -> ImageRead<'static> {
        ImageRead {
            input: input.into(),
            limits: Limits::default(),
            threads,
            inventory: true,
            config_only: false,
            progress: &no_progress,
        }
    }
}

/// An image read and judged: the model (to map findings onto a Dockerfile, to key a stored
/// result) and its report.
pub struct ScannedImage {
    pub image: Image,
    pub report: Report,
}

/// The image pipeline: a located image through the streaming pass and the rules.
pub fn scan_image(
    policy: &Policy,
    resolved: Resolved,
    read: &ImageRead<'_>,
) -> Result<ScannedImage> {
    let settings = policy.settings()?;
    let options = crate::image::ScanOptions {
        limits: read.limits.clone(),
        wants: policy.wants(),
        input: read.input.clone(),
        progress: read.progress,
        threads: read.threads,
        inventory: read.inventory,
        config_only: read.config_only,
    };
    let image = crate::image::scan(resolved, &options)?;
    let (findings, unmatched) = policy.check_image_reporting(&image);
    let report = Report {
        target: Target::Image(Box::new(ImageTarget::of(&image, &settings))),
        checks: policy.checks_for(Check::reads_images),
        findings,
        fail_on: policy.fail_on(),
        unmatched,
        project_config: policy.config_path(),
    };
    Ok(ScannedImage { image, report })
}

/// The configuration pipeline: files found and parsed, then the rules. Files that did not parse
/// are listed in the target's `errors`; the caller renders the report, then fails.
pub fn scan_configs(
    policy: &Policy,
    paths: &[String],
    options: &crate::inputs::load::LoadOptions,
) -> Result<Report> {
    let mut loaded = crate::inputs::load::load(paths, options)?;
    loaded.target.pod_security = crate::pss::report(&loaded.cluster);
    let models = Models {
        image: None,
        daemons: &loaded.daemons,
        seccomp: &loaded.seccomp,
        containers: &loaded.containers,
        recipes: &loaded.recipes,
        nodes: &[],
        runtimes: &loaded.runtimes,
        kubelets: &loaded.kubelets,
        cluster: Some(&loaded.cluster),
    };
    let (findings, unmatched) = policy.check_reporting(&models, &loaded.inline);
    Ok(Report {
        target: Target::Config(loaded.target),
        checks: policy.checks_for(Check::reads_config_files),
        findings,
        fail_on: policy.fail_on(),
        unmatched,
        project_config: policy.config_path(),
    })
}

/// Models built elsewhere (a running daemon, its containers) through the rules that `reads`.
pub fn judge(
    policy: &Policy,
    models: &Models<'_>,
    inline: &InlineIgnores,
    target: Target,
    reads: impl Fn(&Check) -> bool,
) -> Report {
    let (findings, unmatched) = policy.check_reporting(models, inline);
    Report {
        target,
        checks: policy.checks_for(reads),
        findings,
        fail_on: policy.fail_on(),
        unmatched,
        project_config: policy.config_path(),
    }
}
