//! `docker://HOST[:PORT]/REPO[:TAG|@DIGEST]`: an image straight from a registry. The registry is
//! presented to the rest of stevedore as a remote OCI layout — a synthetic `index.json` naming
//! the top manifest, and `blobs/sha256/<hex>` fetched on demand — so the same verified plan and
//! streaming pass apply. Layers stream through a small bounded channel: nothing is written to
//! disk and nothing is held whole in memory. Every connection follows the egress rule of
//! [`egress`]; the whole pull, body streaming included, ends at one deadline.

pub mod challenge;
pub mod client;
pub mod egress;

use super::blobs::BlobStore;
use super::credentials::{self, Credentials};
use super::{Resolved, Transport, oci_layout};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::oci::digest::Digest;
use crate::oci::platform::Platform;
use client::{PlainHttp, RegistryClient};
use egress::Egress;
use std::collections::HashMap;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Plain HTTP for every registry (`--plain-http`).
    pub plain_http: bool,
    /// Registries reached over plain HTTP (`--insecure-registry HOST[:PORT]`).
    pub insecure: Vec<String>,
    /// Credentials for the registry of this pull (`--creds`, Harbor's per-request authorization).
    pub creds: Option<Credentials>,
    /// Where else credentials may be looked up.
    pub sources: credentials::Sources,
    /// The whole pull, connections and body streaming included; zero means 60 s.
    pub timeout: Duration,
    /// Ends the pull earlier than `timeout` (an admission review's deadline).
    pub deadline: Option<Instant>,
    pub egress: Egress,
}

impl RegistryOptions {
    fn deadline(&self) -> Instant {
        let timeout = if self.timeout.is_zero() {
            Duration::from_secs(60)
        } else {
            self.timeout
        };
        let by_timeout = Instant::now() + timeout;
        self.deadline.map_or(by_timeout, |d| d.min(by_timeout))
    }

    fn plain(&self) -> PlainHttp {
        PlainHttp {
            all: self.plain_http,
            hosts: self.insecure.clone(),
        }
    }
}

pub use crate::oci::media::MANIFEST_TYPES;

/// The runtime registry I/O runs on: one per process, shared by every pull.
fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> =
        OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("stevedore-registry")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Error::input("tokio runtime", e.clone()))
}

/// A reference as the puller reads it: docker's normalisation (`nginx` → `docker.io/library/nginx`,
/// `myreg/app` → Docker Hub's `myreg/app`), the registry in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedReference {
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ParsedReference {
    pub fn parse(reference: &str) -> Result<ParsedReference> {
        let parsed = oci_client::Reference::try_from(reference)
            .map_err(|e| Error::usage(format!("`{reference}` is not an image reference: {e}")))?;
        Ok(ParsedReference {
            registry: egress::canonical_registry(parsed.registry()),
            repository: parsed.repository().to_string(),
            tag: parsed.tag().map(str::to_string),
            digest: parsed.digest().map(str::to_string),
        })
    }

    /// The tag or digest to ask the registry for (`latest` when neither is given).
    pub fn reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// `registry/repository@digest` for a manifest of this repository.
    pub fn with_digest(&self, digest: &str) -> String {
        format!("{}/{}@{digest}", self.registry, self.repository)
    }
}

fn client_for(parsed: &ParsedReference, options: &RegistryOptions) -> Result<RegistryClient> {
    let creds = credentials::lookup(&parsed.registry, options.creds.as_ref(), &options.sources)?;
    RegistryClient::new(
        &parsed.registry,
        &parsed.repository,
        options.egress.clone(),
        options.plain(),
        creds,
        options.deadline(),
    )
}

struct RegistryStore {
    client: Arc<RegistryClient>,
    display: String,
    index_json: Vec<u8>,
    top: (Digest, bytes::Bytes),
    /// Digests known to be manifests or indexes (from the indexes read so far) → media type.
    manifests: Mutex<HashMap<String, String>>,
    max_json: u64,
}

impl RegistryStore {
    fn learn(&self, bytes: &[u8]) {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            return;
        };
        let Ok(mut known) = self.manifests.lock() else {
            return;
        };
        for m in v
            .get("manifests")
            .and_then(|m| m.as_array())
            .into_iter()
            .flatten()
        {
            if let (Some(d), Some(t)) = (
                m.get("digest").and_then(|d| d.as_str()),
                m.get("mediaType").and_then(|t| t.as_str()),
            ) {
                known.insert(d.to_string(), t.to_string());
            }
        }
    }

    fn fetch_manifest(&self, digest: &str) -> Result<bytes::Bytes> {
        let client = Arc::clone(&self.client);
        let digest_owned = digest.to_string();
        let max = self.max_json;
        let (bytes, _) = runtime()?
            .block_on(async move { client.manifest(&digest_owned, &MANIFEST_TYPES, max).await })?;
        self.learn(&bytes);
        Ok(bytes::Bytes::from(bytes))
    }
}

