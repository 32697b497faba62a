//! `docker save` archives: `manifest.json` lists, per image, the config file, the repo tags and
//! the layer files (legacy `<id>/layer.tar`, or `blobs/sha256/<hex>` in the OCI-in-tar layout
//! newer Docker writes). Layers here carry no media type: compression is read from magic bytes,
//! and content is verified against the config's diff_ids (and the blob name where it is a digest).

use super::archive::TarStore;
use super::blobs::{BlobSpec, BlobStore, parse_json, read_verified};
use super::{Resolved, Transport, oci_layout};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::oci::digest::Digest;
use crate::oci::platform::Platform;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    #[serde(default)]
    layers: Vec<String>,
}

pub(super) fn open(
    path: &Path,
    selector: Option<String>,
    platform: &Platform,
    limits: &Limits,
) -> Result<Resolved> {
    let store = TarStore::open(path, limits)?;
    from_store(store, path, selector, platform, limits)
}

/// The digest a member name carries: `blobs/sha256/<hex>` or `<hex>.json` / `<hex>.tar`.
fn digest_from_name(name: &str) -> Option<Digest> {
    if let Some(hex) = name.trim_start_matches("./").strip_prefix("blobs/sha256/") {
        return Digest::parse(&format!("sha256:{hex}")).ok();
    }
    let base = name.rsplit('/').next()?;
    let stem = base
        .strip_suffix(".json")
        .or_else(|| base.strip_suffix(".tar"))?;
    Digest::parse(&format!("sha256:{stem}")).ok()
}

pub(super) fn from_store(
    store: TarStore,
    path: &Path,
    selector: Option<String>,
    platform: &Platform,
    limits: &Limits,
) -> Result<Resolved> {
    let display = store.describe();
    let spec = BlobSpec::root("manifest.json");
    let bytes = read_verified(&store, &spec, "manifest.json", limits.max_json_bytes)?;
    let entries: Vec<Entry> = parse_json(&bytes, &format!("{display}: manifest.json"))?;
    let entry = pick(&entries, selector.as_deref(), &display)?;

    let config = BlobSpec {
        locator: entry.config.clone(),
        digest: digest_from_name(&entry.config),
        size: None,
        media_type: None,
    };
    let layers: Vec<BlobSpec> = entry
        .layers
        .iter()
        .map(|l| BlobSpec {
            locator: l.clone(),
            // `<hex>.tar` names the uncompressed digest (the diff_id), which the pass checks anyway;
            // only `blobs/sha256/<hex>` names the blob itself.
            digest: l
                .trim_start_matches("./")
                .starts_with("blobs/sha256/")
                .then(|| digest_from_name(l))
                .flatten(),
            size: None,
            media_type: None,
        })
        .collect();
    // Newer docker save also writes an OCI layout: where it describes the same image, take its
    // verified manifest digest and layer descriptors (media types, digests, sizes).
    let oci = (store.has("index.json") && config.digest.is_some())
        .then(|| oci_layout::plan(&store, None, platform, limits).ok())
        .flatten()
        .filter(|plan| plan.config.digest == config.digest && plan.layers.len() == layers.len());
    let (manifest_digest, layers) = match oci {
        Some(plan) => (plan.manifest_digest, plan.layers),
        None => (None, layers),
    };
    Ok(Resolved {
        store: Box::new(store),
        transport: Transport::DockerArchive,
        path: path.to_path_buf(),
        selector,
        names: entry.repo_tags.clone().unwrap_or_default(),
        manifest_digest,
        config,
        layers,
    })
}

/// The image the user named (`:REPO:TAG` or `:@N`), or the only one in the archive.
fn pick<'a>(entries: &'a [Entry], selector: Option<&str>, display: &str) -> Result<&'a Entry> {
    let tags: Vec<&str> = entries
        .iter()
        .flat_map(|e| e.repo_tags.iter().flatten())
        .map(String::as_str)
        .collect();
    match selector {
        Some(sel) if sel.starts_with('@') => {
            let n: usize = sel[1..].parse().map_err(|_| {
                Error::usage(format!("`{sel}` is not an image index (use @0, @1, …)"))
            })?;
            entries.get(n).ok_or_else(|| {
                Error::usage(format!(
                    "{display} holds {} images; @{n} is out of range",
                    entries.len()
                ))
            })
        }
        Some(sel) => entries
            .iter()
            .find(|e| {
                e.repo_tags.iter().flatten().any(|t| {
                    t == sel
                        || t.strip_prefix("docker.io/library/") == Some(sel)
                        || t.strip_prefix("docker.io/") == Some(sel)
                })
            })
            .ok_or_else(|| {
                Error::usage(format!(
                    "{display}: no image tagged `{sel}` (tags here: {})",
                    if tags.is_empty() {
                        "none".to_string()
                    } else {
                        tags.join(", ")
                    }
                ))
            }),
        None => match entries {
            [] => Err(Error::input(display, "manifest.json lists no images")),
            [only] => Ok(only),
            _ => Err(Error::usage(format!(
                "{display} holds {} images; pick one with docker-archive:PATH:REPO:TAG or :@N (tags here: {})",
                entries.len(),
                if tags.is_empty() {
                    "none".to_string()
                } else {
                    tags.join(", ")
                }
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_come_only_from_digest_shaped_names() {
        let hex = "a".repeat(64);
        assert!(digest_from_name(&format!("blobs/sha256/{hex}")).is_some());
        assert!(digest_from_name(&format!("{hex}.json")).is_some());
        assert!(digest_from_name("abc/layer.tar").is_none());
        assert!(digest_from_name("blobs/sha256/../../x").is_none());
    }
}
