//! The whole image pass on one fuzzed layer (tar, whiteouts, gzip/zstd/plain by magic) and a
//! fuzzed history entry, wrapped in a docker-archive whose digests are right, so the input
//! reaches the layer reader and the checks rather than stopping at verification.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "scan_image.rs"]
mod scan_image;
use sha2::{Digest, Sha256};
use std::io::Read;

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The uncompressed tar the layer stands for (diff_id), bounded.
fn plain(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    if data.starts_with(&[0x1f, 0x8b]) {
        let _ = flate2::read::MultiGzDecoder::new(data)
            .take(8 << 20)
            .read_to_end(&mut out);
        out
    } else {
        data.to_vec()
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() > 1 << 20 || data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return; // zstd needs its own diff_id path; the gzip and plain readers are the target
    }
    let diff_id = hex(&Sha256::digest(plain(data)));
    let layer_hex = hex(&Sha256::digest(data));
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": {"User": "0", "Env": ["A=b"]},
        "rootfs": {"type": "layers", "diff_ids": [format!("sha256:{diff_id}")]},
        "history": [{"created_by": "RUN /bin/sh -c true # buildkit"}],
    });
    let config = serde_json::to_vec(&config).unwrap_or_default();
    let config_hex = hex(&Sha256::digest(&config));
    let manifest = serde_json::to_vec(&serde_json::json!([{
        "Config": format!("{config_hex}.json"),
        "RepoTags": ["fuzz:1"],
        "Layers": [format!("{layer_hex}/layer.tar")],
    }]))
    .unwrap_or_default();
    let mut archive = tar::Builder::new(Vec::new());
    for (name, bytes) in [
        ("manifest.json".to_string(), manifest.as_slice()),
        (format!("{config_hex}.json"), config.as_slice()),
        (format!("{layer_hex}/layer.tar"), data),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        let _ = archive.append_data(&mut h, name, bytes);
    }
    let Ok(bytes) = archive.into_inner() else {
        return;
    };
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("image.tar");
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    let reference = format!("docker-archive:{}", path.display());
    scan_image::scan_image(reference);
});
