//! WHERE an image comes from. Every transport resolves to a [`Resolved`] image: a blob store
//! plus the verified plan of which blobs make the image. The pass in `image/` does the rest.
//!
//! The syntax follows skopeo's transports: `docker-archive:PATH[:REF]`, `oci:DIR[:REF]`,
//! `oci-archive:PATH[:REF]`; a bare existing path is detected.

mod archive;
mod blobs;
pub mod credentials;
mod docker_archive;
mod docker_daemon;
mod oci_layout;
pub mod registry;

pub use crate::oci::platform::Platform;
pub use blobs::{BlobSpec, BlobStore, DirStore, parse_json, read_verified as blobs_read_verified};

use crate::error::{Error, Result};
use crate::limits::Limits;
use std::path::{Path, PathBuf};

/// The image transports stevedore reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Transport {
    #[serde(rename = "docker-archive")]
    DockerArchive,
    #[serde(rename = "oci")]
    OciLayout,
    #[serde(rename = "oci-archive")]
    OciArchive,
    #[serde(rename = "docker-daemon")]
    DockerDaemon,
    #[serde(rename = "docker")]
    Registry,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::DockerArchive => "docker-archive",
            Transport::OciLayout => "oci",
            Transport::OciArchive => "oci-archive",
            Transport::DockerDaemon => "docker-daemon",
            Transport::Registry => "docker",
        }
    }
}

/// An image located and planned, not yet read.
pub struct Resolved {
    pub store: Box<dyn BlobStore>,
    pub transport: Transport,
    /// The path of the archive or layout directory.
    pub path: PathBuf,
    /// The reference the user picked inside the archive or layout, if any.
    pub selector: Option<String>,
    /// Names the image carries: docker-archive `RepoTags`, OCI ref annotations.
    pub names: Vec<String>,
    pub manifest_digest: Option<crate::oci::digest::Digest>,
    pub config: BlobSpec,
    pub layers: Vec<BlobSpec>,
}

/// Options that steer resolution.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// `os/arch[/variant]`; `None` means `linux/` + the host architecture.
    pub platform: Option<Platform>,
    pub limits: Limits,
    /// The Docker daemon to ask for `docker-daemon:` and bare references (`--host`).
    pub docker_host: Option<String>,
    pub timeout: std::time::Duration,
    pub registry: registry::RegistryOptions,
}

const TRANSPORT_HELP: &str = "transports: docker://REGISTRY/REPO:TAG, docker-daemon:NAME, \
docker-archive:PATH, oci:DIR[:REF], oci-archive:PATH[:REF]";

/// Locates an image from what the user typed. With `--platform` given, an image of another
/// platform is an error (an index picks the platform; a single image is what it is).
pub fn open(input: &str, options: &OpenOptions) -> Result<Resolved> {
    let resolved = locate(input, options)?;
    if let Some(wanted) = &options.platform {
        check_platform(&resolved, wanted, input, &options.limits)?;
    }
    Ok(resolved)
}

/// The image's own platform, from its config, against the one asked for.
fn check_platform(
    resolved: &Resolved,
    wanted: &Platform,
    input: &str,
    limits: &Limits,
) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct ConfigPlatform {
        #[serde(default)]
        os: String,
        #[serde(default)]
        architecture: String,
        variant: Option<String>,
    }
    let bytes = blobs::read_verified(
        resolved.store.as_ref(),
        &resolved.config,
        "image config",
        limits.max_json_bytes,
    )?;
    let have: ConfigPlatform = parse_json(&bytes, "image config")?;
    if wanted.accepts(&have.os, &have.architecture, have.variant.as_deref()) {
        return Ok(());
    }
    let have = Platform {
        os: have.os,
        architecture: have.architecture,
        variant: have.variant,
    };
    Err(Error::input(
        input,
        format!(
            "the image is {have}, not the {wanted} asked for with --platform (it holds one platform only)"
        ),
    ))
}

fn locate(input: &str, options: &OpenOptions) -> Result<Resolved> {
    let platform = options.platform.clone().unwrap_or_else(Platform::host);
    if let Some(rest) = input.strip_prefix("docker-archive:") {
        let (path, selector) = split_path_and_ref(rest)?;
        return docker_archive::open(&path, selector, &platform, &options.limits);
    }
    if let Some(rest) = input.strip_prefix("oci-archive:") {
        let (path, selector) = split_path_and_ref(rest)?;
        return oci_layout::open_archive(&path, selector, &platform, &options.limits);
    }
    if let Some(rest) = input.strip_prefix("oci:") {
        let (path, selector) = split_path_and_ref(rest)?;
        return oci_layout::open_dir(&path, selector, &platform, &options.limits);
    }
    if let Some(name) = input.strip_prefix("docker-daemon:") {
        let endpoint = crate::docker_api::resolve_endpoint(options.docker_host.as_deref())?;
        let conn = crate::docker_api::Connection::open(endpoint, options.timeout)?;
        return docker_daemon::open(name, &conn, &platform, &options.limits);
    }
    if let Some(reference) = input.strip_prefix("docker://") {
        return registry::open(reference, &platform, &options.limits, &options.registry);
    }
    if let Some((scheme, _)) = input.split_once(':') {
        if matches!(scheme, "containers-storage" | "dir") {
            return Err(Error::usage(format!(
                "`{input}`: the {scheme} transport is not supported yet; {TRANSPORT_HELP}"
            )));
        }
    }
    let path = Path::new(input);
    if path.exists() {
        return open_detected(path, &platform, &options.limits);
    }
    if looks_like_a_path(input) {
        // A missing file is not a reason to ask a daemon or a registry (or to send the name there).
        return Err(Error::io(
            input,
            std::io::Error::from(std::io::ErrorKind::NotFound),
        ));
    }
    // A bare reference: the local daemon first, as docker does, then the registry.
    let from_daemon = crate::docker_api::resolve_endpoint(options.docker_host.as_deref())
        .and_then(|endpoint| crate::docker_api::Connection::open(endpoint, options.timeout))
        .and_then(|conn| docker_daemon::open(input, &conn, &platform, &options.limits));
    let daemon_error = match from_daemon {
        Ok(resolved) => return Ok(resolved),
        Err(e) => e.one_line(),
    };
    match registry::open(input, &platform, &options.limits, &options.registry) {
        Ok(resolved) => Ok(resolved),
        Err(e) => Err(Error::usage(format!(
            "`{input}` is not a file or directory; the local daemon: {daemon_error}; the registry: {}; {TRANSPORT_HELP}",
            e.one_line()
        ))),
    }
}

