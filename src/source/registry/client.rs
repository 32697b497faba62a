//! The distribution API over HTTP, with every hop checked: the token realm a registry names, each
//! redirect of a manifest or blob request, and where credentials go. Redirects are followed by
//! hand (at most [`MAX_REDIRECTS`], never from HTTPS to HTTP, credentials only to the registry's
//! own host) and their URLs are never written anywhere: presigned query strings are credentials.
//! Errors carry the status and a short cause, never the body a server sent.

use super::challenge::{self, Challenge};
use super::egress::{Egress, Role, canonical_registry, endpoint, split_host_port};
use crate::error::{Error, Result};
use crate::source::credentials::Credentials;
use base64::Engine;
use reqwest::header::{ACCEPT, AUTHORIZATION, LOCATION, WWW_AUTHENTICATE};
use reqwest::{StatusCode, Url};
use std::time::{Duration, Instant};

pub const MAX_REDIRECTS: usize = 5;
/// The most of a token response read.
const MAX_TOKEN_BYTES: usize = 64 << 10;

/// The distribution spec's error codes: the only part of an error body ever repeated.
const KNOWN_CODES: [&str; 14] = [
    "BLOB_UNKNOWN",
    "BLOB_UPLOAD_INVALID",
    "BLOB_UPLOAD_UNKNOWN",
    "DIGEST_INVALID",
    "MANIFEST_BLOB_UNKNOWN",
    "MANIFEST_INVALID",
    "MANIFEST_UNKNOWN",
    "NAME_INVALID",
    "NAME_UNKNOWN",
    "SIZE_INVALID",
    "UNAUTHORIZED",
    "DENIED",
    "UNSUPPORTED",
    "TOOMANYREQUESTS",
];

/// Which hosts may be spoken to in plain HTTP.
#[derive(Debug, Clone, Default)]
pub struct PlainHttp {
    /// `--plain-http`: every host.
    pub all: bool,
    /// `--insecure-registry HOST[:PORT]`, canonical.
    pub hosts: Vec<String>,
}

impl PlainHttp {
    /// Whether the registry itself is reached in plain HTTP.
    pub fn allows_registry(&self, registry: &str) -> bool {
        self.all || self.hosts.iter().any(|h| canonical_registry(h) == registry)
    }

    /// Whether `host:port` may be spoken to in plain HTTP (a redirect or realm of an HTTP registry).
    fn allows(&self, host: &str, port: u16) -> bool {
        self.all
            || self.hosts.iter().any(|h| {
                split_host_port(endpoint(&canonical_registry(h)), 80) == (host.to_string(), port)
            })
    }
}

/// A client for one registry and one repository.
pub struct RegistryClient {
    http: reqwest::Client,
    /// Canonical registry name (`docker.io`, `127.0.0.1:5000`).
    pub registry: String,
    pub repository: String,
    base: Url,
    egress: Egress,
    plain: PlainHttp,
    creds: Option<Credentials>,
    /// The Authorization value per host (`host:port`) obtained so far.
    auth: tokio::sync::Mutex<Vec<(String, String)>>,
    pub deadline: Instant,
}

/// `host:port` of a URL, lowercased, with the scheme's default port.
fn host_port(url: &Url) -> (String, u16) {
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host
    };
    (host, url.port_or_known_default().unwrap_or(0))
}

fn default_port(url: &Url) -> u16 {
    if url.scheme() == "http" { 80 } else { 443 }
}

