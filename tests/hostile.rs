//! Hostile input is normal input: each case gives a clear one-line error (exit 2) or a correct
//! report, never a panic. (Issue "Prove it" extends this into the full corpus.)

use crate::support::imagegen::{self, Format, raw_tar};
use crate::support::{Run, empty_config, stevedore, stevedore_measured};
use serde_json::json;
use std::path::Path;
use tar::EntryType::{Directory, Link, Regular, Symlink};

fn scan(reference: &str, extra: &[&str]) -> Run {
    scan_within(reference, extra, 64 * 1024)
}

/// [`scan`] with its own peak-RSS bound in KiB.
fn scan_within(reference: &str, extra: &[&str], max_kib: u64) -> Run {
    crate::support::scan_image_bounded(reference, extra, max_kib)
}

/// Every hostile case runs in bounded memory (64 MiB unless a case says otherwise) and time
/// (debug build; the bombs, which need more time, have their own bounds).
fn assert_bounded(what: &str, kib: Option<u64>, max_kib: u64, elapsed: std::time::Duration) {
    if let Some(kib) = kib {
        assert!(kib < max_kib, "{what}: peak RSS {kib} KiB");
    }
    assert!(
        elapsed < std::time::Duration::from_secs(60),
        "{what}: {elapsed:?}"
    );
}

fn write(built: &imagegen::Built, format: Format, dir: &Path) -> String {
    format.reference(&imagegen::write(built, format, dir, "hostile"))
}

fn paths(run: &Run) -> Vec<String> {
    let r = run.json();
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["location"]["path"].as_str().map(String::from))
        .collect()
}

fn assert_error(run: &Run, needle: &str) {
    assert_eq!(
        run.code, 2,
        "expected an input error, got {}: {}{}",
        run.code, run.stdout, run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    assert!(
        run.stderr.contains(needle),
        "`{needle}` not in: {}",
        run.stderr
    );
}

#[test]
fn escaping_names_stay_inside_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let layer = raw_tar(&[
        (b"../../../../tmp/evil", Regular, 0o4755, b"x", None),
        (b"/abs/suid", Regular, 0o4755, b"x", None),
        (b"./a/../../b/suid", Regular, 0o4755, b"x", None),
        (
            b"link-out",
            Symlink,
            0o777,
            b"",
            Some(b"../../../../etc/shadow"),
        ),
        (b"hard-out", Link, 0o4755, b"", Some(b"../../../etc/shadow")),
    ]);
    let built = imagegen::from_layers(vec![layer], json!({"User": "1000"}));
    for format in [Format::DockerArchive, Format::OciDirGzip] {
        let run = scan(&write(&built, format, dir.path()), &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut got = paths(&run);
        got.sort();
        assert_eq!(got, vec!["/abs/suid", "/b/suid", "/hard-out", "/tmp/evil"]);
    }
    assert!(!Path::new("/tmp/evil").exists());
}

#[test]
fn loops_dangling_links_duplicates_and_odd_names_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    let long_name = format!("{}/suid", "d".repeat(300));
    let layer = raw_tar(&[
        (b"loop-a", Symlink, 0o777, b"", Some(b"loop-b")),
        (b"loop-b", Symlink, 0o777, b"", Some(b"loop-a")),
        (b"etc/passwd", Symlink, 0o777, b"", Some(b"/loop-a")),
        (b"dangling", Link, 0o644, b"", Some(b"no/such/file")),
        (b"dup", Regular, 0o4755, b"first", None),
        (b"dup", Regular, 0o0755, b"second", None),
        (b"bad\xff\xfename", Regular, 0o4755, b"x", None),
        (long_name.as_bytes(), Regular, 0o2755, b"x", None),
    ]);
    let built = imagegen::from_layers(vec![layer], json!({"User": "app"}));
    let run = scan(&write(&built, Format::OciArchive, dir.path()), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut got = paths(&run);
    got.sort();
    assert_eq!(
        got,
        vec!["/bad\\xff\\xfename".to_string(), format!("/{long_name}")],
        "the later dup wins"
    );
    let report = run.json();
    assert_eq!(
        report["target"]["shadowed_files"], 1,
        "the first dup is shadowed"
    );
}

#[test]
fn file_replaced_by_directory_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let l0 = raw_tar(&[(b"x", Regular, 0o4755, b"file", None)]);
    let l1 = raw_tar(&[
        (b"x/", Directory, 0o755, b"", None),
        (b"x/inner", Regular, 0o4755, b"i", None),
    ]);
    let l2 = raw_tar(&[(b"x", Regular, 0o644, b"file again", None)]);
    let built = imagegen::from_layers(vec![l0, l1, l2], json!({}));
    let run = scan(&write(&built, Format::OciDirZstd, dir.path()), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        paths(&run).iter().all(|p| p != "/x" && p != "/x/inner"),
        "{:?}",
        paths(&run)
    );
    assert_eq!(run.json()["target"]["shadowed_files"], 2);
}

