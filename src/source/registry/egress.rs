//! Where a registry pull may connect, and where credentials may go.
//!
//! A registry can name other hosts: a token `realm` in its `WWW-Authenticate` challenge, and
//! `Location` on redirected manifest and blob requests (object storage, CDNs). Each is a host
//! stevedore would contact on the registry's word. The rule here: a realm receives credentials
//! only when it is the registry's own host or paired with that registry; a redirect never carries
//! credentials to another host; and under an allow-list (`stevedore serve`) no host is contacted
//! that is not the registry itself, one of its paired realms or one of its redirect hosts.
//!
//! Host patterns: `host[:port]`; a label written `*` matches any one label and a label containing
//! `*` (`prod-*-bucket`) matches within one label; a first label `**` matches one or more labels
//! (`**.blob.core.windows.net`). Without a port the pattern matches the scheme's default port only.

use crate::error::{Error, Result};

/// Docker Hub's names: what a reference without a registry means.
pub const DOCKER_HUB: &str = "docker.io";
const DOCKER_HUB_ALIASES: [&str; 3] = ["docker.io", "index.docker.io", "registry-1.docker.io"];
/// Where Docker Hub's registry API is served.
pub const DOCKER_HUB_ENDPOINT: &str = "registry-1.docker.io";

/// A registry's canonical name: `host[:port]` lowercased, Docker Hub's aliases as `docker.io`,
/// a default port written out removed.
pub fn canonical_registry(name: &str) -> String {
    let lower = name.trim().trim_end_matches('/').to_ascii_lowercase();
    let lower = lower
        .strip_suffix(":443")
        .map(str::to_string)
        .unwrap_or(lower);
    if DOCKER_HUB_ALIASES.contains(&lower.as_str()) {
        DOCKER_HUB.to_string()
    } else {
        lower
    }
}

/// The host stevedore connects to for a canonical registry name.
pub fn endpoint(registry: &str) -> &str {
    if registry == DOCKER_HUB {
        DOCKER_HUB_ENDPOINT
    } else {
        registry
    }
}

/// Whether `name` is what docker takes for a registry host in a reference: it has a `.` or a
/// `:`, or it is `localhost`. Anything else (`myreg`) is read as a Docker Hub namespace.
pub fn looks_like_registry(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty()
        && (name.contains('.') || name.contains(':') || name == "localhost")
        && !name.contains('/')
        && !name.chars().any(char::is_whitespace)
}

/// A host pattern (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    labels: Vec<String>,
    port: Option<u16>,
    text: String,
}

