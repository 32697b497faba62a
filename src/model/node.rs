//! A node read from its root filesystem: the files Docker's host configuration is judged on, with
//! their owners and modes, and the audit rules in force. Facts only; what is expected of each file
//! is the rules' business.

use super::Loc;

/// What a file is to Docker and its runtime (CIS Docker Benchmark section 3 names most of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DockerFile {
    /// `docker.service`, where systemd finds it.
    ServiceUnit,
    /// `docker.socket`.
    SocketUnit,
    /// `/etc/docker`.
    ConfigDir,
    /// A registry certificate under `/etc/docker/certs.d/`.
    RegistryCert,
    /// The daemon's TLS CA certificate, server certificate and key (`tlscacert`, `tlscert`,
    /// `tlskey`).
    TlsCa,
    TlsCert,
    TlsKey,
    /// The API socket, `/run/docker.sock` (or what `docker.socket` would create).
    ApiSocket,
    DaemonJson,
    /// `/etc/default/docker`, `/etc/sysconfig/docker`: options read by the unit.
    DefaultFile,
    SysconfigFile,
    /// `/run/containerd/containerd.sock`.
    ContainerdSocket,
    /// `/etc/containerd/config.toml`.
    ContainerdConfig,
    /// `/run/containerd`, where its socket lives.
    ContainerdStateDir,
    /// The kubelet's unit (kubeadm's `10-kubeadm.conf` drop-in where there is one), its
    /// `--kubeconfig`, its client CA and its `--config` file (CIS Kubernetes 4.1).
    KubeletUnit,
    KubeletKubeconfig,
    KubeletClientCa,
    KubeletConfigFile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    Socket,
    Other,
}

/// A file on the node, as `stat` sees it (symlinks inside the root followed).
#[derive(Debug, Clone, PartialEq)]
pub struct NodeFile {
    pub role: DockerFile,
    /// The path inside the node's root (`/etc/docker/daemon.json`).
    pub path: String,
    pub kind: FileKind,
    pub uid: u32,
    pub gid: u32,
    /// Names from the node's own `/etc/passwd` and `/etc/group`.
    pub owner: Option<String>,
    pub group: Option<String>,
    /// Permission bits (`0o644`), without the file type.
    pub mode: u32,
    /// The file itself, or (for a socket that exists only while the service runs) the
    /// `docker.socket` line that sets its owner (`SocketUser`/`SocketGroup`)…
    pub loc: Loc,
    /// …and its mode (`SocketMode`).
    pub mode_loc: Loc,
    /// Set when the facts are what a unit declares rather than what a file has.
    pub declared_by: Option<String>,
}

/// One audit rule: the paths it watches (`-w PATH`, `-F path=`, `-F dir=`).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRule {
    /// As written.
    pub paths: Vec<String>,
    /// The same paths with links inside the root followed.
    pub resolved: Vec<String>,
    pub loc: Loc,
}

/// A service running with a command line its unit does not give (started by hand, or the unit
/// changed and the service not restarted).
#[derive(Debug, Clone, PartialEq)]
pub struct CommandDrift {
    /// `dockerd`.
    pub program: String,
    pub pid: u32,
    /// Arguments of the running process the unit's `ExecStart=` lacks, and the other way round.
    pub only_running: Vec<String>,
    pub only_unit: Vec<String>,
    /// The unit line that gives the command.
    pub loc: Loc,
}

/// The node's operating system, from its os-release, and how many packages it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeOs {
    pub id: String,
    pub version_id: String,
    /// `VARIANT_ID` (`coreos` for Fedora CoreOS and RHCOS).
    pub variant_id: String,
    pub pretty_name: String,
    pub loc: Loc,
    /// Installed packages (dpkg), where the database can be read.
    pub packages: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// The root the node was read from, as given.
    pub root: String,
    /// Where a node-level finding without a file points.
    pub loc: Loc,
    /// Whether Docker is installed (its daemon binary or unit is there).
    pub docker: bool,
    pub files: Vec<NodeFile>,
    /// The audit rules files read (`/etc/audit/rules.d/*.rules`, `/etc/audit/audit.rules`).
    pub audit_files: Vec<String>,
    pub audit_rules: Vec<AuditRule>,
    /// Docker's binaries, directories and files that exist on the node (what CIS asks to audit
    /// where present): the path, and the path with links followed.
    pub present: Vec<(String, String)>,
    /// Members of the `docker` group (root-equivalent through the API socket), with the line of
    /// `/etc/group` that lists them.
    pub docker_group: Option<(Vec<String>, Loc)>,
    pub drift: Vec<CommandDrift>,
    pub os: Option<NodeOs>,
    /// Mount points the node declares (`/etc/fstab`, systemd `.mount` units), with where.
    pub mounts: Vec<(String, Loc)>,
}

/// What CIS Docker Benchmark 1.1.3–1.1.18 asks to audit where present, by control: the paths a
/// file may be at (distributions differ: Debian's `dockerd` is in `/usr/sbin`).
pub const DOCKER_AUDIT_PATHS: [(&str, &[&str]); 16] = [
    ("1.1.3", &["/usr/bin/dockerd", "/usr/sbin/dockerd"]),
    ("1.1.4", &["/run/containerd"]),
    ("1.1.5", &["/var/lib/docker"]),
    ("1.1.6", &["/etc/docker"]),
    (
        "1.1.7",
        &[
            "/etc/systemd/system/docker.service",
            "/lib/systemd/system/docker.service",
            "/usr/lib/systemd/system/docker.service",
        ],
    ),
    ("1.1.8", &["/run/containerd/containerd.sock"]),
    (
        "1.1.9",
        &[
            "/etc/systemd/system/docker.socket",
            "/lib/systemd/system/docker.socket",
            "/usr/lib/systemd/system/docker.socket",
        ],
    ),
    ("1.1.10", &["/etc/default/docker"]),
    ("1.1.11", &["/etc/docker/daemon.json"]),
    ("1.1.12", &["/etc/containerd/config.toml"]),
    ("1.1.13", &["/etc/sysconfig/docker"]),
    ("1.1.14", &["/usr/bin/containerd", "/usr/sbin/containerd"]),
    ("1.1.15", &["/usr/bin/containerd-shim"]),
    ("1.1.16", &["/usr/bin/containerd-shim-runc-v1"]),
    ("1.1.17", &["/usr/bin/containerd-shim-runc-v2"]),
    ("1.1.18", &["/usr/bin/runc", "/usr/sbin/runc"]),
];