#[test]
fn wrong_diff_id_is_an_error_naming_the_layer() {
    let dir = tempfile::tempdir().unwrap();
    let mut built = imagegen::from_layers(
        vec![raw_tar(&[(b"a", Regular, 0o644, b"a", None)])],
        json!({}),
    );
    let mut cfg: serde_json::Value = serde_json::from_slice(&built.config).unwrap();
    cfg["rootfs"]["diff_ids"][0] = json!(format!("sha256:{}", "0".repeat(64)));
    built.config = serde_json::to_vec(&cfg).unwrap();
    for format in [Format::DockerArchive, Format::OciDirGzip] {
        let run = scan(&write(&built, format, dir.path()), &[]);
        assert_error(&run, "layer 0");
        assert!(run.stderr.contains("diff_id mismatch"), "{}", run.stderr);
    }
}

#[test]
fn tampered_blob_is_an_error_naming_the_blob() {
    let dir = tempfile::tempdir().unwrap();
    let built = imagegen::from_layers(
        vec![raw_tar(&[(b"a", Regular, 0o644, b"a", None)])],
        json!({}),
    );
    let reference = write(&built, Format::OciDirPlain, dir.path());
    let layout = dir.path().join(Format::OciDirPlain.file_name("hostile"));
    // Swap the layer blob's bytes for other bytes of the same length.
    let layer_hex = imagegen::sha256_hex(&built.layers[0]);
    let blob = layout.join("blobs/sha256").join(&layer_hex);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[0] ^= 0x01;
    std::fs::write(&blob, bytes).unwrap();
    let run = scan(&reference, &[]);
    assert_error(&run, &format!("layer 0 (sha256:{layer_hex})"));
    assert!(run.stderr.contains("digest mismatch"), "{}", run.stderr);
    // A config that does not hash to its descriptor.
    let cfg_hex = imagegen::sha256_hex(&built.config);
    std::fs::write(layout.join("blobs/sha256").join(&cfg_hex), b"{}").unwrap();
    assert_error(&scan(&reference, &[]), "config");
    // A missing blob.
    std::fs::remove_file(layout.join("blobs/sha256").join(&cfg_hex)).unwrap();
    assert_error(&scan(&reference, &[]), "is missing");
}

#[test]
fn truncated_gzip_layer_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let layer = raw_tar(&[(b"big", Regular, 0o644, &vec![7u8; 200_000], None)]);
    let built = imagegen::from_layers(vec![layer], json!({}));
    let reference = write(&built, Format::OciDirGzip, dir.path());
    let layout = dir.path().join(Format::OciDirGzip.file_name("hostile"));
    let blob = std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| std::fs::read(p).unwrap().starts_with(&[0x1f, 0x8b]))
        .unwrap();
    let bytes = std::fs::read(&blob).unwrap();
    std::fs::write(&blob, &bytes[..bytes.len() / 2]).unwrap();
    assert_error(&scan(&reference, &[]), "layer 0");
}

#[test]
fn truncated_archive_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let built = imagegen::build(&imagegen::load(&crate::support::fixture(
        "images/demo.yaml",
    )));
    let path = imagegen::write(&built, Format::DockerArchive, dir.path(), "cut");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let run = scan(&format!("docker-archive:{}", path.display()), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&path.display().to_string()),
        "{}",
        run.stderr
    );
}

#[test]
fn decompression_is_bounded_by_the_image_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    // 8 MiB of zeros compresses to a few KiB: a small bomb against a 1 MiB limit.
    let layer = raw_tar(&[(b"zeros", Regular, 0o644, &vec![0u8; 8 << 20], None)]);
    let built = imagegen::from_layers(vec![layer], json!({}));
    for format in [
        Format::OciDirGzip,
        Format::OciDirZstd,
        Format::DockerArchiveGz,
    ] {
        let run = scan(
            &write(&built, format, dir.path()),
            &["--max-image-size", "1MiB"],
        );
        assert_error(&run, "--max-image-size");
    }
}

#[test]
fn layer_count_and_json_size_limits() {
    let dir = tempfile::tempdir().unwrap();
    let layers: Vec<Vec<u8>> = (0..5)
        .map(|i| raw_tar(&[(format!("f{i}").as_bytes(), Regular, 0o644, b"x", None)]))
        .collect();
    let built = imagegen::from_layers(layers, json!({}));
    let reference = write(&built, Format::OciDirGzip, dir.path());
    assert_error(&scan(&reference, &["--max-layers", "4"]), "--max-layers");
    assert_error(
        &scan(&reference, &["--max-json-size", "100"]),
        "--max-json-size",
    );
    assert_eq!(scan(&reference, &[]).code, 0);
}

