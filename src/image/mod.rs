//! WHAT is in an image: the model every image check reads, and the streaming pass that builds it.

pub mod compression;
pub mod config;
pub mod digest;
pub mod fs;
pub mod layer;
mod pass;
pub mod wants;

pub use pass::{ScanOptions, scan};

use crate::source::{Platform, Transport};
use compression::Compression;
use config::ImageConfig;
use digest::Digest;
use fs::Fs;

/// Where the image came from, as the user named it.
#[derive(Debug, Clone)]
pub struct Origin {
    /// What the user typed, e.g. `docker-archive:app.tar`.
    pub input: String,
    pub transport: Transport,
    pub path: std::path::PathBuf,
    /// Names the image carries (RepoTags, OCI ref annotations).
    pub names: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Layer {
    pub index: usize,
    pub digest: Digest,
    pub diff_id: Digest,
    pub media_type: Option<String>,
    pub compression: Compression,
    /// Bytes of the blob as stored.
    pub size: u64,
    pub uncompressed_size: u64,
    /// The history entry that created the layer.
    pub history: Option<usize>,
}

/// A fully read, verified image.
#[derive(Debug)]
pub struct Image {
    pub origin: Origin,
    pub manifest_digest: Option<Digest>,
    pub config_digest: Digest,
    pub platform: Platform,
    pub config: ImageConfig,
    pub layers: Vec<Layer>,
    pub fs: Fs,
}

impl Image {
    /// The `created_by` of the history entry behind a layer.
    pub fn created_by(&self, layer: usize) -> Option<&str> {
        let h = self.layers.get(layer)?.history?;
        self.config.history.get(h).map(|h| h.created_by.as_str())
    }

    /// The repository path that reports use as the image's location: `library/nginx` for
    /// `nginx:1.27`. From the image's own names, else the file name without its extension.
    pub fn repository_path(&self) -> String {
        self.origin
            .names
            .iter()
            .filter(|n| crate::reference::names_an_image(n))
            .find_map(|n| crate::reference::repository_path(n))
            .unwrap_or_else(|| crate::reference::file_stem(&self.origin.path))
    }
}
