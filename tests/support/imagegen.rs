//! Builds fixture images from readable YAML descriptions (`fixtures/images/*.yaml`) into every
//! source format stevedore reads, deterministically (fixed times), so one description can be
//! checked through docker-archive, OCI layout, oci-archive, gzip and zstd alike.

#![allow(dead_code)]

use flate2::write::GzEncoder;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Description {
    /// docker-archive RepoTags and the OCI ref annotation.
    #[serde(default)]
    pub repo_tags: Vec<String>,
    #[serde(default = "default_arch")]
    pub architecture: String,
    /// Merged into the config's `config` object (Docker's PascalCase keys).
    #[serde(default)]
    pub config: BTreeMap<String, serde_yaml_value::Any>,
    pub layers: Vec<LayerDesc>,
    /// History entries without a layer, appended after the layers' entries.
    #[serde(default)]
    pub empty_history: Vec<String>,
}

fn default_arch() -> String {
    "amd64".into()
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LayerDesc {
    #[serde(default)]
    pub created_by: String,
    #[serde(default)]
    pub files: Vec<FileDesc>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FileDesc {
    pub path: String,
    /// Octal, e.g. "4755". Default 0644 for files, 0755 for directories.
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub uid: u64,
    #[serde(default)]
    pub gid: u64,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub dir: bool,
    #[serde(default)]
    pub symlink: Option<String>,
    #[serde(default)]
    pub hardlink: Option<String>,
    /// Deletes `path` (written as `.wh.<name>`).
    #[serde(default)]
    pub whiteout: bool,
    /// Marks `path` opaque (writes `<path>/.wh..wh..opq`).
    #[serde(default)]
    pub opaque: bool,
    /// Extended attributes; values are hex strings.
    #[serde(default)]
    pub xattrs: BTreeMap<String, String>,
}

/// YAML values that become JSON in the config.
pub mod serde_yaml_value {
    use serde::Deserialize;

    #[derive(Debug, Clone, Deserialize)]
    #[serde(untagged)]
    pub enum Any {
        Bool(bool),
        Int(i64),
        Str(String),
        List(Vec<Any>),
        Map(std::collections::BTreeMap<String, Any>),
    }

    impl Any {
        pub fn to_json(&self) -> serde_json::Value {
            match self {
                Any::Bool(b) => (*b).into(),
                Any::Int(i) => (*i).into(),
                Any::Str(s) => s.clone().into(),
                Any::List(l) => l.iter().map(Any::to_json).collect::<Vec<_>>().into(),
                Any::Map(m) => m
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect::<serde_json::Map<_, _>>()
                    .into(),
            }
        }
    }
}

pub fn load(path: &Path) -> Description {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let docs =
        stevedore::inputs::yaml::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = docs
        .first()
        .unwrap_or_else(|| panic!("{}: empty", path.display()));
    serde_json::from_value(doc.to_json()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The formats one description is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `docker save` legacy layout: `<id>/layer.tar`, `<config>.json`, `manifest.json`.
    DockerArchive,
    /// The same, gzip-compressed as a whole.
    DockerArchiveGz,
    /// Newer docker save: OCI layout inside the tar plus `manifest.json`.
    DockerArchiveOci,
    OciDirGzip,
    OciDirZstd,
    OciDirPlain,
    OciArchive,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::DockerArchive,
        Format::DockerArchiveGz,
        Format::DockerArchiveOci,
        Format::OciDirGzip,
        Format::OciDirZstd,
        Format::OciDirPlain,
        Format::OciArchive,
    ];

    /// What to pass to `stevedore image` for the written image at `path`.
    pub fn reference(self, path: &Path) -> String {
        let p = path.display();
        match self {
            Format::DockerArchive | Format::DockerArchiveGz | Format::DockerArchiveOci => {
                format!("docker-archive:{p}")
            }
            Format::OciDirGzip | Format::OciDirZstd | Format::OciDirPlain => format!("oci:{p}"),
            Format::OciArchive => format!("oci-archive:{p}"),
        }
    }

    pub fn file_name(self, stem: &str) -> String {
        match self {
            Format::DockerArchive => format!("{stem}.tar"),
            Format::DockerArchiveGz => format!("{stem}.tar.gz"),
            Format::DockerArchiveOci => format!("{stem}.docker-oci.tar"),
            Format::OciDirGzip => format!("{stem}.oci-gzip"),
            Format::OciDirZstd => format!("{stem}.oci-zstd"),
            Format::OciDirPlain => format!("{stem}.oci-plain"),
            Format::OciArchive => format!("{stem}.oci.tar"),
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn octal(mode: &Option<String>, default: u32) -> u32 {
    mode.as_deref().map_or(default, |m| {
        u32::from_str_radix(m, 8).expect("mode must be octal")
    })
}

fn decode_hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn header(kind: tar::EntryType, mode: u32, uid: u64, gid: u64, size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(uid);
    h.set_gid(gid);
    h.set_size(size);
    h.set_mtime(0);
    h
}

/// Appends an entry whose name bytes go into the header as given (hostile names included).
pub fn append_raw(b: &mut tar::Builder<Vec<u8>>, name: &[u8], mut h: tar::Header, data: &[u8]) {
    if name.len() <= 100 {
        let field = &mut h.as_old_mut().name;
        field.fill(0);
        field[..name.len()].copy_from_slice(name);
    } else {
        // GNU long name record.
        let mut long = header(
            tar::EntryType::GNULongName,
            0o644,
            0,
            0,
            name.len() as u64 + 1,
        );
        long.as_old_mut().name[..13].copy_from_slice(b"././@LongLink");
        long.set_cksum();
        let mut data = name.to_vec();
        data.push(0);
        b.append(&long, &data[..]).expect("append long name");
        h.as_old_mut().name.fill(0);
    }
    h.set_cksum();
    b.append(&h, data).expect("append entry");
}

/// One layer as an uncompressed tar.
pub fn layer_tar(layer: &LayerDesc) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for f in &layer.files {
        let path = f.path.trim_start_matches('/');
        if f.whiteout {
            let (dir, name) = path.rsplit_once('/').map_or(("", path), |(d, n)| (d, n));
            let wh = if dir.is_empty() {
                format!(".wh.{name}")
            } else {
                format!("{dir}/.wh.{name}")
            };
            append_raw(
                &mut b,
                wh.as_bytes(),
                header(tar::EntryType::Regular, 0o644, 0, 0, 0),
                &[],
            );
            continue;
        }
        if f.opaque {
            let name = format!("{path}/.wh..wh..opq");
            append_raw(
                &mut b,
                name.as_bytes(),
                header(tar::EntryType::Regular, 0o644, 0, 0, 0),
                &[],
            );
            continue;
        }
        if !f.xattrs.is_empty() {
            let values: Vec<(String, Vec<u8>)> = f
                .xattrs
                .iter()
                .map(|(k, v)| (format!("SCHILY.xattr.{k}"), decode_hex(v)))
                .collect();
            b.append_pax_extensions(values.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
                .expect("pax");
        }
        if f.dir {
            let h = header(
                tar::EntryType::Directory,
                octal(&f.mode, 0o755),
                f.uid,
                f.gid,
                0,
            );
            append_raw(&mut b, format!("{path}/").as_bytes(), h, &[]);
        } else if let Some(target) = &f.symlink {
            let mut h = header(
                tar::EntryType::Symlink,
                octal(&f.mode, 0o777),
                f.uid,
                f.gid,
                0,
            );
            h.set_link_name_literal(target.as_bytes())
                .expect("link name");
            append_raw(&mut b, path.as_bytes(), h, &[]);
        } else if let Some(target) = &f.hardlink {
            let mut h = header(tar::EntryType::Link, octal(&f.mode, 0o644), f.uid, f.gid, 0);
            h.set_link_name_literal(target.trim_start_matches('/').as_bytes())
                .expect("link name");
            append_raw(&mut b, path.as_bytes(), h, &[]);
        } else {
            let data = f.content.clone().unwrap_or_default().into_bytes();
            let h = header(
                tar::EntryType::Regular,
                octal(&f.mode, 0o644),
                f.uid,
                f.gid,
                data.len() as u64,
            );
            append_raw(&mut b, path.as_bytes(), h, &data);
        }
    }
    b.into_inner().expect("finish tar")
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).expect("zstd")
}

/// The pieces of an image: uncompressed layer tars and the config JSON.
pub struct Built {
    pub layers: Vec<Vec<u8>>,
    pub config: Vec<u8>,
    pub repo_tags: Vec<String>,
}

pub fn build(desc: &Description) -> Built {
    let layers: Vec<Vec<u8>> = desc.layers.iter().map(layer_tar).collect();
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|l| format!("sha256:{}", sha256_hex(l)))
        .collect();
    let mut history: Vec<Value> = desc
        .layers
        .iter()
        .map(|l| json!({"created": "1970-01-01T00:00:00Z", "created_by": l.created_by}))
        .collect();
    for h in &desc.empty_history {
        history
            .push(json!({"created": "1970-01-01T00:00:00Z", "created_by": h, "empty_layer": true}));
    }
    let config: serde_json::Map<String, Value> = desc
        .config
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    let doc = json!({
        "architecture": desc.architecture,
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    });
    Built {
        layers,
        config: serde_json::to_vec(&doc).expect("config json"),
        repo_tags: desc.repo_tags.clone(),
    }
}

/// A finished tar archive from (name, bytes) members, deterministic.
pub fn archive(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let h = header(tar::EntryType::Regular, 0o644, 0, 0, data.len() as u64);
        append_raw(&mut b, name.as_bytes(), h, data);
    }
    b.into_inner().expect("archive")
}

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

/// An OCI layout as (path, bytes) members; layers compressed as asked.
pub fn oci_members(built: &Built, compression: &str) -> Vec<(String, Vec<u8>)> {
    let (manifest, mut blobs) = oci_manifest(built, compression, None);
    let manifest_bytes = serde_json::to_vec(&manifest).expect("manifest");
    let manifest_digest = sha256_hex(&manifest_bytes);
    blobs.push((manifest_digest.clone(), manifest_bytes.clone()));
    let mut annotations = serde_json::Map::new();
    if let Some(tag) = built.repo_tags.first() {
        annotations.insert(
            "io.containerd.image.name".into(),
            json!(format!("docker.io/{tag}")),
        );
        annotations.insert(
            "org.opencontainers.image.ref.name".into(),
            json!(tag.rsplit(':').next().unwrap_or("latest")),
        );
    }
    let index = json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [{
            "mediaType": OCI_MANIFEST,
            "digest": format!("sha256:{manifest_digest}"),
            "size": manifest_bytes.len(),
            "annotations": annotations,
        }],
    });
    layout_members(&index, blobs)
}