#[test]
fn self_referencing_index_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("loop");
    std::fs::create_dir_all(layout.join("blobs/sha256")).unwrap();
    std::fs::write(
        layout.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    // An index blob that lists itself cannot exist (its digest would have to contain itself),
    // so the loop is two indexes naming each other through a fixed point of nesting: emulate it
    // with an index chain deeper than any real image.
    let mut child = json!({"schemaVersion": 2, "manifests": []});
    let mut top = None;
    for _ in 0..12 {
        let bytes = serde_json::to_vec(&child).unwrap();
        let hex = imagegen::sha256_hex(&bytes);
        std::fs::write(layout.join("blobs/sha256").join(&hex), &bytes).unwrap();
        let desc = json!({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": format!("sha256:{hex}"), "size": bytes.len()});
        child = json!({"schemaVersion": 2, "manifests": [desc.clone()]});
        top = Some(desc);
    }
    let index = json!({"schemaVersion": 2, "manifests": [top.unwrap()]});
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    assert_error(
        &scan(&format!("oci:{}", layout.display()), &[]),
        "nest deeper",
    );
}

#[test]
fn broken_json_everywhere_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("broken");
    std::fs::create_dir_all(&layout).unwrap();
    std::fs::write(layout.join("oci-layout"), b"{}").unwrap();
    std::fs::write(
        layout.join("index.json"),
        b"{\"schemaVersion\": 2, \"manifests\": [",
    )
    .unwrap();
    assert_error(
        &scan(&format!("oci:{}", layout.display()), &[]),
        "index.json: invalid JSON",
    );
    let tar = dir.path().join("broken.tar");
    std::fs::write(
        &tar,
        imagegen::archive(&[("manifest.json".into(), b"[{\"Config\": 12}]".to_vec())]),
    )
    .unwrap();
    assert_error(
        &scan(tar.to_str().unwrap(), &[]),
        "manifest.json: invalid JSON",
    );
    let junk = dir.path().join("junk.tar");
    std::fs::write(&junk, b"this is not a tar archive at all, not even close").unwrap();
    assert_eq!(scan(junk.to_str().unwrap(), &[]).code, 2);
}

#[test]
fn hostile_digests_cannot_leave_the_layout() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("evil");
    std::fs::create_dir_all(&layout).unwrap();
    std::fs::write(layout.join("oci-layout"), b"{}").unwrap();
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:../../../../etc/passwd", "size": 10}]});
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    assert_eq!(scan(&format!("oci:{}", layout.display()), &[]).code, 2);
}

/// A header whose size field claims far more than the stream holds (octal maximum, base-256
/// huge, base-256 negative): the read ends in an error naming the layer, never an allocation of
/// the claimed size.
#[test]
fn huge_and_negative_sizes_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let variants: [&[u8]; 3] = [
        b"77777777777\0",
        &[
            0x80, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ],
        &[
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
        ],
    ];
    for size_field in variants {
        let mut layer = raw_tar(&[(b"victim", Regular, 0o644, b"abc", None)]);
        layer[124..136].copy_from_slice(size_field);
        let mut h = tar::Header::new_old();
        h.as_mut_bytes().copy_from_slice(&layer[..512]);
        h.set_cksum();
        layer[..512].copy_from_slice(h.as_bytes());
        let built = imagegen::from_layers(vec![layer], json!({}));
        let run = scan(&write(&built, Format::OciDirGzip, dir.path()), &[]);
        assert_error(&run, "layer 0");
    }
    // The same sizes in a PAX `size` record, which overrides the header's size field.
    for size in [
        "99999999999999999999999999",
        "1099511627776",
        "-5",
        "0x10",
        "",
    ] {
        let records = pax_record("size", size);
        let layer = raw_tar(&[
            (
                b"PaxHeaders/victim",
                tar::EntryType::XHeader,
                0o644,
                &records,
                None,
            ),
            (b"victim", Regular, 0o644, b"abc", None),
        ]);
        let built = imagegen::from_layers(vec![layer], json!({}));
        let run = scan(&write(&built, Format::OciDirGzip, dir.path()), &[]);
        eprintln!("PAX size {size:?}: {}", run.stderr.trim());
        assert_error(&run, "layer 0");
    }
}

/// One PAX record: `<length> <key>=<value>\n`, the length counting itself.
pub(crate) fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while len.to_string().len() + body.len() != len {
        len = len.to_string().len() + body.len();
    }
    format!("{len}{body}").into_bytes()
}

