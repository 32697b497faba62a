//! A node's root filesystem, read with chroot semantics: every path is resolved inside the root,
//! absolute symlinks start again at the root, `..` stops at it, and nothing outside it is opened.
//! Only regular files are read (never a FIFO or a device, which could block), up to a size cap.
//!
//! On Linux 5.6 and later the kernel does the resolving (`openat2` with `RESOLVE_IN_ROOT`), so a
//! directory swapped for a link between resolving and opening cannot lead outside the root; where
//! `openat2` is missing or filtered, the same walk is done here, component by component.

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

/// Symlinks followed while resolving one path, as the kernel allows.
const MAX_LINKS: usize = 40;
/// Configuration files are small; anything bigger is refused, not read.
pub(crate) const MAX_FILE: u64 = 8 << 20;

/// A node's filesystem as `stevedore node` reads it: a directory ([`NodeRoot`]) or the flattened
/// filesystem of a node OS image ([`ImageRoot`]).
pub(crate) trait NodeFs {
    /// `stat` of a path inside the root (links followed inside it); `None` when it does not exist.
    fn stat(&self, path: &str) -> Result<Option<Stat>, String>;
    /// The text of a regular file; `None` when it does not exist.
    fn read(&self, path: &str) -> Result<Option<String>, String>;
    /// The names in a directory, sorted; empty when it is not there.
    fn list(&self, path: &str) -> Vec<String>;
    /// The path once links are followed.
    fn canonical(&self, path: &str) -> String;
}

pub(crate) struct NodeRoot {
    dir: PathBuf,
    /// The root, held open: `openat2` resolves relative to it.
    handle: std::fs::File,
}

/// What `stat` says about a path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stat {
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    /// `st_mode`: type and permission bits.
    pub(crate) mode: u32,
}

impl Stat {
    pub(crate) fn is_file(&self) -> bool {
        self.mode & libc::S_IFMT == libc::S_IFREG
    }
    pub(crate) fn is_dir(&self) -> bool {
        self.mode & libc::S_IFMT == libc::S_IFDIR
    }
    pub(crate) fn is_socket(&self) -> bool {
        self.mode & libc::S_IFMT == libc::S_IFSOCK
    }
}

impl NodeRoot {
    pub(crate) fn new(dir: &Path) -> std::io::Result<NodeRoot> {
        let dir = dir.canonicalize()?;
        let handle = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
            .open(&dir)
            .map_err(|e| match e.raw_os_error() {
                Some(libc::ENOTDIR) => std::io::Error::other("not a directory"),
                _ => e,
            })?;
        Ok(NodeRoot { dir, handle })
    }

