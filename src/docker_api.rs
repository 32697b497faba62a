//! The Docker Engine API (bollard; Podman serves the same API): where to connect, and the few
//! calls stevedore makes. The rest of stevedore is synchronous; this module owns a small tokio
//! runtime and bridges at its edge. `live/` turns the answers into models; `source/` streams
//! images out of the daemon.

use crate::error::{Error, Result};
use bollard::Docker;
use futures_util::StreamExt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the daemon is, and how to talk to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `unix:///var/run/docker.sock`, `tcp://host:2376`.
    pub url: String,
    /// Client certificate directory (`DOCKER_CERT_PATH`) when TLS verification is asked for.
    pub tls: Option<PathBuf>,
    /// How it was chosen, for messages: `--host`, `DOCKER_HOST`, `context prod`, `default socket`.
    pub origin: String,
}

/// Chooses the endpoint like the docker CLI: `--host`, else `DOCKER_HOST`, else the current
/// context, else the rootless socket, else `/var/run/docker.sock`.
pub(crate) fn resolve_endpoint(host: Option<&str>) -> Result<Endpoint> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let tls = || {
        env("DOCKER_TLS_VERIFY").filter(|v| v != "0").map(|_| {
            env("DOCKER_CERT_PATH")
                .map(PathBuf::from)
                .unwrap_or_else(|| home().join(".docker"))
        })
    };
    if let Some(h) = host {
        return Ok(Endpoint {
            url: h.to_string(),
            tls: tls(),
            origin: "--host".into(),
        });
    }
    if let Some(h) = env("DOCKER_HOST") {
        return Ok(Endpoint {
            url: h,
            tls: tls(),
            origin: "DOCKER_HOST".into(),
        });
    }
    if let Some((name, url, tls_dir)) = current_context()? {
        return Ok(Endpoint {
            url,
            tls: tls_dir,
            origin: format!("context {name}"),
        });
    }
    if let Some(dir) = env("XDG_RUNTIME_DIR") {
        let sock = Path::new(&dir).join("docker.sock");
        if sock.exists() {
            return Ok(Endpoint {
                url: format!("unix://{}", sock.display()),
                tls: None,
                origin: "rootless socket".into(),
            });
        }
    }
    Ok(Endpoint {
        url: "unix:///var/run/docker.sock".into(),
        tls: None,
        origin: "default socket".into(),
    })
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// The current docker context's endpoint (`DOCKER_CONTEXT`, else `currentContext` in
/// `~/.docker/config.json`); `None` for the default context.
fn current_context() -> Result<Option<(String, String, Option<PathBuf>)>> {
    let config_dir = std::env::var_os("DOCKER_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".docker"));
    let name = match std::env::var("DOCKER_CONTEXT")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(n) => n,
        None => {
            let Ok(text) = std::fs::read_to_string(config_dir.join("config.json")) else {
                return Ok(None);
            };
            let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                Error::input(
                    config_dir.join("config.json").display().to_string(),
                    format!("invalid JSON: {e}"),
                )
            })?;
            match v.get("currentContext").and_then(|c| c.as_str()) {
                Some(n) => n.to_string(),
                None => return Ok(None),
            }
        }
    };
    if name == "default" {
        return Ok(None);
    }
    let id = crate::oci::digest::Digest::of_bytes(name.as_bytes());
    let meta_path = config_dir
        .join("contexts/meta")
        .join(id.hex())
        .join("meta.json");
    let text = std::fs::read_to_string(&meta_path).map_err(|e| {
        Error::usage(format!(
            "docker context `{name}`: {}: {e}",
            meta_path.display()
        ))
    })?;
    let meta: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::input(
            meta_path.display().to_string(),
            format!("invalid JSON: {e}"),
        )
    })?;
    let docker = meta.pointer("/Endpoints/docker");
    let host = docker
        .and_then(|d| d.get("Host"))
        .and_then(|h| h.as_str())
        .ok_or_else(|| Error::input(meta_path.display().to_string(), "no Endpoints.docker.Host"))?;
    let skip_verify = docker
        .and_then(|d| d.get("SkipTLSVerify"))
        .and_then(|s| s.as_bool())
        .unwrap_or(false);
    let tls_dir = config_dir
        .join("contexts/tls")
        .join(id.hex())
        .join("docker");
    let tls = (!skip_verify && tls_dir.join("ca.pem").exists()).then_some(tls_dir);
    Ok(Some((name, host.to_string(), tls)))
}

/// A connected, version-negotiated client.
pub struct Connection {
    runtime: tokio::runtime::Runtime,
    docker: Docker,
    pub endpoint: Endpoint,
    timeout: Duration,
    /// The daemon's version and API version, as `/version` reports them.
    /// `docker` or `podman`.
    pub engine: String,
    pub server_version: String,
    pub api_version: String,
}

/// Why a request to the daemon failed, in words: the innermost operating-system error where there
/// is one (`connection refused`, `no such socket`), else the innermost message — never the HTTP
/// client's own wording ("client error (Connect)").
fn cause(e: &bollard::errors::Error) -> String {
    use std::io::ErrorKind;
    if let bollard::errors::Error::SocketNotFoundError(_) = e {
        return "no such socket".into();
    }
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut innermost = e.to_string();
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            let words = match io.kind() {
                ErrorKind::ConnectionRefused => "connection refused",
                ErrorKind::NotFound => "no such socket",
                ErrorKind::PermissionDenied => {
                    "permission denied (the socket belongs to root and the docker group)"
                }
                ErrorKind::TimedOut => "timed out",
                ErrorKind::ConnectionReset => "connection reset",
                _ => "",
            };
            if !words.is_empty() {
                return words.to_string();
            }
        }
        innermost = err.to_string();
        current = err.source();
    }
    innermost
}

