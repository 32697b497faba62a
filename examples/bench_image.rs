//! Writes a synthetic OCI image layout for `scripts/bench.sh`: several gzip layers totalling
//! about SIZE_MIB of uncompressed tar, many files of mixed size and compressibility, streamed to
//! disk (never held in memory).
//!
//! Usage: cargo run --release --example bench_image -- DIR [SIZE_MIB] [LAYERS]

use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Counts and hashes bytes on their way to `inner`.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// xorshift64*: deterministic, fast, good enough to defeat compression where wanted.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// File contents that compress roughly like a distro's binaries and text (about 2.5-3x).
fn fill(rng: &mut Rng, buf: &mut Vec<u8>, len: usize) {
    const WORDS: &[&[u8]] = &[
        b"the ",
        b"libc.so.6 ",
        b"GLIBC_2.34 ",
        b"\x00\x00\x00\x00",
        b"error: ",
        b"/usr/lib/",
        b"\x48\x89\xe5",
        b"main ",
        b"config ",
        b"\xff\xff",
        b"return ",
        b"static ",
        b"0x7f ",
        b"\n",
    ];
    buf.clear();
    while buf.len() < len {
        let r = rng.next();
        if r % 4 == 0 {
            let n = (r >> 8) as usize % 24 + 1;
            for _ in 0..n {
                buf.push((rng.next() >> 24) as u8);
            }
        } else {
            buf.extend_from_slice(WORDS[(r >> 16) as usize % WORDS.len()]);
        }
    }
    buf.truncate(len);
}

struct Blob {
    digest: String,
    size: u64,
}

fn write_layer(dir: &Path, index: usize, target: u64, rng: &mut Rng) -> io::Result<(Blob, String)> {
    let tmp = dir.join(format!("layer-{index}.tmp"));
    let file = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
    let blob = HashingWriter {
        inner: file,
        hasher: Sha256::new(),
        bytes: 0,
    };
    let gz = GzEncoder::new(blob, flate2::Compression::default());
    let tar_side = HashingWriter {
        inner: gz,
        hasher: Sha256::new(),
        bytes: 0,
    };
    let mut tar = tar::Builder::new(tar_side);
    let mut buf = Vec::new();
    let mut n = 0u64;
    while tar.get_ref().bytes < target {
        let r = rng.next();
        // Mostly small files, some large ones: like a distro.
        let len = match r % 100 {
            0..=89 => (r >> 8) as usize % 16_384,
            90..=98 => (r >> 8) as usize % 262_144,
            _ => (r >> 8) as usize % 4_194_304,
        };
        fill(rng, &mut buf, len);
        let mut h = tar::Header::new_ustar();
        h.set_size(len as u64);
        h.set_mode(if r % 500 == 0 { 0o4755 } else { 0o644 });
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, format!("layer{index}/d{}/f{n}", n % 97), &buf[..])?;
        n += 1;
    }
    let tar_side = tar.into_inner()?;
    let diff_id = format!("sha256:{}", hex(&tar_side.hasher.finalize()));
    let mut blob = tar_side.inner.finish()?;
    blob.flush()?;
    let digest = hex(&blob.hasher.finalize());
    let size = blob.bytes;
    std::fs::rename(&tmp, dir.join("blobs/sha256").join(&digest))?;
    eprintln!("layer {index}: {n} files, {size} bytes gzip");
    Ok((Blob { digest, size }, diff_id))
}

fn write_blob(dir: &Path, bytes: &[u8]) -> io::Result<Blob> {
    let digest = hex(&Sha256::digest(bytes));
    std::fs::write(dir.join("blobs/sha256").join(&digest), bytes)?;
    Ok(Blob {
        digest,
        size: bytes.len() as u64,
    })
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: bench_image DIR [SIZE_MIB] [LAYERS]");
        std::process::exit(2);
    };
    let size_mib: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1024);
    let layers: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(6);
    let dir = Path::new(dir);
    std::fs::create_dir_all(dir.join("blobs/sha256"))?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let per_layer = (size_mib << 20) / layers as u64;
    let mut blobs = Vec::new();
    let mut diff_ids = Vec::new();
    for i in 0..layers {
        let (blob, diff_id) = write_layer(dir, i, per_layer, &mut rng)?;
        blobs.push(blob);
        diff_ids.push(diff_id);
    }
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": {"User": "10001"},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": (0..layers).map(|i| serde_json::json!({"created_by": format!("RUN make layer {i}")})).collect::<Vec<_>>(),
    });
    let config = write_blob(dir, &serde_json::to_vec(&config)?)?;
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{}", config.digest), "size": config.size},
        "layers": blobs.iter().map(|b| serde_json::json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": format!("sha256:{}", b.digest), "size": b.size,
        })).collect::<Vec<_>>(),
    });
    let manifest = write_blob(dir, &serde_json::to_vec(&manifest)?)?;
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": format!("sha256:{}", manifest.digest), "size": manifest.size,
        "annotations": {"org.opencontainers.image.ref.name": "bench"}}]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index)?)?;
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    // The layer blobs, one per line, for the floors in bench.sh.
    let list: String = blobs
        .iter()
        .map(|b| format!("{}\n", dir.join("blobs/sha256").join(&b.digest).display()))
        .collect();
    std::fs::write(dir.join("layers.txt"), list)?;
    Ok(())
}