/// The manifest JSON and its blobs (config + layers) for one image.
pub fn oci_manifest(
    built: &Built,
    compression: &str,
    platform: Option<(&str, &str)>,
) -> (Value, Vec<(String, Vec<u8>)>) {
    let mut blobs = vec![(sha256_hex(&built.config), built.config.clone())];
    let mut layers = Vec::new();
    for l in &built.layers {
        let (data, media) = match compression {
            "gzip" => (gzip(l), "application/vnd.oci.image.layer.v1.tar+gzip"),
            "zstd" => (zstd(l), "application/vnd.oci.image.layer.v1.tar+zstd"),
            _ => (l.clone(), "application/vnd.oci.image.layer.v1.tar"),
        };
        let d = sha256_hex(&data);
        layers
            .push(json!({"mediaType": media, "digest": format!("sha256:{d}"), "size": data.len()}));
        blobs.push((d, data));
    }
    let _ = platform;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": format!("sha256:{}", sha256_hex(&built.config)), "size": built.config.len()},
        "layers": layers,
    });
    (manifest, blobs)
}

pub fn layout_members(index: &Value, blobs: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let mut members = vec![
        (
            "oci-layout".to_string(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        ),
        (
            "index.json".to_string(),
            serde_json::to_vec(index).expect("index"),
        ),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (d, data) in blobs {
        if seen.insert(d.clone()) {
            members.push((format!("blobs/sha256/{d}"), data));
        }
    }
    members
}

/// Legacy `docker save` members.
pub fn docker_members(built: &Built) -> Vec<(String, Vec<u8>)> {
    let config_hex = sha256_hex(&built.config);
    let mut members = vec![(format!("{config_hex}.json"), built.config.clone())];
    let mut layer_paths = Vec::new();
    for (i, l) in built.layers.iter().enumerate() {
        let id = sha256_hex(format!("layer-id-{i}-{}", sha256_hex(l)).as_bytes());
        let p = format!("{id}/layer.tar");
        members.push((p.clone(), l.clone()));
        layer_paths.push(p);
    }
    let manifest = json!([{"Config": format!("{config_hex}.json"), "RepoTags": built.repo_tags, "Layers": layer_paths}]);
    members.insert(
        0,
        (
            "manifest.json".into(),
            serde_json::to_vec(&manifest).expect("manifest"),
        ),
    );
    members
}

/// Newer `docker save`: an OCI layout with uncompressed layers, plus manifest.json.
pub fn docker_oci_members(built: &Built) -> Vec<(String, Vec<u8>)> {
    let mut members = oci_members(built, "none");
    let config_hex = sha256_hex(&built.config);
    let layers: Vec<String> = built
        .layers
        .iter()
        .map(|l| format!("blobs/sha256/{}", sha256_hex(l)))
        .collect();
    let manifest = json!([{"Config": format!("blobs/sha256/{config_hex}"), "RepoTags": built.repo_tags, "Layers": layers}]);
    members.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).expect("manifest"),
    ));
    members
}