/// Whether what the user typed is meant as a file: it starts like a path (`/`, `./`, `../`, `~`),
/// ends like an archive, or its first component exists here (`fixtures/app.tar`). Registry
/// references (`ghcr.io/org/app:1`, `library/nginx`) do neither.
fn looks_like_a_path(input: &str) -> bool {
    const ARCHIVE_ENDINGS: [&str; 6] = [".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.xz", ".oci"];
    let lower = input.to_ascii_lowercase();
    input.starts_with('/')
        || input.starts_with("./")
        || input.starts_with("../")
        || input.starts_with('~')
        || ARCHIVE_ENDINGS.iter().any(|e| lower.ends_with(e))
        || input
            .split_once('/')
            .is_some_and(|(first, _)| !first.is_empty() && Path::new(first).exists())
}

/// An image out of an already connected daemon, for the host's default platform.
pub fn open_from_daemon(
    name: &str,
    conn: &crate::docker_api::Connection,
    limits: &Limits,
) -> Result<Resolved> {
    docker_daemon::open(name, conn, &Platform::host(), limits)
}

/// A bare path: a directory with `oci-layout`, or a tar (maybe compressed) holding
/// `manifest.json` (docker save) or `oci-layout` (OCI archive).
fn open_detected(path: &Path, platform: &Platform, limits: &Limits) -> Result<Resolved> {
    if path.is_dir() {
        if path.join("oci-layout").is_file() {
            return oci_layout::open_dir(path, None, platform, limits);
        }
        return Err(Error::input(
            path.display().to_string(),
            "directory is not an OCI image layout (no oci-layout file)",
        ));
    }
    let store = archive::TarStore::open(path, limits)?;
    if store.has("manifest.json") {
        docker_archive::from_store(store, path, None, platform, limits)
    } else if store.has("oci-layout") {
        oci_layout::from_archive_store(store, path, None, platform, limits)
    } else {
        Err(Error::input(
            path.display().to_string(),
            "not an image archive (no manifest.json or oci-layout inside)",
        ))
    }
}

/// `PATH[:REF]` where PATH may itself contain colons: the longest prefix that exists is the path.
fn split_path_and_ref(rest: &str) -> Result<(PathBuf, Option<String>)> {
    if rest.is_empty() {
        return Err(Error::usage("missing path after the transport name"));
    }
    if Path::new(rest).exists() {
        return Ok((PathBuf::from(rest), None));
    }
    let mut candidates: Vec<usize> = rest.match_indices(':').map(|(i, _)| i).collect();
    candidates.reverse();
    for i in candidates {
        let (p, r) = (&rest[..i], &rest[i + 1..]);
        if !p.is_empty() && Path::new(p).exists() {
            let r = (!r.is_empty()).then(|| r.to_string());
            return Ok((PathBuf::from(p), r));
        }
    }
    Err(Error::io(
        rest,
        std::io::Error::from(std::io::ErrorKind::NotFound),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_reference_names_the_transports() {
        let err = open("nginx:1.27", &OpenOptions::default())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("docker-archive:PATH"), "{err}");
        assert!(err.contains("oci:DIR"), "{err}");
    }

    #[test]
    fn paths_and_references_are_told_apart() {
        for path in [
            "/tmp/x.tar",
            "./app",
            "../app",
            "~/images/app",
            "nonexistent.tar",
            "app.tar.gz",
            "app.TGZ",
            "src/missing",
        ] {
            assert!(looks_like_a_path(path), "{path}");
        }
        for reference in [
            "ghcr.io/org/app:1",
            "library/nginx",
            "nginx",
            "nginx:1.27",
            "registry.example.com:5000/team/app@sha256:0123",
        ] {
            assert!(!looks_like_a_path(reference), "{reference}");
        }
    }

    #[test]
    fn unsupported_transport_is_named() {
        let err = open("containers-storage:nginx", &OpenOptions::default())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("containers-storage transport is not supported yet"),
            "{err}"
        );
    }

    #[test]
    fn path_and_ref_split_at_the_longest_existing_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a:b.tar");
        std::fs::write(&file, b"").unwrap();
        let spec = format!("{}:repo:tag", file.display());
        let (p, r) = split_path_and_ref(&spec).unwrap();
        assert_eq!(p, file);
        assert_eq!(r.as_deref(), Some("repo:tag"));
    }
}