/// Legitimate PAX records (a long path, an xattr) are read as before: the extension guard only
/// refuses oversized ones.
#[test]
fn ordinary_pax_records_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("opt/{}/tool", "d".repeat(300));
    let mut records = pax_record("path", &long);
    records.extend(pax_record("SCHILY.xattr.user.note", &"n".repeat(60_000)));
    let layer = raw_tar(&[
        (
            b"PaxHeaders/x",
            tar::EntryType::XHeader,
            0o644,
            &records,
            None,
        ),
        (b"short-name", Regular, 0o4755, b"#!/bin/sh\n", None),
    ]);
    let built = imagegen::from_layers(vec![layer], json!({"User": "1000"}));
    let run = scan(&write(&built, Format::OciDirGzip, dir.path()), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let setuid: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "FS001")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        setuid.iter().any(|m| m.contains(&format!("/{long}"))),
        "{setuid:?}"
    );
}

/// Nothing is written outside a private temp dir: a compressed archive is spooled into an
/// unlinked temp file, so after a scan the temp dir and the working directory are unchanged.
#[test]
fn scans_leave_no_files_behind() {
    let work = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let built = imagegen::build(&imagegen::load(&crate::support::fixture(
        "images/fs-smells.yaml",
    )));
    let mut references = Vec::new();
    for format in [
        Format::DockerArchiveGz,
        Format::OciArchive,
        Format::OciDirZstd,
    ] {
        references.push(format.reference(&imagegen::write(&built, format, work.path(), "img")));
    }
    let before: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for reference in &references {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_stevedore"))
            .args([
                "image",
                reference,
                "--fail-on",
                "none",
                "--config",
                &empty_config(),
            ])
            .current_dir(work.path())
            .env("TMPDIR", tmp.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let after: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before, after, "the working directory is untouched");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "no temp file survives"
    );
}