/// A blocking reader over chunks a runtime task sends; ends with an error at the deadline.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<std::result::Result<bytes::Bytes, String>>,
    current: bytes::Bytes,
    deadline: Instant,
    task: tokio::task::AbortHandle,
}

impl Drop for ChannelReader {
    fn drop(&mut self) {
        // A reader given up on (an error elsewhere in the pass) closes its connection now.
        self.task.abort();
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            if Instant::now() >= self.deadline {
                return Err(io::Error::other("deadline reached"));
            }
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(e)) => return Err(io::Error::other(e)),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

impl BlobStore for RegistryStore {
    fn open(&self, locator: &str) -> Result<Box<dyn Read + Send + '_>> {
        if locator == "index.json" {
            return Ok(Box::new(io::Cursor::new(self.index_json.clone())));
        }
        let Some(hex) = locator.strip_prefix("blobs/sha256/") else {
            return Err(Error::input(
                &self.display,
                format!("`{locator}` is not in a registry"),
            ));
        };
        let digest = format!("sha256:{hex}");
        if digest == self.top.0.as_str() {
            return Ok(Box::new(io::Cursor::new(self.top.1.clone())));
        }
        let is_manifest = self
            .manifests
            .lock()
            .map(|m| m.contains_key(&digest))
            .unwrap_or(false);
        if is_manifest {
            return Ok(Box::new(io::Cursor::new(self.fetch_manifest(&digest)?)));
        }
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        let client = Arc::clone(&self.client);
        let deadline = client.deadline;
        let task = runtime()?.spawn(async move {
            let what = format!("blob {digest}");
            let mut response = match client.get("blobs", &digest, &[], &what).await {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Err(e.one_line())).await;
                    return;
                }
            };
            loop {
                let chunk = tokio::time::timeout_at(deadline.into(), response.chunk()).await;
                let item = match chunk {
                    Ok(Ok(Some(c))) => Ok(c),
                    Ok(Ok(None)) => return,
                    Ok(Err(e)) => Err(format!("{what}: {}", client::cause(&e))),
                    Err(_) => Err(format!("{what}: deadline reached while reading")),
                };
                let stop = item.is_err();
                if tx.send(item).await.is_err() || stop {
                    return;
                }
            }
        });
        Ok(Box::new(ChannelReader {
            rx,
            current: bytes::Bytes::new(),
            deadline,
            task: task.abort_handle(),
        }))
    }

    fn describe(&self) -> String {
        self.display.clone()
    }

    fn has(&self, locator: &str) -> bool {
        locator == "index.json" || locator.starts_with("blobs/sha256/")
    }
}

/// The top manifest of `parsed`, verified against its digest when the reference names one.
async fn fetch_top(
    client: &RegistryClient,
    parsed: &ParsedReference,
    display: &str,
    max_json: u64,
    plain_hint: bool,
) -> Result<(Vec<u8>, Digest, String)> {
    let (bytes, content_type) = client
        .manifest(parsed.reference(), &MANIFEST_TYPES, max_json)
        .await
        .map_err(|e| {
            let mut problem = e.one_line();
            if plain_hint && problem.contains(client::SPEAKS_PLAIN_HTTP) {
                problem.push_str(
                    " (for a plain-HTTP registry, pass --insecure-registry HOST[:PORT] or --plain-http)",
                );
            }
            Error::input(display, problem)
        })?;
    let computed = Digest::of_bytes(&bytes);
    if let Some(wanted) = &parsed.digest {
        if *wanted != computed.as_str() {
            return Err(Error::input(
                display,
                format!("digest mismatch: the registry served {computed}"),
            ));
        }
    }
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::input(display, format!("manifest: invalid JSON: {e}")))?;
    let media_type = v
        .get("mediaType")
        .and_then(|m| m.as_str())
        .map(str::to_string)
        .or(content_type.filter(|t| MANIFEST_TYPES.contains(&t.as_str())))
        .unwrap_or_else(|| {
            if v.get("manifests").is_some() {
                MANIFEST_TYPES[0].into()
            } else {
                MANIFEST_TYPES[1].into()
            }
        });
    Ok((bytes, computed, media_type))
}

