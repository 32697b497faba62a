//! Registry credentials, found the way docker and skopeo find them: `--creds`, the
//! `STEVEDORE_REGISTRY_USERNAME`/`_PASSWORD` environment, `REGISTRY_AUTH_FILE`, then the docker
//! config (`auths`, `credHelpers`, `credsStore` through the `docker-credential-*` helpers).
//! Credentials never appear in messages, logs or reports.

use crate::error::{Error, Result};
use base64::Engine;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// A username and secret for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, ***)", self.username)
    }
}

/// `user:pass` as given to `--creds`.
pub fn parse_creds(text: &str) -> Result<Credentials> {
    let (u, p) = text
        .split_once(':')
        .ok_or_else(|| Error::usage("--creds expects USER:PASSWORD"))?;
    Ok(Credentials {
        username: u.to_string(),
        secret: p.to_string(),
    })
}

/// Where credentials may come from besides an explicit value.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// Skip `STEVEDORE_REGISTRY_USERNAME`/`_PASSWORD`: they name no registry, so a server that
    /// pulls from several would send them to each (`stevedore serve` reads per-registry files only).
    pub no_global_env: bool,
    /// Docker-config files read before `REGISTRY_AUTH_FILE` and the docker config
    /// (`serve --registry-auth-file`).
    pub files: Vec<PathBuf>,
}

/// The credentials for `registry` (a host[:port]), if any are configured.
pub fn lookup(
    registry: &str,
    explicit: Option<&Credentials>,
    sources: &Sources,
) -> Result<Option<Credentials>> {
    if let Some(c) = explicit {
        return Ok(Some(c.clone()));
    }
    if !sources.no_global_env {
        if let (Ok(u), Ok(p)) = (
            std::env::var("STEVEDORE_REGISTRY_USERNAME"),
            std::env::var("STEVEDORE_REGISTRY_PASSWORD"),
        ) {
            return Ok(Some(Credentials {
                username: u,
                secret: p,
            }));
        }
    }
    let mut files = sources.files.clone();
    files.extend(config_files());
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let doc: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::input(path.display().to_string(), format!("invalid JSON: {e}")))?;
        if let Some(c) = from_config(&doc, registry)? {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

fn config_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(p) = std::env::var_os("REGISTRY_AUTH_FILE") {
        out.push(PathBuf::from(p));
    }
    let docker_dir = std::env::var_os("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")));
    if let Some(d) = docker_dir {
        out.push(d.join("config.json"));
    }
    out
}

/// The keys a registry may be listed under (`docker.io` is stored as its v1 index URL).
fn keys(registry: &str) -> Vec<String> {
    let mut k = vec![
        registry.to_string(),
        format!("https://{registry}"),
        format!("http://{registry}"),
    ];
    if matches!(
        registry,
        "docker.io" | "index.docker.io" | "registry-1.docker.io"
    ) {
        k.push("https://index.docker.io/v1/".into());
        k.push("docker.io".into());
        k.push("index.docker.io".into());
    }
    k
}

fn from_config(doc: &serde_json::Value, registry: &str) -> Result<Option<Credentials>> {
    let keys = keys(registry);
    if let Some(helper) = doc
        .get("credHelpers")
        .and_then(|h| keys.iter().find_map(|k| h.get(k)))
        .and_then(|v| v.as_str())
    {
        return helper_get(helper, registry);
    }
    if let Some(entry) = doc
        .get("auths")
        .and_then(|a| keys.iter().find_map(|k| a.get(k)))
    {
        if let Some(auth) = entry
            .get("auth")
            .and_then(|a| a.as_str())
            .filter(|a| !a.is_empty())
        {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|_| {
                    Error::input(
                        "docker config",
                        format!("the auth entry for {registry} is not base64"),
                    )
                })?;
            let text = String::from_utf8_lossy(&decoded).into_owned();
            if let Some((u, p)) = text.split_once(':') {
                return Ok(Some(Credentials {
                    username: u.to_string(),
                    secret: p.to_string(),
                }));
            }
        }
        if let (Some(u), Some(p)) = (
            entry.get("username").and_then(|v| v.as_str()),
            entry.get("password").and_then(|v| v.as_str()),
        ) {
            return Ok(Some(Credentials {
                username: u.to_string(),
                secret: p.to_string(),
            }));
        }
    }
    if let Some(store) = doc.get("credsStore").and_then(|s| s.as_str()) {
        return helper_get(store, registry);
    }
    Ok(None)
}

/// `docker-credential-NAME get` with the registry on stdin; "credentials not found" is `None`.
fn helper_get(helper: &str, registry: &str) -> Result<Option<Credentials>> {
    if !helper
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::input(
            "docker config",
            format!("credential helper name `{helper}` is not valid"),
        ));
    }
    let program = format!("docker-credential-{helper}");
    let mut child = match Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return Err(Error::input(
                &program,
                format!("cannot run the credential helper: {e}"),
            ));
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(registry.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Error::input(&program, e.to_string()))?;
    if !out.status.success() {
        return Ok(None);
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|_| Error::input(&program, "answered something that is not JSON"))?;
    match (
        v.get("Username").and_then(|u| u.as_str()),
        v.get("Secret").and_then(|s| s.as_str()),
    ) {
        (Some(u), Some(s)) => Ok(Some(Credentials {
            username: u.to_string(),
            secret: s.to_string(),
        })),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn auths_and_hub_keys() {
        let doc = json!({"auths": {
            "reg.local:5000": {"auth": base64::engine::general_purpose::STANDARD.encode("alice:s3cret")},
            "https://index.docker.io/v1/": {"username": "bob", "password": "pw"}
        }});
        let c = from_config(&doc, "reg.local:5000").unwrap().unwrap();
        assert_eq!(
            (c.username.as_str(), c.secret.as_str()),
            ("alice", "s3cret")
        );
        assert_eq!(
            from_config(&doc, "docker.io").unwrap().unwrap().username,
            "bob"
        );
        assert!(from_config(&doc, "other:1").unwrap().is_none());
        assert_eq!(
            format!("{c:?}"),
            "Credentials(alice, ***)",
            "secrets never print"
        );
    }
}
