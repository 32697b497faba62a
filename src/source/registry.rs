//! `docker://HOST[:PORT]/REPO[:TAG|@DIGEST]`: an image straight from a registry (oci-client).
//! The registry is presented to the rest of stevedore as a remote OCI layout — a synthetic
//! `index.json` naming the top manifest, and `blobs/sha256/<hex>` fetched on demand — so the
//! same verified plan and streaming pass apply. Layers stream through a small bounded channel:
//! nothing is written to disk and nothing is held whole in memory.

use super::blobs::BlobStore;
use super::credentials::{self, Credentials};
use super::platform::Platform;
use super::{Resolved, Transport, oci_layout};
use crate::error::{Error, Result};
use crate::image::digest::Digest;
use crate::limits::Limits;
use futures_util::StreamExt;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use std::collections::HashMap;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Plain HTTP for every registry (`--plain-http`).
    pub plain_http: bool,
    /// Registries reached over plain HTTP (`--insecure-registry HOST[:PORT]`).
    pub insecure: Vec<String>,
    pub creds: Option<Credentials>,
    pub timeout: Duration,
}

const MANIFEST_TYPES: [&str; 4] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

struct RegistryStore {
    runtime: Arc<tokio::runtime::Runtime>,
    client: Arc<Client>,
    /// The repository (no tag or digest), for blob and manifest fetches.
    repo: Reference,
    display: String,
    index_json: Vec<u8>,
    top: (Digest, bytes::Bytes),
    /// Digests known to be manifests or indexes (from the indexes read so far) → media type.
    manifests: Mutex<HashMap<String, String>>,
    timeout: Duration,
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
        let reference = Reference::with_digest(
            self.repo.registry().to_string(),
            self.repo.repository().to_string(),
            digest.to_string(),
        );
        let client = Arc::clone(&self.client);
        let timeout = self.timeout;
        let (bytes, _) = self
            .runtime
            .block_on(async move {
                tokio::time::timeout(
                    timeout,
                    client.pull_manifest_raw(&reference, &RegistryAuth::Anonymous, &MANIFEST_TYPES),
                )
                .await
            })
            .map_err(|_| {
                Error::input(
                    &self.display,
                    format!("manifest {digest}: no answer within {}s", timeout.as_secs()),
                )
            })?
            .map_err(|e| Error::input(&self.display, format!("manifest {digest}: {e}")))?;
        self.learn(&bytes);
        Ok(bytes)
    }
}

/// A blocking reader over chunks a runtime task sends.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<std::result::Result<bytes::Bytes, String>>,
    current: bytes::Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
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
        let repo = self.repo.clone();
        let timeout = self.timeout;
        self.runtime.spawn(async move {
            let stream =
                tokio::time::timeout(timeout, client.pull_blob_stream(&repo, digest.as_str()))
                    .await;
            match stream {
                Ok(Ok(mut s)) => {
                    while let Some(chunk) = s.stream.next().await {
                        if tx.send(chunk.map_err(|e| e.to_string())).await.is_err() {
                            break;
                        }
                    }
                }
                Ok(Err(e)) => {
                    let _ = tx.send(Err(format!("blob {digest}: {e}"))).await;
                }
                Err(_) => {
                    let _ = tx
                        .send(Err(format!(
                            "blob {digest}: no answer within {}s",
                            timeout.as_secs()
                        )))
                        .await;
                }
            }
        });
        Ok(Box::new(ChannelReader {
            rx,
            current: bytes::Bytes::new(),
        }))
    }

    fn describe(&self) -> String {
        self.display.clone()
    }

    fn has(&self, locator: &str) -> bool {
        locator == "index.json" || locator.starts_with("blobs/sha256/")
    }
}

/// Resolves `docker://…` (the part after `docker://`) into a verified plan.
pub fn open(
    reference: &str,
    platform: &Platform,
    limits: &Limits,
    options: &RegistryOptions,
) -> Result<Resolved> {
    // reqwest is built without a crypto provider; use ring, which the API client uses too.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let display = format!("docker://{reference}");
    let parsed = Reference::try_from(reference)
        .map_err(|e| Error::usage(format!("`{reference}` is not an image reference: {e}")))?;
    let registry = parsed.registry().to_string();
    let protocol = if options.plain_http {
        ClientProtocol::Http
    } else if options.insecure.is_empty() {
        ClientProtocol::Https
    } else {
        ClientProtocol::HttpsExcept(options.insecure.clone())
    };
    let timeout = if options.timeout.is_zero() {
        Duration::from_secs(60)
    } else {
        options.timeout
    };
    let config = ClientConfig {
        protocol,
        read_timeout: Some(timeout),
        connect_timeout: Some(timeout.min(Duration::from_secs(30))),
        ..Default::default()
    };
    let client = Arc::new(Client::new(config));
    let auth = match credentials::lookup(&registry, options.creds.as_ref())? {
        Some(c) => RegistryAuth::Basic(c.username, c.secret),
        None => RegistryAuth::Anonymous,
    };
    let runtime = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Error::input("tokio runtime", e.to_string()))?,
    );
    let top_client = Arc::clone(&client);
    let top_ref = parsed.clone();
    let (bytes, digest) = runtime
        .block_on(async move {
            tokio::time::timeout(
                timeout,
                top_client.pull_manifest_raw(&top_ref, &auth, &MANIFEST_TYPES),
            )
            .await
        })
        .map_err(|_| Error::input(&display, format!("no answer within {}s", timeout.as_secs())))?
        .map_err(|e| {
            let mut problem = e.to_string();
            if problem.contains("error sending request") && problem.contains("https://") && !options.plain_http {
                problem.push_str(" (for a plain-HTTP registry, pass --insecure-registry HOST[:PORT] or --plain-http)");
            }
            Error::input(&display, problem)
        })?;
    let computed = Digest::of_bytes(&bytes);
    if let Some(wanted) = parsed.digest() {
        if wanted != computed.as_str() {
            return Err(Error::input(
                &display,
                format!("digest mismatch: the registry served {computed}"),
            ));
        }
    }
    let _ = digest; // the registry's word; we trust the bytes we hashed
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::input(&display, format!("manifest: invalid JSON: {e}")))?;
    let media_type = v
        .get("mediaType")
        .and_then(|m| m.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| {
            if v.get("manifests").is_some() {
                MANIFEST_TYPES[0].into()
            } else {
                MANIFEST_TYPES[1].into()
            }
        });
    let suffix = match (parsed.tag(), parsed.digest()) {
        (_, Some(d)) => format!("@{d}"),
        (Some(t), None) => format!(":{t}"),
        (None, None) => String::new(),
    };
    let name = format!("{}/{}{suffix}", registry, parsed.repository());
    let index_json = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": media_type, "digest": computed.as_str(), "size": bytes.len(),
                       "annotations": {"io.containerd.image.name": name}}],
    }))
    .unwrap_or_default();
    let repo = Reference::with_tag(
        registry,
        parsed.repository().to_string(),
        "latest".to_string(),
    );
    let store = RegistryStore {
        runtime,
        client,
        repo,
        display: display.clone(),
        index_json,
        top: (computed, bytes),
        manifests: Mutex::new(HashMap::new()),
        timeout,
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
