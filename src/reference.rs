//! Image references as docker spells them, reduced to the repository path that reports use.

use std::path::Path;

/// `nginx:1.27` → `library/nginx`; `ghcr.io/org/app@sha256:…` → `org/app`;
/// `localhost:5000/team/app:v1` → `team/app`. `None` for text that is not a reference
/// (e.g. `1.27`). Note a bare word such as `latest` parses as a name: callers holding OCI ref
/// annotations, which are often bare tags, use [`names_an_image`] first.
pub(crate) fn repository_path(reference: &str) -> Option<String> {
    let without_digest = reference.split('@').next()?;
    let mut parts: Vec<&str> = without_digest.split('/').collect();
    // Strip the tag from the last component (a colon in the first component is a port).
    let last = parts.pop()?;
    let name = match last.rsplit_once(':') {
        Some((n, _tag)) => n,
        None => last,
    };
    if !is_name_component(name) {
        return None;
    }
    if let Some(first) = parts.first() {
        if first.contains('.') || first.contains(':') || *first == "localhost" {
            parts.remove(0);
        }
    }
    if parts.is_empty() {
        return Some(format!("library/{name}"));
    }
    parts.push(name);
    Some(parts.join("/"))
}

fn is_name_component(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        && s.chars().any(|c| c.is_ascii_lowercase())
}

/// Whether a name from an archive names an image (`repo:tag`, `host/repo`, `repo@digest`)
/// rather than being a bare tag such as `latest`.
pub(crate) fn names_an_image(name: &str) -> bool {
    name.contains([':', '/', '@'])
}

/// `out/app.tar.gz` → `app`; `layouts/app/` → `app`.
pub(crate) fn file_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "image".to_string());
    let stem = name.split('.').next().unwrap_or(&name);
    // A colon would read as a URI scheme in SARIF (`sha256:…` for an image id).
    let stem = stem.replace(':', "-");
    if stem.is_empty() {
        "image".to_string()
    } else {
        stem
    }
}

/// The short form docker prints: `docker.io/library/nginx:1` → `nginx:1`,
/// `docker.io/org/app:2` → `org/app:2`; other registries stay.
pub(crate) fn familiar(reference: &str) -> &str {
    reference
        .strip_prefix("docker.io/library/")
        .or_else(|| reference.strip_prefix("docker.io/"))
        .or_else(|| reference.strip_prefix("index.docker.io/"))
        .unwrap_or(reference)
}

/// Whether a reference names the `latest` tag, explicitly or by having no tag or digest.
pub(crate) fn is_latest(reference: &str) -> bool {
    if reference.contains('@') {
        return false;
    }
    let last = reference.rsplit('/').next().unwrap_or(reference);
    match last.rsplit_once(':') {
        Some((_, tag)) => tag == "latest",
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_paths_drop_registry_tag_and_digest() {
        assert_eq!(
            repository_path("nginx:1.27").as_deref(),
            Some("library/nginx")
        );
        assert_eq!(repository_path("nginx").as_deref(), Some("library/nginx"));
        assert_eq!(
            repository_path("docker.io/library/nginx:1").as_deref(),
            Some("library/nginx")
        );
        assert_eq!(
            repository_path("ghcr.io/org/app@sha256:abc").as_deref(),
            Some("org/app")
        );
        assert_eq!(
            repository_path("localhost:5000/team/app:v1").as_deref(),
            Some("team/app")
        );
        assert_eq!(repository_path("1.27"), None);
        assert_eq!(repository_path("Latest"), None);
    }

    #[test]
    fn file_stems_lose_all_extensions() {
        assert_eq!(file_stem(Path::new("out/app.tar.gz")), "app");
        assert_eq!(file_stem(Path::new("layouts/app/")), "app");
        assert_eq!(file_stem(Path::new("sha256:abc")), "sha256-abc");
    }

    #[test]
    fn latest_detection() {
        assert!(is_latest("nginx"));
        assert!(is_latest("nginx:latest"));
        assert!(!is_latest("localhost:5000/nginx:1"));
        assert!(is_latest("localhost:5000/nginx"));
        assert!(!is_latest("nginx@sha256:abc"));
    }
}
