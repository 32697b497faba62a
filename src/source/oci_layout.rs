//! OCI image layouts: a directory (`oci:DIR[:REF]`) or the same as a tar (`oci-archive:`).
//! `index.json` → (nested indexes, by platform) → manifest → config and layers, each
//! manifest and index verified against the digest that pointed at it.

use super::archive::TarStore;
use super::blobs::{BlobSpec, BlobStore, DirStore, parse_json, read_verified};
use super::{Resolved, Transport};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::oci::digest::Digest;
use crate::oci::platform::Platform;
use oci_spec::image::{Descriptor, ImageIndex, ImageManifest};
use std::path::Path;

const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// containerd and docker ≥ 25 record the full image name here.
const CONTAINERD_NAME: &str = "io.containerd.image.name";
/// Nested indexes deeper than this are treated as a loop.
const MAX_INDEX_DEPTH: usize = 8;

use crate::oci::media::{IMAGE_MANIFEST_TYPES as MANIFEST_TYPES, INDEX_TYPES};

pub(super) fn open_dir(
    path: &Path,
    selector: Option<String>,
    platform: &Platform,
    limits: &Limits,
) -> Result<Resolved> {
    if !path.join("oci-layout").is_file() {
        return Err(Error::input(
            path.display().to_string(),
            "not an OCI image layout (no oci-layout file)",
        ));
    }
    resolve(
        Box::new(DirStore::new(path)),
        Transport::OciLayout,
        path,
        selector,
        platform,
        limits,
    )
}

pub(super) fn open_archive(
    path: &Path,
    selector: Option<String>,
    platform: &Platform,
    limits: &Limits,
) -> Result<Resolved> {
    let store = TarStore::open(path, limits)?;
    from_archive_store(store, path, selector, platform, limits)
}

pub(super) fn from_archive_store(
    store: TarStore,
    path: &Path,
    selector: Option<String>,
    platform: &Platform,
    limits: &Limits,
) -> Result<Resolved> {
    if !store.has("oci-layout") {
        return Err(Error::input(
            path.display().to_string(),
            "not an OCI archive (no oci-layout inside)",
        ));
    }
    resolve(
        Box::new(store),
        Transport::OciArchive,
        path,
        selector,
        platform,
        limits,
    )
}

fn blob_spec(d: &Descriptor, what: &str, store: &dyn BlobStore) -> Result<BlobSpec> {
    let digest = Digest::parse(d.digest().as_ref())
        .map_err(|e| Error::input(store.describe(), format!("{what}: {e}")))?;
    Ok(BlobSpec {
        locator: format!("blobs/sha256/{}", digest.hex()),
        digest: Some(digest),
        size: Some(d.size()),
        media_type: Some(d.media_type().to_string()),
    })
}

fn annotation<'a>(d: &'a Descriptor, key: &str) -> Option<&'a str> {
    d.annotations().as_ref()?.get(key).map(String::as_str)
}

fn resolve(
    store: Box<dyn BlobStore>,
    transport: Transport,
    path: &Path,
    selector: Option<String>,
    platform: &Platform,
    limits: &Limits,
) -> Result<Resolved> {
    let plan = plan(store.as_ref(), selector.as_deref(), platform, limits)?;
    Ok(Resolved {
        store,
        transport,
        path: path.to_path_buf(),
        selector,
        names: plan.names,
        manifest_digest: plan.manifest_digest,
        config: plan.config,
        layers: plan.layers,
    })
}

/// What an OCI layout says the image is, every step verified.
pub(super) struct Plan {
    pub names: Vec<String>,
    pub manifest_digest: Option<Digest>,
    pub config: BlobSpec,
    pub layers: Vec<BlobSpec>,
}