/// What a failed request met, in words and without its URL: `connection refused`, `cannot
/// resolve the host name`, `TLS: …`, `timed out`. [`SPEAKS_PLAIN_HTTP`] marks the one case where
/// pointing at `--insecure-registry` helps.
pub fn cause(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut inner: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    let mut innermost = None;
    while let Some(err) = inner {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return tls_words(tls);
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind;
            match io.kind() {
                ErrorKind::ConnectionRefused => return "connection refused".into(),
                ErrorKind::ConnectionReset => return "connection reset".into(),
                ErrorKind::TimedOut => return "timed out".into(),
                _ => {}
            }
            // An io::Error's source() skips the error it wraps (often another io::Error around
            // the TLS error): step into it instead.
            if let Some(wrapped) = io.get_ref() {
                innermost = Some(err.to_string());
                inner = Some(wrapped as &(dyn std::error::Error + 'static));
                continue;
            }
        }
        innermost = Some(err.to_string());
        inner = err.source();
    }
    let text = innermost.unwrap_or_default();
    if text.contains("failed to lookup address") || text.contains("dns error") {
        return "cannot resolve the host name (DNS)".into();
    }
    let kind = if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "connection broken while reading"
    } else {
        "request failed"
    };
    if text.is_empty() || text.contains("://") {
        kind.to_string()
    } else {
        format!("{kind} ({text})")
    }
}

/// Marks a TLS failure that means the server answered in plain HTTP.
pub const SPEAKS_PLAIN_HTTP: &str = "the server does not speak TLS";

fn tls_words(e: &rustls::Error) -> String {
    use rustls::{CertificateError, Error as Tls};
    match e {
        Tls::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "TLS: the certificate is signed by an authority this machine does not trust".into()
        }
        Tls::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => "TLS: the certificate has expired".into(),
        Tls::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => "TLS: the certificate is for another host name".into(),
        Tls::InvalidCertificate(other) => {
            format!("TLS: the certificate is not trusted ({other:?})")
        }
        Tls::InvalidMessage(_) => format!("TLS handshake failed: {SPEAKS_PLAIN_HTTP}"),
        other => format!("TLS: {other}"),
    }
}