fn write_dir(dir: &Path, members: &[(String, Vec<u8>)]) {
    for (name, data) in members {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, data).expect("write");
    }
}

/// Writes `built` in `format` under `dir`; returns the path of what was written.
pub fn write(built: &Built, format: Format, dir: &Path, stem: &str) -> PathBuf {
    let path = dir.join(format.file_name(stem));
    match format {
        Format::DockerArchive => {
            std::fs::write(&path, archive(&docker_members(built))).expect("write")
        }
        Format::DockerArchiveGz => {
            std::fs::write(&path, gzip(&archive(&docker_members(built)))).expect("write")
        }
        Format::DockerArchiveOci => {
            std::fs::write(&path, archive(&docker_oci_members(built))).expect("write")
        }
        Format::OciDirGzip => write_dir(&path, &oci_members(built, "gzip")),
        Format::OciDirZstd => write_dir(&path, &oci_members(built, "zstd")),
        Format::OciDirPlain => write_dir(&path, &oci_members(built, "none")),
        Format::OciArchive => {
            std::fs::write(&path, archive(&oci_members(built, "gzip"))).expect("write")
        }
    }
    path
}

/// An image from raw layer tars (hostile tests build those by hand).
pub fn from_layers(layers: Vec<Vec<u8>>, config: Value) -> Built {
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|l| format!("sha256:{}", sha256_hex(l)))
        .collect();
    let doc = json!({
        "architecture": "amd64", "os": "linux", "config": config,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": layers.iter().map(|_| json!({"created_by": "RUN hostile"})).collect::<Vec<_>>(),
    });
    Built {
        layers,
        config: serde_json::to_vec(&doc).expect("config"),
        repo_tags: vec!["hostile/case:1".into()],
    }
}