/// A symlink chain 10,000 deep ending at a setuid file, whiteouts of `..` and of the root, an
/// opaque marker at the top, and a 64 KiB name: a correct report, quickly.
#[test]
fn deep_chains_whiteout_tricks_and_huge_names() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..10_000).map(|i| format!("c/{i}")).collect();
    let targets: Vec<String> = (1..=10_000)
        .map(|i| {
            if i == 10_000 {
                "/bin/real".to_string()
            } else {
                format!("/c/{i}")
            }
        })
        .collect();
    let mut l0: Vec<imagegen::RawEntry> = vec![
        (b"bin/real", Regular, 0o4755, b"x", None),
        (b"etc/passwd", Symlink, 0o777, b"", Some(b"/c/0")),
        (b"keep/file", Regular, 0o2755, b"x", None),
    ];
    for (n, t) in names.iter().zip(&targets) {
        l0.push((n.as_bytes(), Symlink, 0o777, b"", Some(t.as_bytes())));
    }
    let huge = format!("{}/s", "n".repeat(64 * 1024));
    let l1 = raw_tar(&[
        (b".wh...", Regular, 0o644, b"", None),
        (b".wh.", Regular, 0o644, b"", None),
        (b"keep/.wh...", Regular, 0o644, b"", None),
        (huge.as_bytes(), Regular, 0o4755, b"x", None),
    ]);
    let l2 = raw_tar(&[(b".wh..wh..opq", Regular, 0o644, b"", None)]);
    let lower = raw_tar(&l0);
    let started = std::time::Instant::now();
    // Whiteouts of `..` and of the root name nothing inside the image: nothing is hidden.
    let built = imagegen::from_layers(vec![lower.clone(), l1.clone()], json!({"User": "1000"}));
    for format in [
        Format::DockerArchive,
        Format::OciDirGzip,
        Format::OciArchive,
    ] {
        let run = scan(&write(&built, format, dir.path()), &[]);
        assert_eq!(run.code, 0, "{format:?}: {}", run.stderr);
        let got = paths(&run);
        assert!(got.iter().any(|p| p == "/bin/real"), "{got:?}");
        assert!(got.iter().any(|p| p == "/keep/file"), "{got:?}");
        assert!(got.iter().any(|p| p.len() > 64 * 1024), "the huge name");
    }
    // An opaque marker at the top empties the final view: no setuid file is reachable, and
    // every lower entry is counted as shadowed (it still ships).
    let built = imagegen::from_layers(vec![lower, l1, l2], json!({"User": "1000"}));
    let run = scan(&write(&built, Format::OciDirGzip, dir.path()), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(paths(&run), Vec::<String>::new());
    let shadowed = run.json()["target"]["shadowed_files"].as_u64().unwrap();
    assert!(shadowed >= 10_000, "{shadowed}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

/// A manifest naming a blob that is not there: an error naming the blob.
#[test]
fn missing_blob_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let built = imagegen::from_layers(
        vec![raw_tar(&[(b"a", Regular, 0o644, b"a", None)])],
        json!({}),
    );
    let reference = write(&built, Format::OciDirPlain, dir.path());
    let layout = dir.path().join("hostile.oci-plain");
    let layer = imagegen::sha256_hex(&built.layers[0]);
    let blob = layout.join("blobs/sha256").join(&layer);
    assert!(blob.exists(), "{}", blob.display());
    std::fs::remove_file(&blob).unwrap();
    assert_error(&scan(&reference, &[]), &layer[..12]);
}

/// 10,000 layers: refused by the default limit with a clear error, scanned when allowed.
#[test]
fn ten_thousand_layers() {
    let dir = tempfile::tempdir().unwrap();
    let layers: Vec<Vec<u8>> = (0..10_000)
        .map(|i| raw_tar(&[(format!("l/{i}").as_bytes(), Regular, 0o644, b"", None)]))
        .collect();
    let built = imagegen::from_layers(layers, json!({"User": "1000"}));
    let reference = write(&built, Format::OciDirPlain, dir.path());
    assert_error(&scan(&reference, &[]), "layers");
    let started = std::time::Instant::now();
    // The model and the JSON report grow with the layer count (release: about 58 MB with JSON,
    // 28 MB with text for 10,000 layers).
    let run = scan_within(&reference, &["--max-layers", "10000"], 128 * 1024);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json()["target"]["layers"].as_array().unwrap().len(),
        10_000
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

/// Broken and hostile files of every configuration kind: one line naming the file and the
/// problem, exit 2, the other files still reported. YAML alias bombs are refused, not expanded.
#[test]
fn broken_configuration_files_of_every_kind() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from(
        "x-a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(",");
        bomb.push_str(&format!("x-a{i}: &a{i} [{refs}]\n"));
    }
    let cases: [(&str, String, &str); 9] = [
        (
            "daemon.json",
            format!("{{\"a\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000)),
            "nesting depth",
        ),
        (
            "daemon.json",
            "{\"hosts\": [\"tcp://0.0.0.0:2375\"".into(),
            "invalid JSON",
        ),
        (
            "seccomp.json",
            "{\"defaultAction\": 7, \"syscalls\": {}}".into(),
            "defaultAction must be a string",
        ),
        (
            "profile.json",
            "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [{\"names\": 5}]}".into(),
            "line 2: names must be a list",
        ),
        (
            "compose.yaml",
            "services:\n  app: [\n".into(),
            "invalid YAML",
        ),
        (
            "compose.yaml",
            format!("{bomb}services:\n  app:\n    image: busybox\n    command: *a9\n"),
            "billion-laughs",
        ),
        (
            "pod.yaml",
            format!(
                "{bomb}apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - {{name: c, image: busybox, args: *a9}}\n"
            ),
            "billion-laughs",
        ),
        (
            "deploy.yaml",
            "apiVersion: v1\nkind: Pod\n\tspec: {}\n".into(),
            "invalid YAML",
        ),
        (
            "Dockerfile",
            "RUN echo no base\n".into(),
            "no FROM instruction",
        ),
    ];
    for (i, (name, text, needle)) in cases.iter().enumerate() {
        let case = dir.path().join(format!("case{i}"));
        std::fs::create_dir_all(&case).unwrap();
        std::fs::write(case.join(name), text).unwrap();
        // A good neighbour, still reported.
        std::fs::write(
            case.join("other-compose.yaml"),
            "services:\n  ok:\n    image: busybox:1.36\n    privileged: true\n",
        )
        .unwrap();
        let started = std::time::Instant::now();
        let (run, kib, elapsed) = stevedore_measured(&[
            "config",
            case.to_str().unwrap(),
            "-f",
            "json",
            "--config",
            &empty_config(),
        ]);
        assert_bounded(name, kib, 64 * 1024, elapsed);
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
        assert_eq!(run.code, 2, "{name}: {}{}", run.stdout, run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains(name) && run.stderr.contains(needle),
            "{name}: `{needle}` not in {}",
            run.stderr
        );
        let report = run.json();
        assert!(
            report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule_id"] == "CTR001"),
            "{name}: the neighbour is still linted"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{name}"
        );
    }
}

/// YAML that breaks the parser and says nothing of being a compose file or a manifest (100,000
/// nested sequences): skipped with the parser's reason shown and counted, in bounded memory; the
/// neighbour is still linted.
#[test]
fn unparseable_yaml_that_is_no_configuration_is_skipped_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("weird.yml"),
        format!("{}a: 1\n", "- ".repeat(100_000)),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("other-compose.yaml"),
        "services:\n  ok:\n    image: busybox:1.36\n    privileged: true\n",
    )
    .unwrap();
    let run = stevedore(&[
        "config",
        dir.path().to_str().unwrap(),
        "-f",
        "json",
        "--config",
        &empty_config(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let skipped = report["target"]["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0]["path"].as_str().unwrap().ends_with("weird.yml"));
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .contains("does not parse"),
        "{skipped:?}"
    );
}

/// Writes through to `inner` while hashing what passes.
struct Hashing<W> {
    inner: W,
    hash: sha2::Sha256,
}

impl<W: std::io::Write> std::io::Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// An OCI layout whose one layer is a tar holding `size` zero bytes, compressed by `kind`
/// (`gzip` or `zstd`) and streamed to disk: a decompression bomb, with correct digests.
fn bomb_layout(dir: &Path, kind: &str, size: u64) -> String {
    bomb_layout_as(dir, kind, size, tar::EntryType::Regular)
}

/// Like [`bomb_layout`], with the zeros carried by an entry of type `entry`: a PAX extended
/// header (`x`) or a GNU long name (`L`) claiming gigabytes makes a tar reader that buffers
/// extension records whole allocate that much.
pub(crate) fn bomb_layout_as(dir: &Path, kind: &str, size: u64, entry: tar::EntryType) -> String {
    use sha2::Digest;
    use std::io::Write;
    let layout = dir.join(format!("bomb-{kind}-{}", entry.as_byte() as char));
    let blobs = layout.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let tmp = blobs.join("partial");
    let file = Hashing {
        inner: std::io::BufWriter::new(std::fs::File::create(&tmp).unwrap()),
        hash: sha2::Sha256::new(),
    };
    let (file, diff_id) = {
        let mut enc: Box<dyn Write> = match kind {
            "gzip" => Box::new(flate2::write::GzEncoder::new(
                file,
                flate2::Compression::best(),
            )),
            _ => Box::new(zstd::Encoder::new(file, 19).unwrap().auto_finish()),
        };
        // The tar stream is hashed (diff_id) before compression.
        let mut plain = Hashing {
            inner: &mut enc,
            hash: sha2::Sha256::new(),
        };
        let mut h = tar::Header::new_gnu();
        h.set_path("zeros").unwrap();
        h.set_entry_type(entry);
        h.set_size(size);
        h.set_mode(0o644);
        h.set_cksum();
        plain.write_all(h.as_bytes()).unwrap();
        let zeros = vec![0u8; 1 << 20];
        let mut left = size;
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            plain.write_all(&zeros[..n]).unwrap();
            left -= n as u64;
        }
        let pad = ((512 - size % 512) % 512) as usize;
        plain.write_all(&vec![0u8; pad]).unwrap();
        if entry != tar::EntryType::Regular {
            // The entry the extension applies to.
            let mut h = tar::Header::new_gnu();
            h.set_path("after").unwrap();
            h.set_size(0);
            h.set_mode(0o644);
            h.set_cksum();
            plain.write_all(h.as_bytes()).unwrap();
        }
        plain.write_all(&[0u8; 1024]).unwrap();
        let diff_id = hex(&plain.hash.finalize());
        drop(enc);
        (tmp.clone(), diff_id)
    };
    let bytes = std::fs::read(&file).unwrap();
    let digest = hex(&sha2::Sha256::digest(&bytes));
    std::fs::rename(&file, blobs.join(&digest)).unwrap();
    let config = serde_json::to_vec(&json!({
        "architecture": std::env::consts::ARCH.replace("x86_64", "amd64").replace("aarch64", "arm64"),
        "os": "linux",
        "config": {"User": "1000"},
        "rootfs": {"type": "layers", "diff_ids": [format!("sha256:{diff_id}")]},
    }))
    .unwrap();
    let config = imagegen::put_blob(&layout, &config);
    let media = format!("application/vnd.oci.image.layer.v1.tar+{kind}");
    let layer =
        json!({"mediaType": media, "digest": format!("sha256:{digest}"), "size": bytes.len()});
    imagegen::finish_layout(&layout, config, vec![layer])
}

/// Whether GNU time is there to measure peak RSS: scripts/test.sh installs it; a bare `cargo
/// test` may lack it, and then the measured tests skip with a message.
fn gnu_time() -> bool {
    if Path::new("/usr/bin/time").exists() {
        return true;
    }
    assert!(
        !crate::support::services_required(),
        "scripts/test.sh installs GNU time"
    );
    eprintln!("SKIPPED: /usr/bin/time not found");
    false
}

/// One stevedore run under GNU time: the run, peak RSS in KiB, wall time. Callers check
/// [`gnu_time`] first.
fn scan_measured(args: &[&str]) -> (Run, u64, std::time::Duration) {
    let (run, kib, elapsed) = stevedore_measured(args);
    (
        run,
        kib.expect("GNU time (scripts/test.sh installs it)"),
        elapsed,
    )
}

/// Decompression bombs scanned in full: a gzip layer of ~10 MiB that inflates to 10 GiB (deflate
/// tops out near 1000:1) and a zstd layer of a few hundred KiB that inflates to 10 GiB. Each is a
/// correct report in bounded memory and time; with a size limit, a one-line error.
#[test]
#[ignore = "needs GNU time (/usr/bin/time), which ./scripts/test.sh installs"]
fn decompression_bombs_stream_in_bounded_memory() {
    if !gnu_time() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (kind, size) in [("gzip", 10u64 << 30), ("zstd", 10u64 << 30)] {
        let reference = bomb_layout(dir.path(), kind, size);
        let blob_bytes: u64 =
            std::fs::read_dir(dir.path().join(format!("bomb-{kind}-0/blobs/sha256")))
                .unwrap()
                .map(|e| e.unwrap().metadata().unwrap().len())
                .max()
                .unwrap();
        assert!(
            size / blob_bytes >= 900,
            "{kind}: ratio {}",
            size / blob_bytes
        );
        let cfg = empty_config();
        let (out, kib, elapsed) = scan_measured(&[
            "image",
            &reference,
            "-f",
            "json",
            "--fail-on",
            "none",
            "--config",
            &cfg,
        ]);
        let stderr = out.stderr.clone();
        assert!(out.code == 0, "{kind}: {stderr}");
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(
            report["target"]["layers"][0]["uncompressed_size"]
                .as_u64()
                .map(|s| s >= size),
            Some(true),
            "{kind}: {report:#}"
        );
        assert!(kib < 96 * 1024, "{kind}: peak RSS {kib} KiB");
        assert!(
            elapsed < std::time::Duration::from_secs(180),
            "{kind}: {elapsed:?}"
        );
        eprintln!("{kind} bomb: {size} bytes from {blob_bytes}, {elapsed:?}, peak RSS {kib} KiB");

        let (out, kib, _) = scan_measured(&["image", &reference, "--max-image-size", "1GiB"]);
        assert_eq!(Some(out.code), Some(2));
        let stderr = out.stderr.clone();
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("--max-image-size"), "{stderr}");
        assert!(kib < 96 * 1024, "{kind}: peak RSS {kib} KiB");
    }
}

/// A PAX extended header or GNU long name claiming 1 GiB (a 1 MiB gzip blob): the tar reader
/// buffers extension records whole, so these must be refused before they fill memory.
#[test]
#[ignore = "needs GNU time (/usr/bin/time), which ./scripts/test.sh installs"]
fn huge_tar_extension_headers_are_refused_in_bounded_memory() {
    if !gnu_time() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for entry in [
        tar::EntryType::XHeader,
        tar::EntryType::GNULongName,
        tar::EntryType::GNULongLink,
    ] {
        let reference = bomb_layout_as(dir.path(), "gzip", 1 << 30, entry);
        let (out, kib, elapsed) = scan_measured(&["image", &reference, "-f", "json"]);
        let stderr = out.stderr.clone();
        let kind = entry.as_byte() as char;
        assert!(kib < 64 * 1024, "{kind}: peak RSS {kib} KiB ({stderr})");
        assert_eq!(Some(out.code), Some(2), "{kind}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{kind}: {stderr}");
        assert!(
            stderr.contains("layer 0") && stderr.contains("extension header"),
            "{kind}: {stderr}"
        );
        assert!(elapsed < std::time::Duration::from_secs(60), "{kind}");
        eprintln!("{kind}: {elapsed:?}, peak RSS {kib} KiB: {}", stderr.trim());
    }
}

/// A sparse file of `len` zero bytes (no disk used) and the sha256 of its content.
fn sparse_zeros(path: &Path, len: u64) -> String {
    use sha2::Digest;
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
    let mut hash = sha2::Sha256::new();
    let zeros = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        hash.update(&zeros[..n]);
        left -= n as u64;
    }
    hex(&hash.finalize())
}