impl RegistryClient {
    pub fn new(
        registry: &str,
        repository: &str,
        egress: Egress,
        plain: PlainHttp,
        creds: Option<Credentials>,
        deadline: Instant,
    ) -> Result<RegistryClient> {
        egress.check_registry(registry)?;
        // reqwest is built without a crypto provider (and panics without one): ring, which the
        // rest of stevedore uses too.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let scheme = if plain.allows_registry(registry) {
            "http"
        } else {
            "https"
        };
        let base = Url::parse(&format!("{scheme}://{}/", endpoint(registry)))
            .map_err(|e| Error::usage(format!("registry `{registry}`: {e}")))?;
        let budget = deadline.saturating_duration_since(Instant::now());
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(budget.min(Duration::from_secs(30)))
            .read_timeout(budget.min(Duration::from_secs(60)))
            .user_agent(concat!("stevedore/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::input(format!("registry {registry}"), cause(&e)))?;
        Ok(RegistryClient {
            http,
            registry: registry.to_string(),
            repository: repository.to_string(),
            base,
            egress,
            plain,
            creds,
            auth: tokio::sync::Mutex::new(Vec::new()),
            deadline,
        })
    }

    fn what(&self) -> String {
        format!("registry {}", self.registry)
    }

    fn err(&self, problem: impl Into<String>) -> Error {
        Error::input(self.what(), problem)
    }

    fn is_registry_host(&self, url: &Url) -> bool {
        host_port(url) == host_port(&self.base) && url.scheme() == self.base.scheme()
    }

    /// Awaits `fut` within the pull's deadline.
    async fn within<T>(&self, what: &str, fut: impl std::future::Future<Output = T>) -> Result<T> {
        tokio::time::timeout_at(self.deadline.into(), fut)
            .await
            .map_err(|_| self.err(format!("{what}: deadline reached")))
    }

    /// `GET /v2/<repo>/<kind>/<reference>`, following challenges and allowed redirects. The
    /// response is a success; anything else is an error naming the status.
    pub async fn get(
        &self,
        kind: &str,
        reference: &str,
        accept: &[&str],
        what: &str,
    ) -> Result<reqwest::Response> {
        let mut url = self
            .base
            .join(&format!("v2/{}/{kind}/{reference}", self.repository))
            .map_err(|e| self.err(format!("{what}: {e}")))?;
        let mut hops = 0;
        let mut authenticated = Vec::new();
        loop {
            let (host, port) = host_port(&url);
            let key = format!("{host}:{port}");
            let mut request = self.http.get(url.clone());
            if !accept.is_empty() {
                request = request.header(ACCEPT, accept.join(", "));
            }
            // Credentials and tokens go to the host they were obtained for, only.
            if let Some(value) = self
                .auth
                .lock()
                .await
                .iter()
                .find(|(h, _)| *h == key)
                .map(|(_, v)| v.clone())
            {
                request = request.header(AUTHORIZATION, value);
            }
            let response = self
                .within(what, request.send())
                .await?
                .map_err(|e| self.err(format!("{what}: {}", cause(&e))))?;
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            if status == StatusCode::UNAUTHORIZED && !authenticated.contains(&key) {
                let header = response
                    .headers()
                    .get(WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(challenge::parse);
                let Some(challenge) = header else {
                    return Err(self.err(format!("{what}: HTTP 401 without a usable challenge")));
                };
                let value = self.authenticate(&url, &challenge, what).await?;
                self.auth.lock().await.push((key.clone(), value));
                authenticated.push(key);
                continue;
            }
            if status.is_redirection() {
                hops += 1;
                if hops > MAX_REDIRECTS {
                    return Err(self.err(format!("{what}: more than {MAX_REDIRECTS} redirects")));
                }
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| url.join(l).ok())
                    .ok_or_else(|| {
                        self.err(format!(
                            "{what}: HTTP {} without a usable Location",
                            status.as_u16()
                        ))
                    })?;
                self.check_hop(&url, &location, Role::Redirect, what)?;
                url = location;
                continue;
            }
            return Err(self.status_error(what, response).await);
        }
    }

    /// A hop from `from` to `to` as `role`: the scheme and the egress rule.
    fn check_hop(&self, from: &Url, to: &Url, role: Role, what: &str) -> Result<()> {
        let (host, port) = host_port(to);
        let noun = match role {
            Role::Realm => "token realm",
            Role::Redirect => "redirect",
        };
        if !self
            .egress
            .may_contact(&self.registry, role, &host, port, default_port(to))
        {
            let flag = match role {
                Role::Realm => "--allow-auth-realm",
                Role::Redirect => "--allow-blob-redirect",
            };
            return Err(self.err(format!(
                "{what}: {noun} to {host}:{port} is not allowed for {} ({flag} {}={host}:{port})",
                self.registry, self.registry
            )));
        }
        match to.scheme() {
            "https" => Ok(()),
            "http" if from.scheme() == "https" => Err(self.err(format!(
                "{what}: {noun} from HTTPS to plain HTTP ({host}:{port}) refused"
            ))),
            "http" if self.plain.allows(&host, port) => Ok(()),
            "http" => Err(self.err(format!(
                "{what}: {noun} to plain HTTP on {host}:{port} refused (not an --insecure-registry host)"
            ))),
            other => Err(self.err(format!("{what}: {noun} with scheme `{other}` refused"))),
        }
    }

    /// The Authorization value a challenge asks for.
    async fn authenticate(
        &self,
        challenged: &Url,
        challenge: &Challenge,
        what: &str,
    ) -> Result<String> {
        let at_registry = self.is_registry_host(challenged);
        let basic = |c: &Credentials| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", c.username, c.secret))
            )
        };
        match challenge {
            Challenge::Basic => match (&self.creds, at_registry) {
                (Some(c), true) => Ok(basic(c)),
                (None, true) => Err(self.err(format!(
                    "{what}: HTTP 401: the registry asks for credentials and none are configured for it"
                ))),
                (_, false) => Err(self.err(format!("{what}: a redirect target asked for credentials; none are sent there"))),
            },
            Challenge::Bearer { realm, service, scope } => {
                let mut url = Url::parse(realm)
                    .map_err(|_| self.err(format!("{what}: the token realm is not a URL")))?;
                self.check_hop(challenged, &url, Role::Realm, what)?;
                let (host, port) = host_port(&url);
                let scope = scope
                    .clone()
                    .unwrap_or_else(|| format!("repository:{}:pull", self.repository));
                {
                    let mut q = url.query_pairs_mut();
                    if let Some(s) = service {
                        q.append_pair("service", s);
                    }
                    q.append_pair("scope", &scope);
                }
                let mut request = self.http.get(url.clone());
                // Credentials go to a realm only for their own registry's challenge, and only
                // when that realm is the registry's own host or paired with it.
                let paired = self
                    .egress
                    .paired(&self.registry, Role::Realm, &host, port, default_port(&url));
                let sends_creds = at_registry && paired && self.creds.is_some();
                if let (Some(c), true) = (&self.creds, sends_creds) {
                    request = request.header(AUTHORIZATION, basic(c));
                }
                let mut response = self
                    .within(what, request.send())
                    .await?
                    .map_err(|e| self.err(format!("{what}: token from {host}:{port}: {}", cause(&e))))?;
                if !response.status().is_success() {
                    let mut problem = format!("{what}: token from {host}:{port}: HTTP {}", response.status().as_u16());
                    if self.creds.is_some() && !sends_creds {
                        problem.push_str(&format!(
                            " (credentials were not sent: {host}:{port} is not paired with {}; --allow-auth-realm {}={host}:{port})",
                            self.registry, self.registry
                        ));
                    }
                    return Err(self.err(problem));
                }
                let body = read_limited(&mut response, MAX_TOKEN_BYTES, self.deadline)
                    .await
                    .map_err(|p| self.err(format!("{what}: token from {host}:{port}: {p}")))?;
                let doc: serde_json::Value = serde_json::from_slice(&body)
                    .map_err(|_| self.err(format!("{what}: token from {host}:{port}: not JSON")))?;
                let token = doc
                    .get("token")
                    .or_else(|| doc.get("access_token"))
                    .and_then(|t| t.as_str())
                    .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
                    .ok_or_else(|| self.err(format!("{what}: token from {host}:{port}: no token in the answer")))?;
                Ok(format!("Bearer {token}"))
            }
        }
    }

    /// An unsuccessful answer as an error: the status and, where the registry gave one of the
    /// spec's codes, that code. Nothing else of the body.
    async fn status_error(&self, what: &str, mut response: reqwest::Response) -> Error {
        let status = response.status();
        let code = read_limited(&mut response, 4096, self.deadline)
            .await
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| {
                v.pointer("/errors/0/code")
                    .and_then(|c| c.as_str())
                    .map(str::to_string)
            })
            .filter(|c| KNOWN_CODES.contains(&c.as_str()));
        let mut problem = format!("{what}: HTTP {}", status.as_u16());
        if let Some(c) = code {
            problem.push_str(&format!(" ({c})"));
        }
        self.err(problem)
    }

    /// A manifest (or index) by tag or digest: its bytes (at most `max_bytes`) and media type.
    pub async fn manifest(
        &self,
        reference: &str,
        accept: &[&str],
        max_bytes: u64,
    ) -> Result<(Vec<u8>, Option<String>)> {
        let what = format!("manifest {reference}");
        let mut response = self.get("manifests", reference, accept, &what).await?;
        let media_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_string());
        let limit = usize::try_from(max_bytes).unwrap_or(usize::MAX);
        let body = read_limited(&mut response, limit, self.deadline)
            .await
            .map_err(|p| self.err(format!("{what}: {p}")))?;
        Ok((body, media_type))
    }
}