/// One hand-written tar entry: name bytes, type, mode, data, link target.
pub type RawEntry<'a> = (&'a [u8], tar::EntryType, u32, &'a [u8], Option<&'a [u8]>);

/// A raw tar builder for hostile layers.
pub fn raw_tar(entries: &[RawEntry<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, kind, mode, data, link) in entries {
        let mut h = header(*kind, *mode, 0, 0, data.len() as u64);
        if let Some(l) = link {
            h.set_link_name_literal(l).expect("link");
        }
        append_raw(&mut b, name, h, data);
    }
    b.into_inner().expect("tar")
}

/// Writes `bytes` under `layout`'s blobs by their digest; returns the descriptor (without a
/// media type).
pub fn put_blob(layout: &Path, bytes: &[u8]) -> Value {
    let blobs = layout.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).expect("blobs dir");
    let hex = sha256_hex(bytes);
    std::fs::write(blobs.join(&hex), bytes).expect("write blob");
    json!({"digest": format!("sha256:{hex}"), "size": bytes.len()})
}

/// Completes a hand-made OCI layout whose config and layer blobs are already in place: writes
/// the manifest blob, index.json and oci-layout; returns the `oci:` reference. Descriptors are
/// taken as given, so a test can make them lie.
pub fn finish_layout(layout: &Path, config: Value, layers: Vec<Value>) -> String {
    let with_type = |mut desc: Value, media: &str| {
        if desc.get("mediaType").is_none() {
            desc["mediaType"] = json!(media);
        }
        desc
    };
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": with_type(config, "application/vnd.oci.image.config.v1+json"),
        "layers": layers,
    }))
    .expect("manifest");
    let manifest_desc = with_type(
        put_blob(layout, &manifest),
        "application/vnd.oci.image.manifest.v1+json",
    );
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": [manifest_desc]}))
            .expect("index"),
    )
    .expect("write index.json");
    std::fs::write(
        layout.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .expect("write oci-layout");
    format!("oci:{}", layout.display())
}