    /// Opens `path` with the kernel resolving it inside the root (`None`: not there). Falls back
    /// to [`NodeRoot::resolve`] where `openat2` is unavailable (old kernel, seccomp filter).
    fn open(&self, path: &str, path_only: bool) -> Result<Option<std::fs::File>, String> {
        use rustix::fs::{Mode, OFlags, ResolveFlags};
        let flags = OFlags::CLOEXEC
            | if path_only {
                OFlags::PATH
            } else {
                OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY
            };
        let relative = path.trim_start_matches('/');
        let relative = if relative.is_empty() { "." } else { relative };
        match rustix::fs::openat2(
            &self.handle,
            relative,
            flags,
            Mode::empty(),
            ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
        ) {
            Ok(fd) => Ok(Some(std::fs::File::from(fd))),
            Err(rustix::io::Errno::NOENT | rustix::io::Errno::NOTDIR) => Ok(None),
            Err(rustix::io::Errno::LOOP) => Err("too many levels of symbolic links".into()),
            Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM) => {
                self.open_walked(path, path_only)
            }
            Err(e) => Err(std::io::Error::from(e).to_string()),
        }
    }

    /// The fallback of [`NodeRoot::open`]: our own walk, then an open that follows no link.
    fn open_walked(&self, path: &str, path_only: bool) -> Result<Option<std::fs::File>, String> {
        let Some(host) = self.resolve(path)? else {
            return Ok(None);
        };
        let extra = if path_only {
            libc::O_PATH
        } else {
            libc::O_NONBLOCK
        };
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | extra)
            .open(&host)
            .map(Some)
            .map_err(|e| e.to_string())
    }

    /// The host path of `path` (absolute inside the root), symlinks resolved inside the root.
    /// `None` when a component is missing; an error on a link loop.
    pub(crate) fn resolve(&self, path: &str) -> Result<Option<PathBuf>, String> {
        // What is left to walk, last component first (so new link targets can be pushed).
        let mut todo: Vec<OsString> = Vec::new();
        push_components(&mut todo, Path::new(path));
        let mut inside: Vec<OsString> = Vec::new();
        let mut links = 0;
        while let Some(name) = todo.pop() {
            if name == ".." {
                inside.pop();
                continue;
            }
            let candidate = self.host(&inside).join(&name);
            let meta = match std::fs::symlink_metadata(&candidate) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => return Ok(None),
                Err(e) => return Err(e.to_string()),
            };
            if meta.file_type().is_symlink() {
                links += 1;
                if links > MAX_LINKS {
                    return Err("too many levels of symbolic links".into());
                }
                let target = std::fs::read_link(&candidate).map_err(|e| e.to_string())?;
                if target.is_absolute() {
                    inside.clear();
                }
                push_components(&mut todo, &target);
                continue;
            }
            inside.push(name);
        }
        Ok(Some(self.host(&inside)))
    }

    fn canonical_path(&self, path: &str) -> String {
        match self.resolve(path) {
            Ok(Some(host)) => host
                .strip_prefix(&self.dir)
                .map(|p| format!("/{}", p.display()))
                .unwrap_or_else(|_| path.to_string()),
            _ => path.to_string(),
        }
    }

    fn host(&self, inside: &[OsString]) -> PathBuf {
        let mut p = self.dir.clone();
        p.extend(inside);
        p
    }

    fn stat_path(&self, path: &str) -> Result<Option<Stat>, String> {
        let Some(file) = self.open(path, true)? else {
            return Ok(None);
        };
        let meta = file.metadata().map_err(|e| e.to_string())?;
        Ok(Some(Stat {
            uid: meta.uid(),
            gid: meta.gid(),
            mode: meta.mode(),
        }))
    }

    /// Anything but a regular file (a directory, a FIFO, a device, a file over the cap, not
    /// UTF-8) is an error.
    fn read_path(&self, path: &str) -> Result<Option<String>, String> {
        let Some(file) = self.open(path, true)? else {
            return Ok(None);
        };
        // Checked on an O_PATH handle first: opening a FIFO or a device for reading can block
        // or have side effects.
        if !file.metadata().map_err(|e| e.to_string())?.is_file() {
            return Err("not a regular file".into());
        }
        let Some(file) = self.open(path, false)? else {
            return Ok(None);
        };
        let meta = file.metadata().map_err(|e| e.to_string())?;
        if !meta.is_file() {
            return Err("not a regular file".into());
        }
        if meta.len() > MAX_FILE {
            return Err(format!(
                "{} bytes, over the {MAX_FILE}-byte limit for a configuration file",
                meta.len()
            ));
        }
        let mut bytes = Vec::new();
        file.take(MAX_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| e.to_string())?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| "not UTF-8 text".to_string())
    }

    fn list_path(&self, path: &str) -> Vec<String> {
        let Ok(Some(host)) = self.resolve(path) else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(host) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect();
        names.sort();
        names
    }
}

impl NodeFs for NodeRoot {
    fn stat(&self, path: &str) -> Result<Option<Stat>, String> {
        self.stat_path(path)
    }
    fn read(&self, path: &str) -> Result<Option<String>, String> {
        self.read_path(path)
    }
    fn list(&self, path: &str) -> Vec<String> {
        self.list_path(path)
    }
    fn canonical(&self, path: &str) -> String {
        self.canonical_path(path)
    }
}

/// A node OS image's flattened filesystem, as the image pass built it (links resolved inside the
/// image; contents only of the files the node scan asked for).
pub(crate) struct ImageRoot {
    pub(crate) fs: crate::image::fs::Fs,
}

impl NodeFs for ImageRoot {
    fn stat(&self, path: &str) -> Result<Option<Stat>, String> {
        use crate::image::fs::Kind;
        Ok(self.fs.resolve(path).map(|e| Stat {
            uid: u32::try_from(e.uid).unwrap_or(u32::MAX),
            gid: u32::try_from(e.gid).unwrap_or(u32::MAX),
            mode: (e.mode & 0o7777)
                | match e.kind {
                    Kind::File | Kind::Hardlink => libc::S_IFREG,
                    Kind::Dir => libc::S_IFDIR,
                    Kind::Symlink => libc::S_IFLNK,
                    Kind::CharDevice => libc::S_IFCHR,
                    Kind::BlockDevice => libc::S_IFBLK,
                    Kind::Fifo => libc::S_IFIFO,
                },
        }))
    }

