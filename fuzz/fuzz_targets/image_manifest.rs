//! OCI index, manifest and config JSON, read through an OCI layout the way a real image is.
//!
//! The input is three documents separated by lines holding `---`: the index, the manifest and
//! the config. Placeholders are replaced by the real digest and size of what they name, so a
//! fuzzed document still reaches the parsers behind digest verification: `@MANIFEST`/`@MSIZE`
//! (the manifest blob), `@CONFIG`/`@CSIZE` (the config blob), `@LAYER`/`@LSIZE`/`@DIFF` (a small
//! fixed gzip layer). Seeds live in fuzz/seeds/image_manifest/.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "scan_image.rs"]
mod scan_image;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

fn digest(bytes: &[u8]) -> String {
    let sum = Sha256::digest(bytes);
    format!(
        "sha256:{}",
        sum.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// A one-file layer: its gzip blob and its uncompressed tar.
fn layer() -> (Vec<u8>, Vec<u8>) {
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_ustar();
    h.set_size(5);
    h.set_mode(0o4755);
    h.set_cksum();
    let _ = tar.append_data(&mut h, "usr/bin/tool", &b"hello"[..]);
    let plain = tar.into_inner().unwrap_or_default();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = gz.write_all(&plain);
    (gz.finish().unwrap_or_default(), plain)
}

fn write_blob(dir: &Path, bytes: &[u8]) -> Option<String> {
    let d = digest(bytes);
    std::fs::write(dir.join("blobs/sha256").join(&d["sha256:".len()..]), bytes).ok()?;
    Some(d)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut docs = text.splitn(3, "\n---\n");
    let (Some(index), Some(manifest), Some(config)) = (docs.next(), docs.next(), docs.next())
    else {
        return;
    };
    let Ok(dir) = tempfile::tempdir() else { return };
    if std::fs::create_dir_all(dir.path().join("blobs/sha256")).is_err() {
        return;
    }
    let (blob, plain) = layer();
    let Some(layer) = write_blob(dir.path(), &blob) else {
        return;
    };
    let config = config
        .replace("@DIFF", &digest(&plain))
        .replace("@LAYER", &layer);
    let Some(config_digest) = write_blob(dir.path(), config.as_bytes()) else {
        return;
    };
    let manifest = manifest
        .replace("@CONFIG", &config_digest)
        .replace("@CSIZE", &config.len().to_string())
        .replace("@LAYER", &layer)
        .replace("@LSIZE", &blob.len().to_string());
    let Some(manifest_digest) = write_blob(dir.path(), manifest.as_bytes()) else {
        return;
    };
    let index = index
        .replace("@MANIFEST", &manifest_digest)
        .replace("@MSIZE", &manifest.len().to_string());
    let layout = br#"{"imageLayoutVersion": "1.0.0"}"#;
    if std::fs::write(dir.path().join("oci-layout"), layout).is_err()
        || std::fs::write(dir.path().join("index.json"), index).is_err()
    {
        return;
    }

    let reference = format!("oci:{}", dir.path().display());
    scan_image::scan_image(reference);
});