/// An OCI layout whose config blob is 1 GiB (with its true digest), described by a descriptor
/// that gives `declared` as its size.
fn layout_with_gigabyte_config(dir: &Path, name: &str, declared: u64) -> String {
    let layout = dir.join(name);
    let blobs = layout.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let tmp = blobs.join("partial");
    let config_hex = sparse_zeros(&tmp, 1 << 30);
    std::fs::rename(&tmp, blobs.join(&config_hex)).unwrap();
    let config = json!({"digest": format!("sha256:{config_hex}"), "size": declared});
    imagegen::finish_layout(&layout, config, Vec::new())
}

/// A 1 GiB config (and a 1 GiB index.json, and a 1 GiB config inside a docker-archive) is
/// refused by size before it is read: a one-line error, small RSS, well under a second or two.
#[test]
#[ignore = "needs GNU time (/usr/bin/time), which ./scripts/test.sh installs"]
fn gigabyte_config_is_refused_without_reading_it() {
    if !gnu_time() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let honest = layout_with_gigabyte_config(dir.path(), "honest", 1 << 30);
    let lying = layout_with_gigabyte_config(dir.path(), "lying", 600);

    let index_layout = dir.path().join("big-index");
    std::fs::create_dir_all(&index_layout).unwrap();
    std::fs::write(
        index_layout.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    sparse_zeros(&index_layout.join("index.json"), 1 << 30);

    // docker-archive: a tar whose config member claims (and holds, sparsely) 1 GiB.
    let archive = dir.path().join("big-config.tar");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&archive).unwrap();
        let manifest = br#"[{"Config":"config.json","RepoTags":["big:1"],"Layers":[]}]"#;
        let mut h = tar::Header::new_gnu();
        h.set_path("manifest.json").unwrap();
        h.set_size(manifest.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        file.write_all(h.as_bytes()).unwrap();
        file.write_all(manifest).unwrap();
        file.write_all(&vec![0u8; 512 - manifest.len() % 512])
            .unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_path("config.json").unwrap();
        h.set_size(1 << 30);
        h.set_mode(0o644);
        h.set_cksum();
        file.write_all(h.as_bytes()).unwrap();
        let end = file.metadata().unwrap().len() + (1 << 30) + 1024;
        file.set_len(end).unwrap();
    }
    let archive_ref = format!("docker-archive:{}", archive.display());

    for (name, reference, needle) in [
        ("honest descriptor", honest.as_str(), "--max-json-size"),
        (
            "lying descriptor",
            lying.as_str(),
            "descriptor says 600 bytes, blob is larger",
        ),
        (
            "1 GiB index.json",
            &format!("oci:{}", index_layout.display()),
            "--max-json-size",
        ),
        ("docker-archive", archive_ref.as_str(), "--max-json-size"),
    ] {
        let (out, kib, elapsed) = scan_measured(&["image", reference, "-f", "json"]);
        let stderr = out.stderr.clone();
        eprintln!("{name}: {elapsed:?}, peak RSS {kib} KiB: {}", stderr.trim());
        assert_eq!(Some(out.code), Some(2), "{name}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{name}: {stderr}");
        assert!(stderr.contains(needle), "{name}: {stderr}");
        assert!(kib < 64 * 1024, "{name}: peak RSS {kib} KiB");
        assert!(
            elapsed < std::time::Duration::from_secs(10),
            "{name}: {elapsed:?}"
        );
    }
}

