//! WHAT is in an image: the model every image check reads, and the streaming pass that builds it.

pub mod accounts;
pub mod config;
pub mod fs;
pub mod inventory;
pub mod layer;
mod pass;
pub mod recipe;
pub mod wants;

pub use pass::{ScanOptions, scan};

use crate::oci::compression::Compression;
use crate::oci::digest::Digest;
use crate::source::{Platform, Transport};
use config::ImageConfig;
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
    /// The reference the user picked inside an archive or layout (`oci:DIR:REF`).
    pub selector: Option<String>,
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
    /// OS, packages, tools and base classification.
    pub inventory: inventory::Inventory,
    /// Only the manifest and config were read (`--config-only`): file rules had nothing to see.
    pub config_only: bool,
}

impl Image {
    /// The `created_by` of the history entry behind a layer.
    pub fn created_by(&self, layer: usize) -> Option<&str> {
        let h = self.layers.get(layer)?.history?;
        self.config.history.get(h).map(|h| h.created_by.as_str())
    }

    /// Every history entry as a build step: (history index, layer it created, step).
    pub fn steps(
        &self,
    ) -> impl Iterator<Item = (usize, Option<usize>, crate::inputs::build_step::Step)> + '_ {
        self.config.history.iter().enumerate().map(move |(i, h)| {
            let layer = self
                .layers
                .iter()
                .find(|l| l.history == Some(i))
                .map(|l| l.index);
            (
                i,
                layer,
                crate::inputs::build_step::Step::parse(&h.created_by),
            )
        })
    }

    /// The finding subject for a history entry.
    pub fn history_subject(&self, index: usize) -> crate::finding::Subject {
        let layer = self
            .layers
            .iter()
            .find(|l| l.history == Some(index))
            .map(|l| l.index);
        let step = self
            .config
            .history
            .get(index)
            .map_or_else(String::new, |h| h.created_by.clone());
        crate::finding::Subject::ImageHistory { index, layer, step }
    }

    /// `RUN apt-get install …` (history 3): how messages name a build step.
    pub fn describe_step(&self, index: usize) -> String {
        let step = self
            .config
            .history
            .get(index)
            .map(|h| crate::inputs::build_step::Step::parse(&h.created_by));
        match step {
            Some(s) => {
                let mut text = s.text.split_whitespace().collect::<Vec<_>>().join(" ");
                if text.chars().count() > 80 {
                    text = format!("{}…", text.chars().take(80).collect::<String>());
                }
                format!("`{} {}` (history {index})", s.instruction, text)
            }
            None => format!("history {index}"),
        }
    }

    /// The reference the image is known by: what the user picked, else its first name. `None`
    /// for an archive that names nothing.
    pub fn reference(&self) -> Option<&str> {
        self.origin
            .selector
            .as_deref()
            .filter(|s| !s.starts_with('@'))
            .or_else(|| self.origin.names.first().map(String::as_str))
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