/// Resolves `docker://…` (the part after `docker://`) into a verified plan.
pub fn open(
    reference: &str,
    platform: &Platform,
    limits: &Limits,
    options: &RegistryOptions,
) -> Result<Resolved> {
    let display = format!("docker://{reference}");
    let parsed = ParsedReference::parse(reference)?;
    let client = Arc::new(client_for(&parsed, options).map_err(|e| match e {
        Error::Usage(m) => Error::usage(format!("{display}: {m}")),
        other => other,
    })?);
    let plain_hint = !options.plain_http;
    let (bytes, computed, media_type) = runtime()?.block_on(fetch_top(
        &client,
        &parsed,
        &display,
        limits.max_json_bytes,
        plain_hint,
    ))?;
    let suffix = match (&parsed.tag, &parsed.digest) {
        (_, Some(d)) => format!("@{d}"),
        (Some(t), None) => format!(":{t}"),
        (None, None) => String::new(),
    };
    let name = format!("{}/{}{suffix}", parsed.registry, parsed.repository);
    let index_json = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": media_type, "digest": computed.as_str(), "size": bytes.len(),
                       "annotations": {"io.containerd.image.name": name}}],
    }))
    .map_err(|e| Error::input(&display, e.to_string()))?;
    let store = RegistryStore {
        client,
        display: display.clone(),
        index_json,
        top: (computed, bytes::Bytes::from(bytes)),
        manifests: Mutex::new(HashMap::new()),
        max_json: limits.max_json_bytes,
    };
    store.learn(&store.top.1.clone());
    let plan = oci_layout::plan(&store, None, platform, limits)?;
    Ok(Resolved {
        store: Box::new(store),
        transport: Transport::Registry,
        path: PathBuf::from(reference),
        selector: None,
        names: plan.names,
        manifest_digest: plan.manifest_digest,
        config: plan.config,
        layers: plan.layers,
    })
}

/// What a reference names in the registry now: the manifest digest it resolves to and, for an
/// index, the image manifests it lists (attestations left out).
#[derive(Debug, Clone)]
pub struct Resolution {
    pub reference: ParsedReference,
    pub digest: String,
    /// Platform manifests of an index: (`os/arch[/variant]`, digest). Empty for a single image.
    pub platforms: Vec<(String, String)>,
}

impl Resolution {
    /// The image manifests to judge: every platform of an index, else the manifest itself.
    pub fn images(&self) -> Vec<String> {
        if self.platforms.is_empty() {
            vec![self.digest.clone()]
        } else {
            self.platforms.iter().map(|(_, d)| d.clone()).collect()
        }
    }
}

/// Resolves a reference to its manifest digest (one manifest request), listing an index's
/// platforms. The tag's word is not trusted: the digest is computed from the bytes served.
pub async fn resolve(
    reference: &str,
    limits: &Limits,
    options: &RegistryOptions,
) -> Result<Resolution> {
    let display = format!("docker://{reference}");
    let parsed = ParsedReference::parse(reference)?;
    let client = client_for(&parsed, options)?;
    let (bytes, computed, _) =
        fetch_top(&client, &parsed, &display, limits.max_json_bytes, false).await?;
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::input(&display, format!("manifest: invalid JSON: {e}")))?;
    let mut platforms = Vec::new();
    for m in v
        .get("manifests")
        .and_then(|m| m.as_array())
        .into_iter()
        .flatten()
    {
        let Some(digest) = m.get("digest").and_then(|d| d.as_str()) else {
            continue;
        };
        let attestation = m
            .pointer("/annotations/vnd.docker.reference.type")
            .and_then(|t| t.as_str())
            == Some("attestation-manifest");
        let os = m
            .pointer("/platform/os")
            .and_then(|o| o.as_str())
            .unwrap_or("unknown");
        let arch = m
            .pointer("/platform/architecture")
            .and_then(|o| o.as_str())
            .unwrap_or("unknown");
        if attestation || (os == "unknown" && arch == "unknown") {
            continue;
        }
        let variant = m
            .pointer("/platform/variant")
            .and_then(|o| o.as_str())
            .map(|v| format!("/{v}"))
            .unwrap_or_default();
        if Digest::parse(digest).is_err() {
            return Err(Error::input(
                &display,
                format!("index lists `{digest}`, not a digest"),
            ));
        }
        platforms.push((format!("{os}/{arch}{variant}"), digest.to_string()));
    }
    if v.get("manifests").is_some() && platforms.is_empty() {
        return Err(Error::input(&display, "the index lists no image manifest"));
    }
    Ok(Resolution {
        reference: parsed,
        digest: computed.to_string(),
        platforms,
    })
}
