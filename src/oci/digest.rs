//! Content digests (`sha256:<hex>`) and a reader that verifies one while streaming.

use sha2::{Digest as _, Sha256};
use std::fmt;
use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

/// A validated `sha256:<64 lowercase hex>` digest. Validation matters: the hex part becomes a
/// file name inside an OCI layout, so anything else could walk out of `blobs/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Digest(String);

impl Digest {
    pub fn parse(text: &str) -> Result<Digest, String> {
        let Some(hex) = text.strip_prefix("sha256:") else {
            return Err(match text.split_once(':') {
                Some((alg, _)) => {
                    format!("unsupported digest algorithm `{alg}` in `{}`", clip(text))
                }
                None => format!("`{}` is not a digest (expected sha256:<hex>)", clip(text)),
            });
        };
        if hex.len() != 64
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(format!("`{}` is not a valid sha256 digest", clip(text)));
        }
        Ok(Digest(text.to_string()))
    }

    pub fn of_bytes(bytes: &[u8]) -> Digest {
        Digest(format!("sha256:{}", hex(&Sha256::digest(bytes))))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hex part, safe to use as a file name.
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }

    /// `sha256:0123456789ab`, for messages.
    pub fn short(&self) -> &str {
        &self.0[..("sha256:".len() + 12)]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// At most 80 characters of `text`, for messages that quote input.
pub fn clip(text: &str) -> String {
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text.to_string()
    }
}

pub fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Where a [`HashingReader`] runs SHA-256: on the reading thread, or on a helper thread fed with
/// copies of the bytes. Hashing is a third of a layer's CPU time; when a core would otherwise sit
/// idle (at most half as many layers as cores), moving it off the inflating thread shortens the
/// pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hashing {
    Inline,
    Offloaded,
}

/// Counts and hashes every byte that passes through. The caller checks the result after the
/// stream is drained with [`HashingReader::finish`].
pub struct HashingReader<R> {
    inner: R,
    hasher: Hasher,
    bytes: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        Self::with(inner, Hashing::Inline)
    }

    pub fn with(inner: R, hashing: Hashing) -> Self {
        let hasher = match hashing {
            Hashing::Inline => Hasher::Inline(Sha256::new()),
            Hashing::Offloaded => Offload::start().map_or_else(
                // No thread to be had: hashing inline is slower, not wrong.
                |_| Hasher::Inline(Sha256::new()),
                |o| Hasher::Offloaded(Box::new(o)),
            ),
        };
        HashingReader {
            inner,
            hasher,
            bytes: 0,
        }
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Gives back the inner reader without draining or hashing further.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Drains what is left of the stream, then returns its digest, its length and the inner
    /// reader.
    pub fn finish(mut self) -> io::Result<(Digest, u64, R)> {
        io::copy(&mut self, &mut io::sink())?;
        let sum = self.hasher.finalize()?;
        Ok((
            Digest(format!("sha256:{}", hex(&sum))),
            self.bytes,
            self.inner,
        ))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n])?;
        self.bytes += n as u64;
        Ok(n)
    }
}

enum Hasher {
    Inline(Sha256),
    Offloaded(Box<Offload>),
}

impl Hasher {
    fn update(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Hasher::Inline(h) => {
                h.update(bytes);
                Ok(())
            }
            Hasher::Offloaded(o) => o.update(bytes),
        }
    }

    fn finalize(self) -> io::Result<[u8; 32]> {
        match self {
            Hasher::Inline(h) => Ok(h.finalize().into()),
            Hasher::Offloaded(o) => o.finalize(),
        }
    }
}

/// Bytes are copied into batches; full batches go to the hashing thread over a bounded channel
/// (so memory stays at a few batches however far the reader runs ahead) and come back empty to
/// be reused.
struct Offload {
    batch: Vec<u8>,
    full: Option<SyncSender<Vec<u8>>>,
    empty: Receiver<Vec<u8>>,
    worker: Option<JoinHandle<[u8; 32]>>,
}

const BATCH: usize = 256 * 1024;
const BATCHES_IN_FLIGHT: usize = 4;

impl Offload {
    fn start() -> io::Result<Offload> {
        let (full, full_rx) = sync_channel::<Vec<u8>>(BATCHES_IN_FLIGHT);
        let (empty_tx, empty) = channel::<Vec<u8>>();
        let worker = std::thread::Builder::new()
            .name("sha256".into())
            .spawn(move || {
                let mut hasher = Sha256::new();
                for mut batch in full_rx {
                    hasher.update(&batch);
                    batch.clear();
                    // The reader may be gone already; the batch is then simply freed.
                    let _ = empty_tx.send(batch);
                }
                hasher.finalize().into()
            })?;
        Ok(Offload {
            batch: Vec::with_capacity(BATCH),
            full: Some(full),
            empty,
            worker: Some(worker),
        })
    }

    fn update(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let room = BATCH - self.batch.len();
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            self.batch.extend_from_slice(now);
            bytes = rest;
            if self.batch.len() == BATCH {
                self.send()?;
            }
        }
        Ok(())
    }

    fn send(&mut self) -> io::Result<()> {
        let next = self
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH));
        let batch = std::mem::replace(&mut self.batch, next);
        match &self.full {
            Some(full) if full.send(batch).is_ok() => Ok(()),
            _ => Err(stopped()),
        }
    }

    fn finalize(mut self) -> io::Result<[u8; 32]> {
        if !self.batch.is_empty() {
            self.send()?;
        }
        self.full = None; // closes the channel: the worker hashes what is queued and returns
        match self.worker.take().map(JoinHandle::join) {
            Some(Ok(sum)) => Ok(sum),
            _ => Err(stopped()),
        }
    }
}

fn stopped() -> io::Error {
    io::Error::other("the hashing thread stopped")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_malformed_digests() {
        assert!(Digest::parse("sha256:../../etc/passwd").is_err());
        assert!(
            Digest::parse("md5:abc")
                .unwrap_err()
                .contains("unsupported digest algorithm")
        );
        assert!(Digest::parse(&format!("sha256:{}", "A".repeat(64))).is_err());
        assert!(Digest::parse(&format!("sha256:{}", "a".repeat(64))).is_ok());
    }

    #[test]
    fn hashing_reader_matches_one_shot_digest() {
        let data = b"hello layers".repeat(1000);
        let r = HashingReader::new(&data[..]);
        let (d, n, _) = r.finish().unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(d, Digest::of_bytes(&data));
    }

    #[test]
    fn offloaded_hashing_matches_inline_across_batch_edges() {
        // Odd read sizes and a length that is not a whole number of batches.
        let data: Vec<u8> = (0..(3 * BATCH + 12_345))
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        for chunk in [1usize, 511, 4096, BATCH - 1, BATCH + 7] {
            let mut r = HashingReader::with(&data[..], Hashing::Offloaded);
            let mut buf = vec![0u8; chunk];
            let mut seen = 0;
            loop {
                let n = r.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                seen += n;
                if seen > data.len() / 2 {
                    break; // leave the rest for finish() to drain
                }
            }
            let (d, n, _) = r.finish().unwrap();
            assert_eq!(n, data.len() as u64, "chunk {chunk}");
            assert_eq!(d, Digest::of_bytes(&data), "chunk {chunk}");
        }
        let (empty, n, _) = HashingReader::with(&b""[..], Hashing::Offloaded)
            .finish()
            .unwrap();
        assert_eq!((empty, n), (Digest::of_bytes(b""), 0));
    }
}
