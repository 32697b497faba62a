//! The streaming pass: config, then every layer (in parallel, each read once), then the merge.

use super::config::ImageConfig;
use super::fs::Fs;
use super::layer::{Budget, LayerError, LayerInput, LayerScan, read_layer};
use super::wants::WantSet;
use super::{Image, Layer, Origin};
use crate::error::{Error, Result};
use crate::limits::{Limits, human_bytes};
use crate::oci::digest::{Digest, Hashing};
use crate::source::{Platform, Resolved, blobs_read_verified, parse_json};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How to read an image.
pub struct ScanOptions<'a> {
    pub limits: Limits,
    pub wants: WantSet,
    /// What the user typed, kept in the report.
    pub input: String,
    /// Called with the number of compressed bytes read, from any thread.
    pub progress: &'a (dyn Fn(u64) + Sync),
    /// Worker threads for layers; 0 = one per core.
    pub threads: usize,
    /// Build the OS and package inventory (off only to measure what it costs).
    pub inventory: bool,
    /// Verify manifest and config only; read no layer (fast admission verdicts).
    pub config_only: bool,
}

/// What the layer readers take: the files to keep, the limits, where progress goes.
struct Reading<'a> {
    wants: WantSet,
    limits: &'a Limits,
    progress: &'a (dyn Fn(u64) + Sync),
    threads: usize,
}

/// Reads and verifies the whole image. Nothing is reported on content that failed verification:
/// any mismatch is an error.
pub fn scan(resolved: Resolved, options: &ScanOptions<'_>) -> Result<Image> {
    // The inventory (OS, packages) is part of every image model, whatever checks run.
    let inventory = options.inventory && !options.config_only;
    let mut wants = options.wants.clone();
    if options.inventory {
        super::inventory::add_wants(&mut wants);
    }
    let reading = Reading {
        wants,
        limits: &options.limits,
        progress: options.progress,
        threads: options.threads,
    };
    let limits = &options.limits;
    let store = resolved.store.as_ref();
    let display = store.describe();
    if resolved.layers.len() > limits.max_layers {
        return Err(Error::Limit {
            what: display,
            problem: format!("image has {} layers", resolved.layers.len()),
            limit: limits.max_layers.to_string(),
            flag: "--max-layers",
        });
    }
    let config_bytes =
        blobs_read_verified(store, &resolved.config, "config", limits.max_json_bytes)?;
    let config_digest = Digest::of_bytes(&config_bytes);
    let config: ImageConfig =
        parse_json(&config_bytes, &format!("{display}: config {config_digest}"))?;

    let diff_ids: Vec<Digest> = config
        .rootfs
        .diff_ids
        .iter()
        .map(|d| {
            Digest::parse(d)
                .map_err(|e| Error::input(format!("{display}: config rootfs.diff_ids"), e))
        })
        .collect::<Result<_>>()?;
    if diff_ids.len() != resolved.layers.len() {
        return Err(Error::input(
            format!("{display}: config {config_digest}"),
            format!(
                "rootfs lists {} diff_ids but the manifest has {} layers",
                diff_ids.len(),
                resolved.layers.len()
            ),
        ));
    }

    // --config-only: manifest and config are verified; layers are described, not read.
    let scans = if options.config_only {
        Vec::new()
    } else {
        read_all_layers(&resolved, &diff_ids, &reading)?
    };
    let history = config.layer_history(resolved.layers.len());
    let mut fs = Fs::default();
    let mut layers = Vec::with_capacity(resolved.layers.len());
    if options.config_only {
        for (index, spec) in resolved.layers.iter().enumerate() {
            let compression = spec
                .media_type
                .as_deref()
                .and_then(|m| {
                    crate::oci::compression::Compression::from_media_type(m)
                        .ok()
                        .flatten()
                })
                .unwrap_or(crate::oci::compression::Compression::None);
            layers.push(Layer {
                index,
                digest: spec
                    .digest
                    .clone()
                    .unwrap_or_else(|| diff_ids[index].clone()),
                diff_id: diff_ids[index].clone(),
                media_type: spec.media_type.clone(),
                compression,
                size: spec.size.unwrap_or(0),
                uncompressed_size: 0,
                history: history[index],
            });
        }
    }
    for (index, scan) in scans.into_iter().enumerate() {
        layers.push(Layer {
            index,
            digest: scan.digest,
            diff_id: scan.diff_id,
            media_type: resolved.layers[index].media_type.clone(),
            compression: scan.compression,
            size: scan.size,
            uncompressed_size: scan.uncompressed_size,
            history: history[index],
        });
        fs.apply_layer(index, scan.records);
    }
    if !options.config_only {
        read_link_targets(&resolved, &diff_ids, &reading, &mut fs)?;
    }
    let platform = Platform {
        os: if config.os.is_empty() {
            "linux".into()
        } else {
            config.os.clone()
        },
        architecture: config.architecture.clone(),
        variant: (!config.variant.is_empty()).then(|| config.variant.clone()),
    };
    Ok(Image {
        origin: Origin {
            input: options.input.clone(),
            transport: resolved.transport,
            path: resolved.path.clone(),
            names: resolved.names.clone(),
            selector: resolved.selector.clone(),
        },
        manifest_digest: resolved.manifest_digest.clone(),
        config_digest,
        platform,
        config,
        inventory: if inventory {
            super::inventory::build(&fs, &layers)
        } else {
            super::inventory::Inventory::none()
        },
        layers,
        fs,
        config_only: options.config_only,
    })
}

