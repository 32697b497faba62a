//! Blob stores: where the bytes of manifests, configs and layers are read from.

use crate::error::{Error, Result};
use crate::limits::human_bytes;
pub use crate::oci::blob::BlobSpec;
use crate::oci::digest::Digest;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Opens blobs by locator. Every `open` gives an independent reader, so layers can be read in
/// parallel.
pub trait BlobStore: Send + Sync {
    fn open(&self, locator: &str) -> Result<Box<dyn Read + Send + '_>>;
    /// The archive or directory, for messages.
    fn describe(&self) -> String;
    fn has(&self, locator: &str) -> bool;
}

/// Reads a small JSON document (manifest, index, config) whole, within the size limit, and
/// checks its digest and size when the spec gives them.
pub fn read_verified(
    store: &dyn BlobStore,
    spec: &BlobSpec,
    what: &str,
    max_bytes: u64,
) -> Result<Vec<u8>> {
    let name = format!(
        "{}: {what} {}",
        store.describe(),
        spec.digest
            .as_ref()
            .map_or(spec.locator.as_str(), |d| d.as_str())
    );
    if let Some(size) = spec.size {
        if size > max_bytes {
            return Err(Error::Limit {
                what: name,
                problem: format!("descriptor says {}", human_bytes(size)),
                limit: human_bytes(max_bytes),
                flag: "--max-json-size",
            });
        }
    }
    let mut reader = store.open(&spec.locator)?;
    let mut bytes = Vec::new();
    // Read one byte past what is expected: enough to tell "larger" without reading it all.
    let expected = spec.size.unwrap_or(max_bytes);
    (&mut reader)
        .take(expected + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::input(&name, e.to_string()))?;
    if let Some(size) = spec.size.filter(|&s| bytes.len() as u64 > s) {
        return Err(Error::input(
            name,
            format!("size mismatch: descriptor says {size} bytes, blob is larger"),
        ));
    }
    if bytes.len() as u64 > max_bytes {
        return Err(Error::Limit {
            what: name,
            problem: "document is larger than allowed".into(),
            limit: human_bytes(max_bytes),
            flag: "--max-json-size",
        });
    }
    if let Some(expected) = &spec.digest {
        let actual = Digest::of_bytes(&bytes);
        if &actual != expected {
            return Err(Error::input(
                name,
                format!("digest mismatch: content is {actual}"),
            ));
        }
    }
    if let Some(size) = spec.size {
        if size != bytes.len() as u64 {
            return Err(Error::input(
                name,
                format!(
                    "size mismatch: descriptor says {size} bytes, blob has {}",
                    bytes.len()
                ),
            ));
        }
    }
    Ok(bytes)
}

/// Parses JSON with a one-line error naming the document.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::input(what, format!("invalid JSON: {e}")))
}

/// An OCI image layout on disk.
pub struct DirStore {
    root: PathBuf,
}

impl DirStore {
    pub fn new(root: &Path) -> Self {
        DirStore {
            root: root.to_path_buf(),
        }
    }
}

/// Refuses locators that could leave the store's root.
fn safe_locator(locator: &str) -> Option<&str> {
    let l = locator.trim_start_matches("./");
    let ok = !l.is_empty()
        && !l.starts_with('/')
        && l.split('/').all(|c| !c.is_empty() && c != "." && c != "..");
    ok.then_some(l)
}

/// Opens a file an image is read from, refusing anything but a regular file: a FIFO would block
/// the scan forever, a device is not an image. `within`: a directory the file (after resolving
/// links) must stay inside, for the blobs of an OCI layout. Opened without following a final
/// link and without blocking, and checked again once open, so a swap between the check and the
/// open is caught too.
pub(crate) fn open_regular(path: &Path, within: Option<&Path>) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let refuse = |what: String| io::Error::new(io::ErrorKind::InvalidInput, what);
    let resolved = path.canonicalize()?;
    if let Some(root) = within {
        let root = root.canonicalize()?;
        if !resolved.starts_with(&root) {
            return Err(refuse(format!(
                "links out of the layout (to {})",
                resolved.display()
            )));
        }
    }
    let kind = |m: &std::fs::Metadata| -> Option<&'static str> {
        use std::os::unix::fs::FileTypeExt;
        let t = m.file_type();
        if t.is_file() {
            None
        } else if t.is_fifo() {
            Some("a FIFO")
        } else if t.is_dir() {
            Some("a directory")
        } else if t.is_socket() {
            Some("a socket")
        } else if t.is_char_device() || t.is_block_device() {
            Some("a device")
        } else {
            Some("not a regular file")
        }
    };
    if let Some(k) = kind(&std::fs::symlink_metadata(&resolved)?) {
        return Err(refuse(format!("is {k}, not a regular file")));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&resolved)?;
    if let Some(k) = kind(&file.metadata()?) {
        return Err(refuse(format!("is {k}, not a regular file")));
    }
    Ok(file)
}

impl BlobStore for DirStore {
    fn open(&self, locator: &str) -> Result<Box<dyn Read + Send + '_>> {
        let Some(l) = safe_locator(locator) else {
            return Err(Error::input(
                self.describe(),
                format!("refusing blob path `{locator}`"),
            ));
        };
        let path = self.root.join(l);
        match open_regular(&path, Some(&self.root)) {
            Ok(f) => Ok(Box::new(io::BufReader::with_capacity(256 * 1024, f))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(Error::input(
                self.describe(),
                format!("blob `{l}` is missing"),
            )),
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                Err(Error::input(self.describe(), format!("blob `{l}` {e}")))
            }
            Err(e) => Err(Error::io(path, e)),
        }
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn has(&self, locator: &str) -> bool {
        safe_locator(locator).is_some_and(|l| self.root.join(l).is_file())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locators_cannot_escape() {
        assert_eq!(safe_locator("blobs/sha256/ab"), Some("blobs/sha256/ab"));
        assert_eq!(safe_locator("../etc/passwd"), None);
        assert_eq!(safe_locator("/etc/passwd"), None);
        assert_eq!(safe_locator("blobs//x"), None);
    }
}
