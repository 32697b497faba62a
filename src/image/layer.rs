//! Reads one layer blob in a single streaming pass: verify the blob digest, decompress, verify
//! the diff_id, and turn tar entries into [`LayerRecord`]s. Nothing is written to disk.

use super::compression::{self, Compression, Decoder};
use super::digest::{Digest, HashingReader};
use super::fs::{Content, Entry, Kind, LayerRecord, clean_path, escape_non_utf8};
use super::wants::{DATABASE_CAP, Decision, WantSet};
use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the caller knows about a layer before reading it.
pub struct LayerInput<'a> {
    pub index: usize,
    pub media_type: Option<&'a str>,
    pub digest: Option<&'a Digest>,
    pub size: Option<u64>,
    pub diff_id: Option<&'a Digest>,
}

/// What reading a layer produced.
pub struct LayerScan {
    pub records: Vec<LayerRecord>,
    pub digest: Digest,
    pub size: u64,
    pub diff_id: Digest,
    pub uncompressed_size: u64,
    pub compression: Compression,
}

/// Why a layer could not be read. `Limit` is kept apart so the caller can name the flag.
#[derive(Debug)]
pub enum LayerError {
    Invalid(String),
    Limit(String),
}

/// Shared byte budget for all layers of one image: a decompression bomb ends here.
pub struct Budget {
    remaining: AtomicU64,
}

impl Budget {
    pub fn new(bytes: u64) -> Self {
        Budget {
            remaining: AtomicU64::new(bytes),
        }
    }
    fn take(&self, n: u64) -> bool {
        self.remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |r| r.checked_sub(n))
            .is_ok()
    }
}

#[derive(Debug)]
struct BudgetExceeded;
impl std::fmt::Display for BudgetExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("uncompressed size over the limit")
    }
}
impl std::error::Error for BudgetExceeded {}

struct Budgeted<'b, R> {
    inner: R,
    budget: &'b Budget,
}

impl<R: Read> Read for Budgeted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if !self.budget.take(n as u64) {
            return Err(io::Error::other(BudgetExceeded));
        }
        Ok(n)
    }
}

/// Reports compressed bytes read, for a progress bar.
struct Progress<'p, R> {
    inner: R,
    tick: &'p (dyn Fn(u64) + Sync),
}

impl<R: Read> Read for Progress<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.tick)(n as u64);
        Ok(n)
    }
}

fn classify(e: io::Error) -> LayerError {
    if e.get_ref()
        .is_some_and(|inner| inner.is::<BudgetExceeded>())
    {
        LayerError::Limit("uncompressed size over the limit".into())
    } else {
        LayerError::Invalid(e.to_string())
    }
}

const READ_BUFFER: usize = 256 * 1024;

pub fn read_layer<R: Read>(
    raw: R,
    input: &LayerInput<'_>,
    wants: &WantSet,
    max_file_bytes: u64,
    budget: &Budget,
    tick: &(dyn Fn(u64) + Sync),
) -> Result<LayerScan, LayerError> {
    let blob = HashingReader::new(Progress { inner: raw, tick });
    let mut buffered = BufReader::with_capacity(READ_BUFFER, blob);
    let head = buffered.fill_buf().map_err(classify)?.to_vec();
    let compression = compression::detect(input.media_type, &head).map_err(LayerError::Invalid)?;
    let decoder = Decoder::new(compression, buffered).map_err(classify)?;
    let tar_stream = HashingReader::new(Budgeted {
        inner: decoder,
        budget,
    });
    let mut archive = tar::Archive::new(tar_stream);
    let mut records = Vec::new();
    let parsed = read_entries(
        &mut archive,
        input.index,
        wants,
        max_file_bytes,
        &mut records,
    );

    // Drain and verify: first the uncompressed stream, then what is left of the blob. When the
    // tar itself was bad, a tampered blob is the likelier story: say so if the digest disagrees.
    let drained = match parsed {
        Ok(()) => archive.into_inner().finish().map_err(classify),
        Err(e) => {
            if let Some(expected) = input.digest {
                let blob = archive
                    .into_inner()
                    .into_inner()
                    .inner
                    .into_inner()
                    .into_inner();
                if let Ok((actual, _, _)) = blob.finish() {
                    if actual != *expected {
                        return Err(LayerError::Invalid(format!(
                            "blob digest mismatch: content is {actual}"
                        )));
                    }
                }
            }
            return Err(match e {
                LayerError::Invalid(m) => LayerError::Invalid(format!("bad tar stream: {m}")),
                other => other,
            });
        }
    };
    let (diff_id, uncompressed_size, budgeted) = drained?;
    let blob = budgeted.inner.into_inner().into_inner();
    let (digest, size, _) = blob.finish().map_err(classify)?;

    if let Some(expected) = input.digest {
        if *expected != digest {
            return Err(LayerError::Invalid(format!(
                "blob digest mismatch: content is {digest}"
            )));
        }
    }
    if let Some(expected) = input.size {
        if expected != size {
            return Err(LayerError::Invalid(format!(
                "blob size mismatch: descriptor says {expected} bytes, blob has {size}"
            )));
        }
    }
    if let Some(expected) = input.diff_id {
        if *expected != diff_id {
            return Err(LayerError::Invalid(format!(
                "diff_id mismatch: config says {expected}, uncompressed content is {diff_id}"
            )));
        }
    }
    Ok(LayerScan {
        records,
        digest,
        size,
        diff_id,
        uncompressed_size,
        compression,
    })
}