/// A wanted file reached through a symlink (`/etc/passwd -> ../usr/lib/passwd`) lives at a path
/// nobody asked for, so its contents were skipped. Read just those files again from their layers.
fn read_link_targets(
    resolved: &Resolved,
    diff_ids: &[Digest],
    reading: &Reading<'_>,
    fs: &mut Fs,
) -> Result<()> {
    let targets = fs.unread_targets(reading.wants.paths());
    let mut by_layer: std::collections::BTreeMap<usize, Vec<String>> =
        std::collections::BTreeMap::new();
    for (layer, path) in targets {
        by_layer.entry(layer).or_default().push(path);
    }
    for (layer, paths) in by_layer {
        let followup = Reading {
            wants: WantSet::exact(paths),
            threads: 1,
            ..*reading
        };
        let budget = Budget::new(reading.limits.max_image_bytes);
        let scan = read_one(
            resolved,
            layer,
            &diff_ids[layer],
            &followup,
            &budget,
            Hashing::Inline,
        )?;
        for record in scan.records {
            if let super::fs::LayerRecord::Entry(e) = record {
                if let Some(content) = e.content {
                    fs.set_content(&e.path, layer, content);
                }
            }
        }
    }
    Ok(())
}

/// Reads layers on a few threads; each thread takes the next unread layer. Results come back in
/// layer order. The first error stops the other workers at their next layer. With at least twice
/// as many cores as layer workers (one big base layer on two cores), each worker's hashing moves
/// to helper threads so the spare cores work too.
fn read_all_layers(
    resolved: &Resolved,
    diff_ids: &[Digest],
    options: &Reading<'_>,
) -> Result<Vec<LayerScan>> {
    let count = resolved.layers.len();
    let cores = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let threads = cores.clamp(1, count.max(1));
    let hashing = if cores >= 2 * threads {
        Hashing::Offloaded
    } else {
        Hashing::Inline
    };
    let budget = Budget::new(options.limits.max_image_bytes);
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Result<LayerScan>>>> =
        (0..count).map(|_| Mutex::new(None)).collect();
    let failed = std::sync::atomic::AtomicBool::new(false);

    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    if failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let result = read_one(resolved, i, &diff_ids[i], options, &budget, hashing);
                    if result.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });

    let results: Vec<Option<Result<LayerScan>>> = slots
        .into_iter()
        .map(|s| s.into_inner().ok().flatten())
        .collect();
    let mut out = Vec::with_capacity(count);
    let mut first_error = None;
    for result in results {
        match result {
            Some(Ok(scan)) => out.push(scan),
            Some(Err(e)) => {
                first_error.get_or_insert(e);
            }
            None => {}
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    if out.len() != count {
        return Err(Error::input(
            resolved.store.describe(),
            "a layer worker stopped without a result",
        ));
    }
    Ok(out)
}

fn read_one(
    resolved: &Resolved,
    index: usize,
    diff_id: &Digest,
    options: &Reading<'_>,
    budget: &Budget,
    hashing: Hashing,
) -> Result<LayerScan> {
    let spec = &resolved.layers[index];
    let store = resolved.store.as_ref();
    let name = format!(
        "{}: layer {index} ({})",
        store.describe(),
        spec.digest
            .as_ref()
            .map_or(spec.locator.as_str(), |d| d.as_str())
    );
    let raw = store.open(&spec.locator)?;
    let input = LayerInput {
        index,
        media_type: spec.media_type.as_deref(),
        digest: spec.digest.as_ref(),
        size: spec.size,
        diff_id: Some(diff_id),
    };
    read_layer(
        raw,
        &input,
        &options.wants,
        options.limits.max_file_bytes,
        budget,
        options.progress,
        hashing,
    )
    .map_err(|e| match e {
        LayerError::Invalid(problem) => Error::input(name, problem),
        LayerError::Limit(problem) => Error::Limit {
            what: name,
            problem,
            limit: human_bytes(options.limits.max_image_bytes),
            flag: "--max-image-size",
        },
    })
}