/// An OCI layout under `dir/multi` whose index (ref `multi`) names one nested index listing an
/// image per (architecture, description): (layout path, nested index digest, platform manifest
/// digests in order).
pub fn index_layout(
    dir: &Path,
    platforms: &[(&str, Description)],
) -> (PathBuf, String, Vec<String>) {
    let mut blobs = Vec::new();
    let mut manifests = Vec::new();
    let mut digests = Vec::new();
    for (arch, desc) in platforms {
        let mut d = desc.clone();
        d.architecture = arch.to_string();
        let built = build(&d);
        let (manifest, b) = oci_manifest(&built, "gzip", None);
        let bytes = serde_json::to_vec(&manifest).expect("manifest");
        let hex = sha256_hex(&bytes);
        manifests.push(
            json!({"mediaType": OCI_MANIFEST, "digest": format!("sha256:{hex}"),
            "size": bytes.len(), "platform": {"os": "linux", "architecture": arch}}),
        );
        digests.push(format!("sha256:{hex}"));
        blobs.extend(b);
        blobs.push((hex, bytes));
    }
    let nested = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
    let nested_bytes = serde_json::to_vec(&nested).expect("index");
    let nested_hex = sha256_hex(&nested_bytes);
    blobs.push((nested_hex.clone(), nested_bytes.clone()));
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.index.v1+json", "digest": format!("sha256:{nested_hex}"),
        "size": nested_bytes.len(), "annotations": {"org.opencontainers.image.ref.name": "multi"}}]});
    let layout = dir.join("multi");
    for (name, data) in layout_members(&index, blobs) {
        let p = layout.join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, data).expect("write");
    }
    (layout, format!("sha256:{nested_hex}"), digests)
}