    fn read(&self, path: &str) -> Result<Option<String>, String> {
        let Some(entry) = self.fs.resolve(path) else {
            return Ok(None);
        };
        if !matches!(entry.kind, crate::image::fs::Kind::File) {
            return Err("not a regular file".into());
        }
        let Some(content) = entry.content.as_deref() else {
            return match entry.size {
                0 => Ok(Some(String::new())),
                _ => Err("not read from the image (outside what a node scan reads)".into()),
            };
        };
        if content.truncated {
            return Err(format!(
                "{} bytes, over the limit for a configuration file",
                entry.size
            ));
        }
        String::from_utf8(content.bytes.clone())
            .map(Some)
            .map_err(|_| "not UTF-8 text".to_string())
    }

    fn list(&self, path: &str) -> Vec<String> {
        let Some(dir) = self.fs.resolve(path).map(|e| e.path.clone()) else {
            return Vec::new();
        };
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        let mut names: Vec<String> = self
            .fs
            .under(&dir)
            .filter_map(|e| e.path.strip_prefix(&prefix))
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(str::to_string)
            .collect();
        names.sort();
        names.dedup();
        names
    }

    fn canonical(&self, path: &str) -> String {
        self.fs
            .resolve(path)
            .map_or_else(|| path.to_string(), |e| e.path.clone())
    }
}

/// Pushes `path`'s components so that popping yields them in order.
fn push_components(todo: &mut Vec<OsString>, path: &Path) {
    let parts: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .filter(|n| !n.as_bytes().is_empty())
        .collect();
    todo.extend(parts.into_iter().rev());
}

#[cfg(test)]
mod tests {
    use super::NodeFs;
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_resolve_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("etc/docker")).unwrap();
        std::fs::write(r.join("etc/docker/daemon.json"), "{}").unwrap();
        symlink("/etc/docker", r.join("etc/d")).unwrap();
        symlink("../../../../../etc/passwd", r.join("etc/escape")).unwrap();
        symlink("/etc/loop", r.join("etc/loop")).unwrap();
        let root = NodeRoot::new(r).unwrap();
        assert_eq!(
            root.read("/etc/d/daemon.json").unwrap().as_deref(),
            Some("{}")
        );
        // `..` stops at the root: this names the root's own /etc/passwd, which is not there.
        assert_eq!(root.read("/etc/escape").unwrap(), None);
        assert!(
            root.read("/etc/loop")
                .unwrap_err()
                .contains("symbolic links")
        );
        assert!(
            root.read("/etc/docker")
                .unwrap_err()
                .contains("not a regular file")
        );
        assert_eq!(root.list("/etc/d"), ["daemon.json"]);
    }

    /// The kernel's resolution (`openat2`) and the fallback walk agree on every case.
    #[test]
    fn kernel_and_fallback_resolve_alike() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("etc/docker")).unwrap();
        std::fs::write(r.join("etc/docker/daemon.json"), "{}").unwrap();
        std::fs::write(r.join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
        symlink("/etc/docker", r.join("etc/d")).unwrap();
        symlink("../../../../../etc/passwd", r.join("etc/escape")).unwrap();
        symlink("/etc/loop", r.join("etc/loop")).unwrap();
        let root = NodeRoot::new(r).unwrap();
        let outcome = |f: Result<Option<std::fs::File>, String>| match f {
            Ok(Some(file)) => format!("{:o}", file.metadata().unwrap().mode()),
            Ok(None) => "missing".to_string(),
            Err(e) => e,
        };
        for path in [
            "/etc/d/daemon.json",
            "/etc/escape",
            "/etc/loop",
            "/etc/d/nothing",
            "/etc/passwd/x",
            "/../../etc/passwd",
        ] {
            assert_eq!(
                outcome(root.open(path, true)),
                outcome(root.open_walked(path, true)),
                "{path}"
            );
        }
        // `..` and absolute links stop at the root: /etc/escape is the root's own passwd.
        assert!(
            root.read("/etc/escape")
                .unwrap()
                .unwrap()
                .starts_with("root:")
        );
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let root = NodeRoot::new(dir.path()).unwrap();
        assert!(
            root.read("/fifo")
                .unwrap_err()
                .contains("not a regular file")
        );
    }
}