/// History text is input too: a `RUN |N …` build-arg count of billions (found by fuzzing the
/// Dockerfile parser, which shares the history parser) must not loop that many times.
#[test]
fn huge_build_arg_count_in_history_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let mut built = imagegen::from_layers(
        vec![raw_tar(&[(b"a", Regular, 0o644, b"a", None)])],
        json!({"User": "1000"}),
    );
    let mut cfg: serde_json::Value = serde_json::from_slice(&built.config).unwrap();
    cfg["history"][0]["created_by"] = json!("|99999999999 SECRET_TOKEN=x /bin/sh -c true");
    built.config = serde_json::to_vec(&cfg).unwrap();
    let run = scan(&write(&built, Format::OciDirGzip, dir.path()), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A GNU sparse entry of 512 stored bytes that claims 1 TiB of holes: skipping it must cost the
/// stored bytes, not a terabyte of synthesized zeros; reading it (a wanted path) stops at
/// --max-file-size.
#[test]
fn sparse_entry_claiming_a_terabyte_is_cheap() {
    let dir = tempfile::tempdir().unwrap();
    let sparse = |name: &str| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::GNUSparse);
        h.set_path(name).unwrap();
        h.set_mode(0o644);
        h.set_size(512);
        h.set_mtime(0);
        let gnu = h.as_gnu_mut().unwrap();
        // Sizes past the octal field's 8 GiB use GNU base-256: 0x80, then big-endian bytes.
        let base256 = |v: u64| {
            let mut field = [0u8; 12];
            field[0] = 0x80;
            field[4..].copy_from_slice(&v.to_be_bytes());
            field
        };
        let real: u64 = 1 << 40;
        gnu.sparse[0].offset = base256(real - 512);
        gnu.sparse[0].numbytes = *b"00000001000\0";
        gnu.realsize = base256(real);
        h.set_cksum();
        h
    };
    let mut b = tar::Builder::new(Vec::new());
    for name in ["opt/holes", "etc/passwd"] {
        let h = sparse(name);
        b.append(&h, &[b'x'; 512][..]).unwrap();
    }
    let layer = b.into_inner().unwrap();
    let built = imagegen::from_layers(vec![layer], json!({"User": "1000"}));
    let started = std::time::Instant::now();
    let run = scan(&write(&built, Format::OciDirGzip, dir.path()), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