fn read_entries<R: Read>(
    archive: &mut tar::Archive<R>,
    layer: usize,
    wants: &WantSet,
    max_file_bytes: u64,
    records: &mut Vec<LayerRecord>,
) -> Result<(), LayerError> {
    for item in archive.entries().map_err(classify)? {
        let mut entry = item.map_err(classify)?;
        let Some(record) = to_record(&mut entry, layer).map_err(classify)? else {
            continue;
        };
        let record = match record {
            LayerRecord::Entry(mut e) => {
                let decision = wants.decide(&e);
                if !matches!(decision, Decision::Skip) {
                    let cap = match decision {
                        Decision::KeepDatabase => DATABASE_CAP.max(max_file_bytes),
                        _ => max_file_bytes,
                    };
                    // Grow as bytes arrive: a header may claim more than the stream holds.
                    let mut bytes = Vec::with_capacity(e.size.min(cap).min(1 << 20) as usize);
                    (&mut entry)
                        .take(cap)
                        .read_to_end(&mut bytes)
                        .map_err(classify)?;
                    let keep = match decision {
                        Decision::Sniff => wants.keep_sniffed(&e, &bytes),
                        _ => true,
                    };
                    if keep {
                        e.content = Some(Arc::new(Content {
                            truncated: e.size > cap,
                            bytes,
                        }));
                    }
                }
                LayerRecord::Entry(e)
            }
            other => other,
        };
        records.push(record);
    }
    Ok(())
}

const WHITEOUT_PREFIX: &str = ".wh.";
const OPAQUE_MARKER: &str = ".wh..wh..opq";

/// One tar entry as a record; `None` for entries that carry nothing for the filesystem (the
/// root itself, PAX global headers, aufs metadata).
fn to_record<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    layer: usize,
) -> io::Result<Option<LayerRecord>> {
    let Some(path) = clean_path(&entry.path_bytes()) else {
        return Ok(None);
    };
    let (parent, name) = match path.rfind('/') {
        Some(0) => ("/", &path[1..]),
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("/", path.as_str()),
    };
    if name == OPAQUE_MARKER {
        return Ok(Some(LayerRecord::Opaque(parent.to_string())));
    }
    if let Some(target) = name.strip_prefix(WHITEOUT_PREFIX) {
        if target.is_empty()
            || target == "."
            || target == ".."
            || target.starts_with(WHITEOUT_PREFIX)
        {
            return Ok(None); // invalid or aufs-internal whiteout: nothing to delete
        }
        let full = if parent == "/" {
            format!("/{target}")
        } else {
            format!("{parent}/{target}")
        };
        return Ok(Some(LayerRecord::Whiteout(full)));
    }

    let header = entry.header();
    let kind = match header.entry_type() {
        tar::EntryType::Regular | tar::EntryType::Continuous => Kind::File,
        tar::EntryType::Directory => Kind::Dir,
        tar::EntryType::Symlink => Kind::Symlink,
        tar::EntryType::Link => Kind::Hardlink,
        tar::EntryType::Char => Kind::CharDevice,
        tar::EntryType::Block => Kind::BlockDevice,
        tar::EntryType::Fifo => Kind::Fifo,
        _ => return Ok(None),
    };
    // Go's archive/tar and GNU tar read an all-NUL or blank numeric field as 0; so do we.
    let old = header.as_old();
    let mode = header
        .mode()
        .or_else(|_| lenient_octal(&old.mode).map(|m| m as u32))?
        & 0o7777;
    let mut uid = header.uid().or_else(|_| lenient_octal(&old.uid))?;
    let mut gid = header.gid().or_else(|_| lenient_octal(&old.gid))?;
    let size = entry.size();
    let link = match kind {
        Kind::Symlink => entry.link_name_bytes().map(|l| escape_non_utf8(&l)),
        Kind::Hardlink => entry.link_name_bytes().and_then(|l| clean_path(&l)),
        _ => None,
    };
    let mut xattrs = Vec::new();
    if let Some(pax) = entry.pax_extensions()? {
        for ext in pax {
            let ext = ext?;
            let Ok(key) = ext.key() else { continue };
            if let Some(name) = key.strip_prefix("SCHILY.xattr.") {
                xattrs.push((name.to_string(), ext.value_bytes().to_vec()));
            } else if key == "uid" {
                uid = parse_pax_number(ext.value_bytes(), uid);
            } else if key == "gid" {
                gid = parse_pax_number(ext.value_bytes(), gid);
            }
        }
    }
    Ok(Some(LayerRecord::Entry(Entry {
        path,
        kind,
        mode,
        uid,
        gid,
        size,
        link,
        xattrs,
        layer,
        content: None,
    })))
}

/// An octal header field that tolerates NUL and space padding, and reads empty as 0.
fn lenient_octal(field: &[u8]) -> io::Result<u64> {
    let text: Vec<u8> = field
        .iter()
        .copied()
        .filter(|b| *b != 0 && *b != b' ')
        .collect();
    if text.is_empty() {
        return Ok(0);
    }
    std::str::from_utf8(&text)
        .ok()
        .and_then(|t| u64::from_str_radix(t, 8).ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "numeric tar header field is not a number",
            )
        })
}

fn parse_pax_number(value: &[u8], fallback: u64) -> u64 {
    std::str::from_utf8(value)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_numeric_fields_read_as_zero() {
        assert_eq!(lenient_octal(&[0; 8]).unwrap(), 0);
        assert_eq!(lenient_octal(b"  755 \0\0").unwrap(), 0o755);
        assert!(lenient_octal(b"12x\0").is_err());
    }
}
