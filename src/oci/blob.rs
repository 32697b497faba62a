//! A blob descriptor: where a blob is and what it must hash to.

use super::digest::Digest;

/// A blob the image needs, and what it must hash to.
#[derive(Debug, Clone)]
pub struct BlobSpec {
    /// Where the store finds it: a path relative to the layout root or archive.
    pub locator: String,
    /// The digest the blob must have; `None` only where the format gives none.
    pub digest: Option<Digest>,
    pub size: Option<u64>,
    pub media_type: Option<String>,
}

impl BlobSpec {
    /// A file the format names but gives no digest for (`manifest.json`, `index.json`): the root
    /// the rest of the image is verified from.
    pub fn root(locator: &str) -> BlobSpec {
        BlobSpec {
            locator: locator.into(),
            digest: None,
            size: None,
            media_type: None,
        }
    }
}
