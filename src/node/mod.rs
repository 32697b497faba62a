//! `stevedore node`: a node judged from its root filesystem (the live host, a host root mounted
//! into a pod, an unpacked machine image). It stats and reads files inside the root and never runs
//! anything on the host. Docker's host files and audit rules become a [`NodeConfig`]; the daemon's
//! unit, drop-ins, environment files and `daemon.json` become the same [`DaemonConfig`] the `DMN`
//! rules read from a repository.

mod audit;
mod docker;
mod kubelet;
mod proc;
pub(crate) mod root;
mod runtimes;

use crate::inputs::files::{ConfigTarget, FileError, ScannedFile};
use crate::model::daemon::DaemonConfig;
use crate::model::node::NodeConfig;
use crate::model::{Loc, Pos};
use root::{NodeFs, NodeRoot};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// What a node scan read and the models it built.
pub struct NodeScan {
    pub node: NodeConfig,
    pub daemons: Vec<DaemonConfig>,
    pub runtimes: Vec<crate::model::runtime::RuntimeConfig>,
    pub seccomp: Vec<crate::model::seccomp::SeccompProfile>,
    pub kubelets: Vec<crate::model::kubelet::KubeletConfig>,
    pub target: ConfigTarget,
}

/// Reads the node rooted at `dir`, and with `proc` (the node's `/proc`) how its services were
/// actually started. Files that cannot be read are errors in the target; the rest is still judged.
pub fn read(dir: &Path, proc: Option<&Path>) -> crate::Result<NodeScan> {
    let root = NodeRoot::new(dir).map_err(|e| crate::Error::io(dir, e))?;
    Ok(read_from(Box::new(root), &dir.display().to_string(), proc))
}

/// Reads a node OS image's flattened filesystem (no processes: an image runs nothing).
pub fn read_image(fs: crate::image::fs::Fs, name: &str) -> NodeScan {
    read_from(Box::new(root::ImageRoot { fs }), name, None)
}

/// What the image pass keeps of a node OS image: the configuration files a node scan reads (not
/// the kubelet's keys or pods' data), and the package database.
pub fn image_wants() -> crate::image::wants::WantSet {
    use crate::image::wants::{Want, WantSet};
    fn node_file(e: &crate::image::fs::Entry) -> bool {
        let p = e.path.as_str();
        let config = p.starts_with("/etc/")
            || p.starts_with("/usr/lib/systemd/system/")
            || p.starts_with("/lib/systemd/system/")
            || p.starts_with("/usr/lib/os-release")
            || p.starts_with("/usr/share/containers/")
            || p == "/var/lib/kubelet/config.yaml"
            || p == "/var/lib/kubelet/kubeadm-flags.env";
        config
            && !p.starts_with("/etc/shadow")
            && !p.starts_with("/etc/gshadow")
            && e.size <= root::MAX_FILE
    }
    let mut wants = WantSet::default();
    wants.add(Want::Matching(node_file));
    wants.add(Want::Database("/var/lib/dpkg/status"));
    wants
}

fn read_from(root: Box<dyn NodeFs>, name: &str, proc: Option<&Path>) -> NodeScan {
    let mut scan = Scan {
        root,
        target: ConfigTarget {
            inputs: vec![name.to_string()],
            ..ConfigTarget::default()
        },
    };
    let anchor: Arc<str> = Arc::from("/");
    let mut node = NodeConfig {
        root: name.to_string(),
        loc: Loc::new(&anchor, Pos { line: 1, column: 1 }, ""),
        docker: false,
        files: Vec::new(),
        audit_files: Vec::new(),
        audit_rules: Vec::new(),
        present: Vec::new(),
        docker_group: None,
        drift: Vec::new(),
        os: None,
        mounts: Vec::new(),
    };
    let accounts = scan.accounts(&mut node);
    node.mounts = scan.mounts();
    node.os = scan.os();
    if let Some(os) = &node.os {
        let packages = os
            .packages
            .map(|n| format!(", {n} packages"))
            .unwrap_or_default();
        scan.target
            .found
            .push(format!("OS: {}{packages}", os.pretty_name));
    }
    let daemons = docker::read(&mut scan, &mut node, &accounts, proc);
    let (runtimes, seccomp) = runtimes::read(&mut scan, &mut node, &accounts);
    let kubelets = kubelet::read(&mut scan, &mut node, &accounts, proc, &runtimes);
    audit::read(&mut scan, &mut node);
    NodeScan {
        node,
        daemons,
        runtimes,
        seccomp,
        kubelets,
        target: scan.target,
    }
}

/// The root and what the scan has looked at so far.
pub(crate) struct Scan {
    pub(crate) root: Box<dyn NodeFs>,
    pub(crate) target: ConfigTarget,
}

/// Owner and group names of the node, from its own `/etc/passwd` and `/etc/group`.
pub(crate) struct Accounts {
    pub(crate) users: BTreeMap<u32, String>,
    pub(crate) groups: BTreeMap<u32, String>,
    pub(crate) group_ids: BTreeMap<String, u32>,
}

