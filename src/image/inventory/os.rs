//! The OS an image's files identify: os-release, else the distributions' own release files.

use super::{OsInfo, text};
use crate::image::fs::Fs;
use std::collections::BTreeMap;

/// `KEY="value"` lines of an os-release file.
pub(crate) fn os_release(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_string(),
                v.trim().trim_matches(|c| c == '"' || c == '\'').to_string(),
            )
        })
        .collect()
}

pub fn detect_os(fs: &Fs) -> Option<OsInfo> {
    let layer_of = |p: &str| fs.resolve(p).map_or(0, |e| e.layer);
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        if let Some(t) = text(fs, path) {
            let kv = os_release(&t);
            let id = kv.get("ID").cloned().unwrap_or_default();
            if id.is_empty() {
                continue;
            }
            let like = kv.get("ID_LIKE").cloned().unwrap_or_default();
            return Some(OsInfo {
                family: family(&id, &like),
                version_id: kv.get("VERSION_ID").cloned().unwrap_or_default(),
                pretty_name: kv.get("PRETTY_NAME").cloned().unwrap_or_default(),
                version_codename: kv.get("VERSION_CODENAME").cloned().unwrap_or_default(),
                source: path.into(),
                layer: layer_of(path),
                id,
            });
        }
    }
    let simple = |id: &str, path: &str, version: String, pretty: String| OsInfo {
        id: id.into(),
        family: family(id, ""),
        version_id: version,
        pretty_name: pretty,
        version_codename: String::new(),
        source: path.into(),
        layer: layer_of(path),
    };
    if let Some(v) = text(fs, "/etc/alpine-release") {
        let v = v.trim().to_string();
        return Some(simple(
            "alpine",
            "/etc/alpine-release",
            v.clone(),
            format!("Alpine Linux v{v}"),
        ));
    }
    if let Some(v) = text(fs, "/etc/debian_version") {
        let v = v.trim().to_string();
        let major = v.split('.').next().unwrap_or("").to_string();
        return Some(simple(
            "debian",
            "/etc/debian_version",
            major,
            format!("Debian GNU/Linux {v}"),
        ));
    }
    if let Some(v) = text(fs, "/etc/redhat-release") {
        let pretty = v.trim().to_string();
        let version = pretty
            .split_whitespace()
            .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .unwrap_or("")
            .to_string();
        return Some(simple("rhel", "/etc/redhat-release", version, pretty));
    }
    if fs.get("/bin/busybox").is_some()
        && fs.get("/var/lib/dpkg/status").is_none()
        && fs.get("/lib/apk/db/installed").is_none()
    {
        return Some(simple(
            "busybox",
            "/bin/busybox",
            String::new(),
            "BusyBox".into(),
        ));
    }
    None
}

fn family(id: &str, like: &str) -> String {
    let words: Vec<&str> = like.split_whitespace().chain(std::iter::once(id)).collect();
    for (family, members) in [
        ("debian", &["debian", "ubuntu"][..]),
        (
            "rhel",
            &["rhel", "fedora", "centos", "rocky", "almalinux", "amzn"][..],
        ),
        ("suse", &["suse", "opensuse", "sles", "opensuse-leap"][..]),
        ("alpine", &["alpine", "wolfi", "chainguard"][..]),
    ] {
        if words.iter().any(|w| members.contains(w)) {
            return family.into();
        }
    }
    id.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert_eq!(family("ubuntu", "debian"), "debian");
        assert_eq!(family("rocky", "rhel centos fedora"), "rhel");
        assert_eq!(family("wolfi", ""), "alpine");
    }
}
