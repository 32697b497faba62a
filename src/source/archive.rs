//! A tar archive (docker save output, OCI archive) as a blob store. The archive is indexed once
//! (member → offset, size) and members are read with positioned reads, so layers can be read in
//! parallel from one file. A compressed archive is first inflated into a private, unlinked spool
//! file: the one place a stream must be re-read.

use super::blobs::BlobStore;
use crate::error::{Error, Result};
use crate::limits::{Limits, human_bytes};
use crate::oci::compression::{Compression, Decoder};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Clone)]
enum Member {
    File {
        offset: u64,
        size: u64,
    },
    /// docker save writes identical layers once and links the others to them.
    Link(String),
}

pub(super) struct TarStore {
    file: Arc<File>,
    display: String,
    members: HashMap<String, Member>,
}

/// Member names as lookups use them: no `./`, no leading `/`.
fn member_key(name: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

impl TarStore {
    pub(super) fn open(path: &Path, limits: &Limits) -> Result<TarStore> {
        let file = super::blobs::open_regular(path, None).map_err(|e| Error::io(path, e))?;
        Self::from_file(file, path.display().to_string(), limits)
    }

    /// An archive already open (a spool file the daemon's export was streamed into).
    pub(super) fn from_file(mut file: File, display: String, limits: &Limits) -> Result<TarStore> {
        let mut head = [0u8; 4];
        let n = read_up_to(&mut file, &mut head).map_err(|e| Error::io(&display, e))?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(&display, e))?;
        let compression = Compression::sniff(&head[..n]);
        let file = if compression == Compression::None {
            file
        } else {
            spool(file, compression, &display, limits)?
        };
        let members = index(&file, &display)?;
        Ok(TarStore {
            file: Arc::new(file),
            display,
            members,
        })
    }

    fn find(&self, locator: &str) -> Option<(u64, u64)> {
        let mut key = member_key(locator);
        for _ in 0..8 {
            match self.members.get(&key)? {
                Member::File { offset, size } => return Some((*offset, *size)),
                Member::Link(target) => key = target.clone(),
            }
        }
        None
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Inflates a compressed archive into an unlinked temp file, within the image size limit.
fn spool(file: File, compression: Compression, display: &str, limits: &Limits) -> Result<File> {
    let mut out = tempfile::tempfile().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let decoder = Decoder::new(compression, BufReader::with_capacity(256 * 1024, file))
        .map_err(|e| Error::input(display, e.to_string()))?;
    let mut limited = decoder.take(limits.max_image_bytes + 1);
    let copied = io::copy(&mut limited, &mut out)
        .map_err(|e| Error::input(display, format!("cannot decompress archive: {e}")))?;
    if copied > limits.max_image_bytes {
        return Err(Error::Limit {
            what: display.to_string(),
            problem: "archive decompresses to more than allowed".into(),
            limit: human_bytes(limits.max_image_bytes),
            flag: "--max-image-size",
        });
    }
    out.seek(SeekFrom::Start(0))
        .map_err(|e| Error::io(display, e))?;
    Ok(out)
}

fn index(file: &File, display: &str) -> Result<HashMap<String, Member>> {
    let mut members = HashMap::new();
    let reader = file.try_clone().map_err(|e| Error::io(display, e))?;
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries_with_seek()
        .map_err(|e| Error::input(display, format!("not a tar archive: {e}")))?;
    for item in entries {
        let entry = item.map_err(|e| Error::input(display, format!("bad tar archive: {e}")))?;
        let name = member_key(&String::from_utf8_lossy(&entry.path_bytes()));
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                members.insert(
                    name,
                    Member::File {
                        offset: entry.raw_file_position(),
                        size: entry.size(),
                    },
                );
            }
            tar::EntryType::Symlink | tar::EntryType::Link => {
                if let Some(target) = entry.link_name_bytes() {
                    let target = String::from_utf8_lossy(&target).to_string();
                    let resolved = if entry.header().entry_type() == tar::EntryType::Symlink {
                        let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
                        member_key(&format!("{dir}/{target}"))
                    } else {
                        member_key(&target)
                    };
                    members.insert(name, Member::Link(resolved));
                }
            }
            _ => {}
        }
    }
    if members.is_empty() {
        return Err(Error::input(
            display,
            "archive is empty or not a tar archive",
        ));
    }
    Ok(members)
}

/// Reads `size` bytes at `offset` without sharing a file position with other readers.
struct MemberReader {
    file: Arc<File>,
    pos: u64,
    end: u64,
}

impl Read for MemberReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        if left == 0 {
            return Ok(0);
        }
        let want = buf.len().min(left as usize);
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "archive member is truncated",
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl BlobStore for TarStore {
    fn open(&self, locator: &str) -> Result<Box<dyn Read + Send + '_>> {
        let Some((offset, size)) = self.find(locator) else {
            return Err(Error::input(
                &self.display,
                format!("`{locator}` is missing from the archive"),
            ));
        };
        let end = offset.checked_add(size).ok_or_else(|| {
            Error::input(&self.display, format!("`{locator}` has an impossible size"))
        })?;
        Ok(Box::new(BufReader::with_capacity(
            256 * 1024,
            MemberReader {
                file: Arc::clone(&self.file),
                pos: offset,
                end,
            },
        )))
    }

    fn describe(&self) -> String {
        self.display.clone()
    }

    fn has(&self, locator: &str) -> bool {
        self.find(locator).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_keys_are_normalised() {
        assert_eq!(member_key("./blobs/sha256/x"), "blobs/sha256/x");
        assert_eq!(member_key("/a/../b"), "b");
    }
}
