//! Reads one layer blob in a single streaming pass: verify the blob digest, decompress, verify
//! the diff_id, and turn tar entries into [`LayerRecord`]s. Nothing is written to disk.

use super::fs::{Content, Entry, Kind, LayerRecord, clean_path, escape_non_utf8};
use super::wants::{DATABASE_CAP, Decision, WantSet};
use crate::oci::compression::{self, Compression, Decoder};
use crate::oci::digest::{Digest, Hashing, HashingReader, clip};
use std::cell::{Cell, RefCell};
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;
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
    hashing: Hashing,
) -> Result<LayerScan, LayerError> {
    let blob = HashingReader::with(Progress { inner: raw, tick }, hashing);
    let mut buffered = BufReader::with_capacity(READ_BUFFER, blob);
    let head = buffered.fill_buf().map_err(classify)?.to_vec();
    let compression = compression::detect(input.media_type, &head).map_err(LayerError::Invalid)?;
    let decoder = Decoder::new(compression, buffered).map_err(classify)?;
    let tar_stream = HashingReader::with(
        Budgeted {
            inner: decoder,
            budget,
        },
        hashing,
    );
    // The tar walk reads 512-byte headers and small chunks: buffer so the inflater and the
    // hasher work on large blocks.
    let watch = Rc::new(HeaderWatch::default());
    let mut archive = tar::Archive::new(HeaderGuard {
        inner: BufReader::with_capacity(READ_BUFFER, tar_stream),
        watch: Rc::clone(&watch),
    });
    let mut records = Vec::new();
    let parsed = read_entries(
        &mut archive,
        &watch,
        input.index,
        wants,
        max_file_bytes,
        &mut records,
    );

    // Drain and verify: first the uncompressed stream, then what is left of the blob. When the
    // tar itself was bad, a tampered blob is the likelier story: say so if the digest disagrees.
    let drained = match parsed {
        Ok(()) => archive
            .into_inner()
            .inner
            .into_inner()
            .finish()
            .map_err(classify),
        Err(e) => {
            if let Some(expected) = input.digest {
                let blob = archive
                    .into_inner()
                    .inner
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

/// Most a tar reader may consume between two entries beyond the previous entry's data: headers
/// plus the PAX records and GNU long names it buffers whole. Real ones are a few KiB (xattrs are
/// capped at 64 KiB each).
const MAX_HEADER_BYTES: u64 = 4 << 20;

/// The tar reader reads PAX records and GNU long names whole into memory before it hands over
/// the entry they describe, so a header claiming gigabytes would be buffered in full. The guard
/// watches what the reader consumes from the stream: while an entry is ours, its data is free;
/// once we are done with it, the rest of its stored data (and padding) is allowed for the
/// reader's skip, and anything past that, up to the next entry, counts against
/// [`MAX_HEADER_BYTES`]. The data is skipped as stored, never read through the entry: a sparse
/// entry can claim a terabyte of holes.
struct HeaderGuard<R> {
    inner: R,
    watch: Rc<HeaderWatch>,
}

#[derive(Default)]
struct HeaderWatch {
    /// An entry is ours: reads are its data.
    paused: Cell<bool>,
    /// Stored bytes of the current entry read while it was ours.
    data_read: Cell<u64>,
    /// Stored bytes of the previous entry the reader may still skip.
    allowance: Cell<u64>,
    /// Header bytes since the previous entry's data.
    header_bytes: Cell<u64>,
    tripped: Cell<bool>,
    /// The previous entry, for a cut-short message: its name and stored size.
    last: RefCell<(String, u64)>,
}

impl HeaderWatch {
    /// An entry was handed over: reads are its data until [`HeaderWatch::done_with`].
    fn pause(&self) {
        self.paused.set(true);
        self.data_read.set(0);
    }

    /// We are done with an entry that stores `stored` bytes: the reader may skip the rest of
    /// them, rounded up to the 512-byte block.
    fn done_with(&self, name: String, stored: u64) {
        let padded = stored.saturating_add(511) & !511;
        self.allowance
            .set(padded.saturating_sub(self.data_read.get()));
        self.header_bytes.set(0);
        self.paused.set(false);
        *self.last.borrow_mut() = (name, stored);
    }

    /// The tar reader wraps read errors in its own; say what actually happened.
    fn explain(&self, e: io::Error) -> LayerError {
        if self.tripped.get() {
            return LayerError::Invalid(format!(
                "a tar extension header (PAX record or GNU long name) is larger than {} MiB",
                MAX_HEADER_BYTES >> 20
            ));
        }
        // The stream ended while the reader was still skipping the previous entry's data.
        if self.allowance.get() > 0 && e.to_string().contains("unexpected EOF") {
            let (name, stored) = &*self.last.borrow();
            return LayerError::Invalid(format!(
                "entry `{name}` is cut short: it claims {stored} bytes, the stream ends before them"
            ));
        }
        classify(e)
    }
}

impl<R: Read> Read for HeaderGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let watch = &self.watch;
        if watch.paused.get() {
            let n = self.inner.read(buf)?;
            watch.data_read.set(watch.data_read.get() + n as u64);
            return Ok(n);
        }
        let allowance = watch.allowance.get();
        if allowance > 0 {
            let cap = buf
                .len()
                .min(usize::try_from(allowance).unwrap_or(usize::MAX));
            let n = self.inner.read(&mut buf[..cap])?;
            watch.allowance.set(allowance - n as u64);
            return Ok(n);
        }
        let left = MAX_HEADER_BYTES.saturating_sub(watch.header_bytes.get());
        if left == 0 {
            watch.tripped.set(true);
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "tar extension header too large",
            ));
        }
        // Never hand over more than the budget, so the check above sees every byte.
        let cap = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..cap])?;
        watch.header_bytes.set(watch.header_bytes.get() + n as u64);
        Ok(n)
    }
}