impl HostPattern {
    pub fn parse(text: &str) -> std::result::Result<HostPattern, String> {
        let t = text.trim().to_ascii_lowercase();
        if t.is_empty() || t.contains('/') || t.contains('@') || t.chars().any(char::is_whitespace)
        {
            return Err(format!(
                "`{text}` is not a host pattern (host[:port], `*.example.com`)"
            ));
        }
        let (host, port) = match t.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (
                h.to_string(),
                Some(
                    p.parse::<u16>()
                        .map_err(|_| format!("`{text}`: `{p}` is not a port"))?,
                ),
            ),
            _ => (t.clone(), None),
        };
        let labels: Vec<String> = host.split('.').map(str::to_string).collect();
        if labels.iter().any(String::is_empty) {
            return Err(format!("`{text}`: empty label"));
        }
        if labels.iter().skip(1).any(|l| l == "**") {
            return Err(format!("`{text}`: `**` may only be the first label"));
        }
        // A pattern must pin its domain: `*` or `*.com` would allow the whole internet.
        let fixed = labels.iter().filter(|l| !l.contains('*')).count();
        let single_name = labels.len() == 1 && fixed == 1;
        if fixed < 2 && !single_name {
            return Err(format!(
                "`{text}`: a pattern needs at least two fixed labels (`*.example.com`)"
            ));
        }
        Ok(HostPattern {
            labels,
            port,
            text: text.trim().to_string(),
        })
    }

    /// Whether `host` (no port) on `port` matches; `default_port` is the scheme's.
    pub fn matches(&self, host: &str, port: u16, default_port: u16) -> bool {
        if self.port.unwrap_or(default_port) != port {
            return false;
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let labels: Vec<&str> = host.split('.').collect();
        match self.labels.first().map(String::as_str) {
            Some("**") => {
                let rest = &self.labels[1..];
                labels.len() > rest.len()
                    && labels[labels.len() - rest.len()..]
                        .iter()
                        .zip(rest)
                        .all(|(l, p)| label_matches(p, l))
            }
            _ => {
                labels.len() == self.labels.len()
                    && labels
                        .iter()
                        .zip(&self.labels)
                        .all(|(l, p)| label_matches(p, l))
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// `*` within one DNS label.
fn label_matches(pattern: &str, label: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == label;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !label.starts_with(first) || label.len() < first.len() + last.len() || !label.ends_with(last)
    {
        return false;
    }
    let mut rest = &label[first.len()..label.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// `REGISTRY=HOST_PATTERN`, as `--allow-auth-realm` and `--allow-blob-redirect` take it. The
/// registry side is itself a pattern (`**.azurecr.io`).
#[derive(Debug, Clone)]
pub struct Pair {
    pub registry: HostPattern,
    pub target: HostPattern,
}

impl Pair {
    pub fn parse(text: &str) -> std::result::Result<Pair, String> {
        let (r, t) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}`: expected REGISTRY=HOST"))?;
        Ok(Pair {
            registry: HostPattern::parse(&canonical_registry(r))?,
            target: HostPattern::parse(t)?,
        })
    }

    fn of(registry: &str, target: &str) -> Option<Pair> {
        Some(Pair {
            registry: HostPattern::parse(registry).ok()?,
            target: HostPattern::parse(target).ok()?,
        })
    }

    fn for_registry(&self, registry: &str) -> bool {
        let (host, port) = split_host_port(registry, 443);
        self.registry.matches(&host, port, 443)
    }
}

/// Token realms on another host than their registry that stevedore sends that registry's
/// credentials to without being told: the public registries' own token services.
pub const DEFAULT_REALMS: [(&str, &str); 3] = [
    ("docker.io", "auth.docker.io"),
    ("registry.gitlab.com", "gitlab.com"),
    ("nvcr.io", "authn.nvidia.com"),
];

/// Hosts public registries redirect manifest and blob downloads to (object storage and CDNs).
/// A redirect never carries credentials; these only decide where `stevedore serve` may follow.
pub const DEFAULT_REDIRECTS: [(&str, &str); 17] = [
    ("docker.io", "production.cloudflare.docker.com"),
    ("docker.io", "production.cloudfront.docker.com"),
    ("docker.io", "docker-images-prod.r2.cloudflarestorage.com"),
    ("docker.io", "docker-images-prod.*.r2.cloudflarestorage.com"),
    ("ghcr.io", "pkg-containers.githubusercontent.com"),
    ("quay.io", "*.quay.io"),
    ("quay.io", "quayio-production-s3.s3.amazonaws.com"),
    ("gcr.io", "storage.googleapis.com"),
    ("*.gcr.io", "storage.googleapis.com"),
    ("**.pkg.dev", "storage.googleapis.com"),
    ("registry.k8s.io", "*.pkg.dev"),
    (
        "registry.k8s.io",
        "prod-registry-k8s-io-*.s3.dualstack.*.amazonaws.com",
    ),
    ("mcr.microsoft.com", "**.data.mcr.microsoft.com"),
    ("**.azurecr.io", "**.blob.core.windows.net"),
    (
        "*.dkr.ecr.*.amazonaws.com",
        "prod-*-starport-layer-bucket.s3.*.amazonaws.com",
    ),
    (
        "*.dkr.ecr.*.amazonaws.com",
        "prod-*-starport-layer-bucket.s3.amazonaws.com",
    ),
    ("public.ecr.aws", "*.cloudfront.net"),
];

/// Whether a host name (an IP address, bracketed or not, or a name) is this machine's loopback:
/// `localhost` or an address in 127.0.0.0/8 or `::1`. Nothing is resolved.
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `host[:port]` → (host, port), the port defaulting to `default_port`. IPv6 in brackets kept.
pub fn split_host_port(text: &str, default_port: u16) -> (String, u16) {
    let t = text.trim().to_ascii_lowercase();
    if let Some(rest) = t.strip_prefix('[') {
        if let Some((h, after)) = rest.split_once(']') {
            let port = after
                .strip_prefix(':')
                .and_then(|p| p.parse().ok())
                .unwrap_or(default_port);
            return (format!("[{h}]"), port);
        }
    }
    match t.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => match p.parse() {
            Ok(port) => (h.to_string(), port),
            Err(_) => (t.clone(), default_port),
        },
        _ => (t, default_port),
    }
}

/// The egress rule a pull follows.
#[derive(Debug, Clone, Default)]
pub struct Egress {
    /// `Some`: only these registries (canonical names) and their paired hosts may be contacted
    /// (`stevedore serve --allow-registry`). `None`: any registry (the CLI, which the user points).
    pub registries: Option<Vec<String>>,
    /// `--allow-auth-realm REGISTRY=HOST`, before the shipped defaults.
    pub realms: Vec<Pair>,
    /// `--allow-blob-redirect REGISTRY=HOST_PATTERN`, before the shipped defaults.
    pub redirects: Vec<Pair>,
    /// Do not apply the shipped defaults.
    pub no_defaults: bool,
}

/// What a host is to a registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Realm,
    Redirect,
}

impl Egress {
    /// Refuses a registry the allow-list does not hold.
    pub fn check_registry(&self, registry: &str) -> Result<()> {
        match &self.registries {
            Some(list) if !list.iter().any(|r| *r == canonical_registry(registry)) => {
                Err(Error::usage(format!(
                    "registry {registry} is not allowed (--allow-registry)"
                )))
            }
            _ => Ok(()),
        }
    }

    fn pairs(&self, role: Role) -> Vec<Pair> {
        let (given, defaults): (&[Pair], &[(&str, &str)]) = match role {
            Role::Realm => (&self.realms, &DEFAULT_REALMS),
            Role::Redirect => (&self.redirects, &DEFAULT_REDIRECTS),
        };
        let mut out = given.to_vec();
        if !self.no_defaults {
            out.extend(defaults.iter().filter_map(|(r, t)| Pair::of(r, t)));
        }
        out
    }

    /// Whether `host:port` is paired with `registry` in `role` (its own endpoint always is).
    pub fn paired(
        &self,
        registry: &str,
        role: Role,
        host: &str,
        port: u16,
        default_port: u16,
    ) -> bool {
        let (own_host, own_port) = split_host_port(endpoint(registry), default_port);
        if own_host == host.to_ascii_lowercase() && own_port == port {
            return true;
        }
        self.pairs(role)
            .iter()
            .any(|p| p.for_registry(registry) && p.target.matches(host, port, default_port))
    }

    /// Whether a pull from `registry` may connect to `host:port` at all, for `role`.
    pub fn may_contact(
        &self,
        registry: &str,
        role: Role,
        host: &str,
        port: u16,
        default_port: u16,
    ) -> bool {
        self.registries.is_none() || self.paired(registry, role, host, port, default_port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_named_without_resolving() {
        for yes in [
            "localhost",
            "LocalHost",
            "127.0.0.1",
            "127.8.9.1",
            "::1",
            "[::1]",
        ] {
            assert!(is_loopback_host(yes), "{yes}");
        }
        for no in [
            "127.0.0.1.example.com",
            "10.0.0.1",
            "db.internal",
            "[::2]",
            "",
        ] {
            assert!(!is_loopback_host(no), "{no}");
        }
    }

    #[test]
    fn registry_names_normalise_like_docker() {
        assert_eq!(canonical_registry("Index.Docker.IO"), "docker.io");
        assert_eq!(canonical_registry("registry-1.docker.io:443"), "docker.io");
        assert_eq!(canonical_registry("127.0.0.1:5000"), "127.0.0.1:5000");
        assert!(looks_like_registry("localhost"));
        assert!(looks_like_registry("myreg:5000"));
        assert!(looks_like_registry("registry.example"));
        assert!(!looks_like_registry("myreg"));
        assert!(!looks_like_registry("a/b.c"));
    }

    #[test]
    fn host_patterns() {
        let p = |t: &str| HostPattern::parse(t).unwrap();
        assert!(p("*.quay.io").matches("cdn01.quay.io", 443, 443));
        assert!(!p("*.quay.io").matches("quay.io", 443, 443));
        assert!(!p("*.quay.io").matches("a.b.quay.io", 443, 443));
        assert!(p("**.blob.core.windows.net").matches("a.b.blob.core.windows.net", 443, 443));
        assert!(!p("**.blob.core.windows.net").matches("blob.core.windows.net", 443, 443));
        assert!(
            p("prod-*-starport-layer-bucket.s3.*.amazonaws.com").matches(
                "prod-eu-west-1-starport-layer-bucket.s3.eu-west-1.amazonaws.com",
                443,
                443
            )
        );
        assert!(
            !p("prod-*-starport-layer-bucket.s3.*.amazonaws.com").matches(
                "evil.s3.eu-west-1.amazonaws.com",
                443,
                443
            )
        );
        // The port is part of the host: the default only unless written.
        assert!(!p("cdn.example").matches("cdn.example", 8443, 443));
        assert!(p("cdn.example:8443").matches("cdn.example", 8443, 443));
        assert!(p("127.0.0.1:5001").matches("127.0.0.1", 5001, 80));
        for bad in ["*", "*.com", "**", "a/b", "x:y", "**.*.com", "a.**.b"] {
            assert!(HostPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn realms_and_redirects_are_paired_per_registry() {
        let e = Egress {
            registries: Some(vec!["127.0.0.1:5000".into()]),
            realms: vec![Pair::parse("127.0.0.1:5000=127.0.0.1:6000").unwrap()],
            ..Egress::default()
        };
        assert!(e.paired("127.0.0.1:5000", Role::Realm, "127.0.0.1", 5000, 443));
        assert!(e.paired("127.0.0.1:5000", Role::Realm, "127.0.0.1", 6000, 443));
        assert!(!e.paired("127.0.0.1:5000", Role::Redirect, "127.0.0.1", 6000, 443));
        assert!(!e.paired("127.0.0.2:5000", Role::Realm, "127.0.0.1", 6000, 443));
        assert!(!e.may_contact("127.0.0.1:5000", Role::Realm, "127.0.0.1", 7000, 443));
        assert!(Egress::default().may_contact(
            "x.example",
            Role::Realm,
            "anything.example",
            1,
            443
        ));
        // Shipped defaults: Docker Hub's token service and CDN, not a stranger's bucket.
        let hub = Egress::default();
        assert!(hub.paired("docker.io", Role::Realm, "auth.docker.io", 443, 443));
        assert!(hub.paired(
            "docker.io",
            Role::Redirect,
            "production.cloudflare.docker.com",
            443,
            443
        ));
        assert!(!hub.paired("docker.io", Role::Redirect, "auth.docker.io", 443, 443));
        assert!(!hub.paired("ghcr.io", Role::Realm, "auth.docker.io", 443, 443));
        assert!(hub.paired(
            "team.azurecr.io",
            Role::Redirect,
            "x.blob.core.windows.net",
            443,
            443
        ));
        let none = Egress {
            no_defaults: true,
            ..Egress::default()
        };
        assert!(!none.paired("docker.io", Role::Realm, "auth.docker.io", 443, 443));
    }
}