impl Connection {
    pub fn open(endpoint: Endpoint, timeout: Duration) -> Result<Connection> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::input("tokio runtime", e.to_string()))?;
        let unreachable = |problem: String| Error::Input {
            what: format!(
                "cannot connect to the Docker daemon at {} ({})",
                endpoint.url, endpoint.origin
            ),
            problem,
        };
        let secs = timeout.as_secs().max(1);
        let version = bollard::API_DEFAULT_VERSION;
        let url = endpoint.url.as_str();
        let docker = if let Some(path) = url.strip_prefix("unix://") {
            Docker::connect_with_unix(path, secs, version)
        } else if url.starts_with("tcp://") || url.starts_with("http://") || url.starts_with("https://") {
            match &endpoint.tls {
                Some(dir) => Docker::connect_with_ssl(url, &dir.join("key.pem"), &dir.join("cert.pem"), &dir.join("ca.pem"), secs, version),
                None => Docker::connect_with_http(url, secs, version),
            }
        } else {
            return Err(Error::usage(format!(
                "Docker host `{url}`: only unix:// and tcp:// endpoints are supported (for ssh://, forward the socket)"
            )));
        }
        .map_err(|e| unreachable(cause(&e)))?;
        // Old daemons (and Podman) speak older API versions: negotiate down.
        let docker = runtime
            .block_on(async { tokio::time::timeout(timeout, docker.negotiate_version()).await })
            .map_err(|_| unreachable(format!("no answer within {}s", timeout.as_secs())))?
            .map_err(|e| unreachable(cause(&e)))?;
        let v = runtime
            .block_on(async { tokio::time::timeout(timeout, docker.version()).await })
            .map_err(|_| unreachable(format!("no answer within {}s", timeout.as_secs())))?
            .map_err(|e| unreachable(cause(&e)))?;
        let podman = v
            .components
            .iter()
            .flatten()
            .any(|c| c.name.to_ascii_lowercase().contains("podman"));
        Ok(Connection {
            engine: if podman { "podman" } else { "docker" }.to_string(),
            server_version: v.version.unwrap_or_default(),
            api_version: v.api_version.unwrap_or_default(),
            runtime,
            docker,
            endpoint,
            timeout,
        })
    }

    fn call<T, E: std::fmt::Display>(
        &self,
        what: &str,
        fut: impl std::future::Future<Output = std::result::Result<T, E>>,
    ) -> Result<T> {
        self.runtime
            .block_on(async { tokio::time::timeout(self.timeout, fut).await })
            .map_err(|_| {
                Error::input(
                    format!("{} {what}", self.endpoint.url),
                    format!("no answer within {}s", self.timeout.as_secs()),
                )
            })?
            .map_err(|e| Error::input(format!("{} {what}", self.endpoint.url), e.to_string()))
    }

    /// `GET /info` and `GET /version` as JSON.
    pub fn info(&self) -> Result<(serde_json::Value, serde_json::Value)> {
        let info = self.call("GET /info", self.docker.info())?;
        let version = self.call("GET /version", self.docker.version())?;
        Ok((
            serde_json::to_value(info).unwrap_or_default(),
            serde_json::to_value(version).unwrap_or_default(),
        ))
    }

    /// Inspects the named containers, or all (running, or every one with `all`).
    pub fn inspect_containers(
        &self,
        names: &[String],
        all: bool,
    ) -> Result<Vec<serde_json::Value>> {
        let ids: Vec<String> = if names.is_empty() {
            let opts = bollard::query_parameters::ListContainersOptionsBuilder::new()
                .all(all)
                .build();
            self.call(
                "GET /containers/json",
                self.docker.list_containers(Some(opts)),
            )?
            .into_iter()
            .filter_map(|c| c.id)
            .collect()
        } else {
            names.to_vec()
        };
        ids.iter()
            .map(|id| {
                self.call(
                    &format!("inspect {id}"),
                    self.docker.inspect_container(
                        id,
                        None::<bollard::query_parameters::InspectContainerOptions>,
                    ),
                )
                .map(|c| serde_json::to_value(c).unwrap_or_default())
            })
            .collect()
    }

    /// Streams `docker save NAME` into `out` (a private spool file): nothing held in memory.
    pub fn export_image(&self, name: &str, out: &mut std::fs::File, max_bytes: u64) -> Result<()> {
        let what = format!("{} export {name}", self.endpoint.url);
        self.runtime.block_on(async {
            let mut stream = self.docker.export_image(name);
            let mut total = 0u64;
            loop {
                let next = tokio::time::timeout(self.timeout, stream.next())
                    .await
                    .map_err(|_| {
                        Error::input(&what, format!("no data within {}s", self.timeout.as_secs()))
                    })?;
                let Some(chunk) = next else { break };
                let chunk = chunk.map_err(|e| Error::input(&what, e.to_string()))?;
                total += chunk.len() as u64;
                if total > max_bytes {
                    return Err(Error::Limit {
                        what: what.clone(),
                        problem: "the exported image is larger than allowed".into(),
                        limit: crate::limits::human_bytes(max_bytes),
                        flag: "--max-image-size",
                    });
                }
                out.write_all(&chunk)
                    .map_err(|e| Error::io("spool file", e))?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_host_wins() {
        let e = resolve_endpoint(Some("tcp://127.0.0.1:2376")).unwrap();
        assert_eq!(e.url, "tcp://127.0.0.1:2376");
        assert_eq!(e.origin, "--host");
    }
}
