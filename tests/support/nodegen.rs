//! Node roots for tests, described in YAML (`fixtures/rules/*/…node.yaml`) and written to a
//! directory with real owners and modes (which needs root: `scripts/test.sh` runs as root).
//!
//! ```yaml
//! files:
//!   - {path: etc/docker, dir: true, mode: "0755"}
//!   - {path: etc/docker/daemon.json, text: "{}", mode: "0664", owner: "1000:1000"}
//!   - {path: lib, link: usr/lib}
//! ```

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

#[derive(serde::Deserialize)]
pub struct Description {
    pub files: Vec<Entry>,
}

#[derive(serde::Deserialize)]
pub struct Entry {
    pub path: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub dir: bool,
    #[serde(default)]
    pub link: Option<String>,
    /// Octal; default 0644 (files) or 0755 (directories).
    #[serde(default)]
    pub mode: Option<String>,
    /// `uid:gid`; default `0:0`.
    #[serde(default)]
    pub owner: Option<String>,
}

/// Whether this process may give files away (and so build a node root with its owners).
pub fn can_chown() -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::NamedTempFile::new().unwrap();
    probe.as_file().metadata().unwrap().uid() == 0
}

pub fn load(path: &Path) -> Description {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let docs =
        stevedore::inputs::yaml::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_value(docs[0].to_json()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Writes the described root under `dir`.
pub fn build(desc: &Description, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for e in &desc.files {
        let path = dir.join(&e.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if let Some(target) = &e.link {
            std::os::unix::fs::symlink(target, &path).unwrap();
            continue;
        }
        if e.dir {
            std::fs::create_dir_all(&path).unwrap();
        } else {
            std::fs::write(&path, e.text.as_deref().unwrap_or("")).unwrap();
        }
        let default = if e.dir { "0755" } else { "0644" };
        let mode = u32::from_str_radix(e.mode.as_deref().unwrap_or(default), 8).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let (uid, gid) = e
            .owner
            .as_deref()
            .unwrap_or("0:0")
            .split_once(':')
            .map(|(u, g)| (u.parse().unwrap(), g.parse().unwrap()))
            .unwrap();
        std::os::unix::fs::lchown(&path, Some(uid), Some(gid)).unwrap();
    }
}