fn read_entries<R: Read>(
    archive: &mut tar::Archive<R>,
    watch: &HeaderWatch,
    layer: usize,
    wants: &WantSet,
    max_file_bytes: u64,
    records: &mut Vec<LayerRecord>,
) -> Result<(), LayerError> {
    for item in archive.entries().map_err(classify)? {
        watch.pause();
        let mut entry = item.map_err(|e| watch.explain(e))?;
        let record = entry_record(&mut entry, layer, wants, max_file_bytes)?;
        records.extend(record);
        // What the archive stores for the entry: its size, except that a sparse entry's size is
        // the file's with the holes, while the archive holds only the header's size field.
        let stored = if entry.header().entry_type().is_gnu_sparse() {
            entry.header().entry_size().map_err(classify)?
        } else {
            entry.size()
        };
        watch.done_with(clip(&escape_non_utf8(&entry.path_bytes())), stored);
    }
    Ok(())
}

/// One entry as a record, with its content read when a check wants it.
fn entry_record<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    layer: usize,
    wants: &WantSet,
    max_file_bytes: u64,
) -> Result<Option<LayerRecord>, LayerError> {
    let Some(record) = to_record(entry, layer).map_err(classify)? else {
        return Ok(None);
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
                entry.take(cap).read_to_end(&mut bytes).map_err(classify)?;
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
    Ok(Some(record))
}

/// Go's archive/tar (so Docker and containerd) refuses a PAX `size` record that is not a byte
/// count; the tar crate ignores it and trusts the header's size field. Two readings of one entry
/// are where content hides, and a layer the runtime cannot unpack must not pass as clean: refuse.
fn check_pax_size<R: Read>(entry: &mut tar::Entry<'_, R>) -> io::Result<()> {
    if entry.header().entry_type().is_pax_global_extensions() {
        return Ok(()); // its records describe the archive; reading them here would buffer them
    }
    let path = clip(&escape_non_utf8(&entry.path_bytes()));
    let Some(pax) = entry.pax_extensions()? else {
        return Ok(());
    };
    for ext in pax {
        let ext = ext?;
        if ext.key_bytes() == b"size" {
            let value = ext.value_bytes();
            let valid = !value.is_empty()
                && value.iter().all(u8::is_ascii_digit)
                && ext.value().is_ok_and(|v| v.parse::<u64>().is_ok());
            if !valid {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the PAX size record of `{path}` is not a byte count: `{}`",
                        clip(&escape_non_utf8(value))
                    ),
                ));
            }
        }
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
    check_pax_size(entry)?;
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