/// Reads a body up to `limit` bytes within `deadline`; more is an error.
pub async fn read_limited(
    response: &mut reqwest::Response,
    limit: usize,
    deadline: Instant,
) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let chunk = tokio::time::timeout_at(deadline.into(), response.chunk())
            .await
            .map_err(|_| "deadline reached while reading".to_string())?
            .map_err(|e| cause(&e))?;
        let Some(chunk) = chunk else {
            return Ok(out);
        };
        if out.len() + chunk.len() > limit {
            return Err(format!("larger than {limit} bytes"));
        }
        out.extend_from_slice(&chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::registry::egress::Pair;

    fn client(registry: &str, egress: Egress, plain: PlainHttp) -> RegistryClient {
        RegistryClient::new(
            registry,
            "team/app",
            egress,
            plain,
            None,
            Instant::now() + Duration::from_secs(5),
        )
        .unwrap()
    }

    fn url(u: &str) -> Url {
        Url::parse(u).unwrap()
    }

    #[test]
    fn hops_keep_to_tls_and_the_allow_list() {
        let served = Egress {
            registries: Some(vec!["reg.example".into()]),
            redirects: vec![Pair::parse("reg.example=cdn.example").unwrap()],
            ..Egress::default()
        };
        let c = client("reg.example", served.clone(), PlainHttp::default());
        let from = url("https://reg.example/v2/team/app/blobs/sha256:00");
        assert!(
            c.check_hop(
                &from,
                &url("https://cdn.example/x?sig=1"),
                Role::Redirect,
                "blob"
            )
            .is_ok()
        );
        let e = c
            .check_hop(
                &from,
                &url("https://evil.example/x?sig=SECRET"),
                Role::Redirect,
                "blob",
            )
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("redirect to evil.example:443 is not allowed"),
            "{e}"
        );
        assert!(
            !e.contains("SECRET"),
            "a redirect URL's query is never repeated: {e}"
        );
        let e = c
            .check_hop(&from, &url("http://cdn.example/x"), Role::Redirect, "blob")
            .unwrap_err()
            .to_string();
        assert!(e.contains("from HTTPS to plain HTTP"), "{e}");
        assert!(
            c.check_hop(&from, &url("ftp://cdn.example/x"), Role::Redirect, "blob")
                .is_err()
        );
        // Realms: the registry's own host only, unless paired.
        assert!(
            c.check_hop(&from, &url("https://reg.example/token"), Role::Realm, "m")
                .is_ok()
        );
        assert!(
            c.check_hop(&from, &url("https://cdn.example/token"), Role::Realm, "m")
                .is_err()
        );
        // A plain-HTTP registry may be redirected to plain HTTP only on insecure hosts.
        let plain = PlainHttp {
            all: false,
            hosts: vec!["127.0.0.1:5000".into(), "127.0.0.1:6000".into()],
        };
        let open = Egress::default();
        let c = client("127.0.0.1:5000", open, plain);
        let from = url("http://127.0.0.1:5000/v2/team/app/blobs/sha256:00");
        assert!(
            c.check_hop(
                &from,
                &url("http://127.0.0.1:6000/b"),
                Role::Redirect,
                "blob"
            )
            .is_ok()
        );
        assert!(
            c.check_hop(
                &from,
                &url("http://127.0.0.1:7000/b"),
                Role::Redirect,
                "blob"
            )
            .is_err()
        );
        assert!(
            c.check_hop(
                &from,
                &url("https://anywhere.example/b"),
                Role::Redirect,
                "blob"
            )
            .is_ok()
        );
    }

    #[test]
    fn the_registry_itself_must_be_allowed() {
        let served = Egress {
            registries: Some(vec!["reg.example".into()]),
            ..Egress::default()
        };
        let e = RegistryClient::new(
            "other.example",
            "a",
            served,
            PlainHttp::default(),
            None,
            Instant::now(),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("registry other.example is not allowed"), "{e}");
    }
}