pub(super) fn plan(
    store: &dyn BlobStore,
    selector: Option<&str>,
    platform: &Platform,
    limits: &Limits,
) -> Result<Plan> {
    let display = store.describe();
    let index_spec = BlobSpec::root("index.json");
    let bytes = read_verified(store, &index_spec, "index", limits.max_json_bytes)?;
    let index: ImageIndex = parse_json(&bytes, &format!("{display}: index.json"))?;

    let top = pick_top(&index, selector, &display)?;
    let mut names: Vec<String> = [annotation(top, CONTAINERD_NAME), annotation(top, REF_NAME)]
        .into_iter()
        .flatten()
        .map(str::to_string)
        .collect();
    names.dedup();

    let mut current = top.clone();
    // A top-level index.json whose entries are platform variants of one image.
    if selector.is_none() && index.manifests().len() > 1 {
        current = pick_platform(index.manifests(), platform, &display, "index.json")?.clone();
    }
    for _ in 0..MAX_INDEX_DEPTH {
        let spec = blob_spec(&current, "descriptor", store)?;
        let media_type = current.media_type().to_string();
        let what = if INDEX_TYPES.contains(&media_type.as_str()) {
            "index"
        } else {
            "manifest"
        };
        let bytes = read_verified(store, &spec, what, limits.max_json_bytes)?;
        let label = format!("{display}: {what} {}", current.digest());
        let is_index = INDEX_TYPES.contains(&media_type.as_str())
            || (!MANIFEST_TYPES.contains(&media_type.as_str()) && looks_like_index(&bytes));
        if is_index {
            let nested: ImageIndex = parse_json(&bytes, &label)?;
            current = pick_platform(nested.manifests(), platform, &display, &label)?.clone();
            continue;
        }
        if !MANIFEST_TYPES.contains(&media_type.as_str()) {
            return Err(Error::input(
                label,
                format!("unsupported media type `{media_type}`"),
            ));
        }
        let manifest: ImageManifest = parse_json(&bytes, &label)?;
        let config = blob_spec(manifest.config(), "config descriptor", store)?;
        let layers = manifest
            .layers()
            .iter()
            .map(|l| blob_spec(l, "layer descriptor", store))
            .collect::<Result<Vec<_>>>()?;
        return Ok(Plan {
            names,
            manifest_digest: spec.digest,
            config,
            layers,
        });
    }
    Err(Error::input(
        display,
        format!("indexes nest deeper than {MAX_INDEX_DEPTH} levels (a loop?)"),
    ))
}

fn looks_like_index(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .is_some_and(|v| v.get("manifests").is_some())
}

/// The entry of `index.json` the user asked for, or the only image there is.
fn pick_top<'a>(
    index: &'a ImageIndex,
    selector: Option<&str>,
    display: &str,
) -> Result<&'a Descriptor> {
    let manifests = index.manifests();
    let refs: Vec<&str> = manifests
        .iter()
        .filter_map(|d| annotation(d, REF_NAME))
        .collect();
    if let Some(want) = selector {
        return manifests
            .iter()
            .find(|d| {
                annotation(d, REF_NAME) == Some(want)
                    || annotation(d, CONTAINERD_NAME) == Some(want)
            })
            .ok_or_else(|| {
                Error::input(
                    display,
                    format!(
                        "no image named `{want}` (names here: {})",
                        list_or_none(&refs)
                    ),
                )
            });
    }
    let mut distinct = refs.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() > 1 {
        return Err(Error::usage(format!(
            "{display} holds {} images; pick one with :REF (names here: {})",
            distinct.len(),
            distinct.join(", ")
        )));
    }
    manifests
        .first()
        .ok_or_else(|| Error::input(display, "index.json lists no manifests"))
}

fn list_or_none(items: &[&str]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// The index entry for the requested platform; the error lists the platforms that are there.
fn pick_platform<'a>(
    manifests: &'a [Descriptor],
    want: &Platform,
    display: &str,
    label: &str,
) -> Result<&'a Descriptor> {
    if manifests.is_empty() {
        return Err(Error::input(label, "index lists no manifests"));
    }
    // Entries without a platform (a single-image index) are taken as they are.
    if manifests.iter().all(|d| d.platform().is_none()) {
        return Ok(&manifests[0]);
    }
    let found = manifests.iter().find(|d| {
        d.platform().as_ref().is_some_and(|p| {
            want.accepts(
                &p.os().to_string(),
                &p.architecture().to_string(),
                p.variant().as_deref(),
            )
        })
    });
    found.ok_or_else(|| {
        let available: Vec<String> = manifests
            .iter()
            .filter_map(|d| d.platform().as_ref())
            .filter(|p| p.os().to_string() != "unknown")
            .map(|p| {
                let mut s = format!("{}/{}", p.os(), p.architecture());
                if let Some(v) = p.variant() {
                    s.push('/');
                    s.push_str(v);
                }
                s
            })
            .collect();
        Error::usage(format!(
            "{display}: no {want} image in the index; available: {} (choose with --platform)",
            if available.is_empty() {
                "none".into()
            } else {
                available.join(", ")
            }
        ))
    })
}