impl Scan {
    /// A file's text, recorded as scanned (`kind`) or as an error; `None` when absent or broken.
    pub(crate) fn read(&mut self, path: &str, kind: &'static str) -> Option<String> {
        match self.root.read(path) {
            Ok(Some(text)) => {
                self.target.files.push(ScannedFile {
                    path: path.to_string(),
                    kind,
                });
                Some(text)
            }
            Ok(None) => None,
            Err(error) => {
                self.target.errors.push(FileError {
                    path: path.to_string(),
                    error,
                });
                None
            }
        }
    }

    /// Whether a path exists inside the root (a broken path is an error, and absent).
    pub(crate) fn exists(&mut self, path: &str) -> bool {
        match self.root.stat(path) {
            Ok(found) => found.is_some(),
            Err(error) => {
                self.target.errors.push(FileError {
                    path: path.to_string(),
                    error,
                });
                false
            }
        }
    }

    /// Mount points from `/etc/fstab` and systemd `.mount` units (named after their path:
    /// `var-lib-docker.mount` mounts `/var/lib/docker`).
    fn mounts(&mut self) -> Vec<(String, Loc)> {
        let mut out = Vec::new();
        if let Some(text) = self.read("/etc/fstab", "fstab") {
            let file: Arc<str> = Arc::from("/etc/fstab");
            for (i, line) in text.lines().enumerate() {
                let fields: Vec<&str> = line.split_whitespace().collect();
                if fields.len() >= 2 && !fields[0].starts_with('#') {
                    let pos = Pos {
                        line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                        column: 1,
                    };
                    out.push((fields[1].to_string(), Loc::new(&file, pos, "")));
                }
            }
        }
        for dir in [
            "/etc/systemd/system",
            "/usr/lib/systemd/system",
            "/lib/systemd/system",
        ] {
            for unit in self.root.list(dir) {
                if let Some(stem) = unit.strip_suffix(".mount") {
                    let file: Arc<str> = Arc::from(format!("{dir}/{unit}").as_str());
                    out.push((
                        format!(
                            "/{}",
                            stem.split('-')
                                .map(|c| c.replace("\\x2d", "-"))
                                .collect::<Vec<_>>()
                                .join("/")
                        ),
                        Loc::new(&file, Pos { line: 1, column: 1 }, ""),
                    ));
                }
            }
        }
        out
    }

    /// The OS from `/etc/os-release` (or `/usr/lib/os-release`), with dpkg's package count.
    fn os(&mut self) -> Option<crate::model::node::NodeOs> {
        let (path, text) = ["/etc/os-release", "/usr/lib/os-release"]
            .into_iter()
            .find_map(|p| self.read(p, "os-release").map(|t| (p, t)))?;
        let kv = crate::image::inventory::os::os_release(&text);
        let get = |k: &str| kv.get(k).cloned().unwrap_or_default();
        let file: Arc<str> = Arc::from(path);
        let packages = self
            .root
            .read("/var/lib/dpkg/status")
            .ok()
            .flatten()
            .map(|t| {
                let mut list = Vec::new();
                crate::image::inventory::dpkg::parse_dpkg(&t, &mut list);
                list.len()
            });
        Some(crate::model::node::NodeOs {
            id: get("ID"),
            version_id: get("VERSION_ID"),
            variant_id: get("VARIANT_ID"),
            pretty_name: get("PRETTY_NAME"),
            loc: Loc::new(&file, Pos { line: 1, column: 1 }, "ID"),
            packages,
        })
    }

    fn accounts(&mut self, node: &mut NodeConfig) -> Accounts {
        let mut accounts = Accounts {
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            group_ids: BTreeMap::new(),
        };
        if let Some(text) = self.read("/etc/passwd", "passwd") {
            for line in text.lines() {
                let f: Vec<&str> = line.split(':').collect();
                if let (Some(name), Some(uid)) = (f.first(), f.get(2).and_then(|u| u.parse().ok()))
                {
                    accounts
                        .users
                        .entry(uid)
                        .or_insert_with(|| name.to_string());
                }
            }
        }
        if let Some(text) = self.read("/etc/group", "group") {
            let file: Arc<str> = Arc::from("/etc/group");
            for (i, line) in text.lines().enumerate() {
                let f: Vec<&str> = line.split(':').collect();
                let (Some(name), Some(gid)) = (f.first(), f.get(2).and_then(|g| g.parse().ok()))
                else {
                    continue;
                };
                accounts
                    .groups
                    .entry(gid)
                    .or_insert_with(|| name.to_string());
                accounts.group_ids.insert(name.to_string(), gid);
                if *name == "docker" {
                    let members: Vec<String> = f
                        .get(3)
                        .map(|m| {
                            m.split(',')
                                .map(str::trim)
                                .filter(|m| !m.is_empty())
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default();
                    let pos = Pos {
                        line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                        column: 1,
                    };
                    node.docker_group = Some((members, Loc::new(&file, pos, "docker")));
                }
            }
        }
        accounts
    }
}
