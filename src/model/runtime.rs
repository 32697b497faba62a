//! A CRI container runtime's configuration (containerd, CRI-O), normalised: what it applies to
//! every pod whatever the pod asks. Facts as written, with the line that set each.

use super::Loc;
use super::container::Val;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeKind {
    Containerd,
    Crio,
}

impl RuntimeKind {
    pub fn name(self) -> &'static str {
        match self {
            RuntimeKind::Containerd => "containerd",
            RuntimeKind::Crio => "CRI-O",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    pub kind: RuntimeKind,
    /// The main file (`/etc/containerd/config.toml`, `/etc/crio/crio.conf`), where a finding
    /// about a setting left at its default points.
    pub loc: Loc,
    /// Whether the runtime's own configuration was read (`config.toml`, `crio.conf` or a drop-in),
    /// so settings it leaves unset are at the runtime's defaults; false for a `hosts.toml`,
    /// `registries.conf` or `policy.json` linted alone, which say nothing about the rest.
    pub defaults_apply: bool,
    /// containerd's config `version` (1 when absent).
    pub version: i64,
    /// AppArmor turned off for every container: `disable_apparmor = true`,
    /// `apparmor_profile = "unconfined"`.
    pub apparmor_disabled: Option<Loc>,
    /// SELinux labelling as set (`enable_selinux`, `selinux`); `None`: the runtime's default
    /// (containerd: off; CRI-O: whatever the host has).
    pub selinux: Option<Val<bool>>,
    /// Whether the node enforces SELinux (`/etc/selinux/config`); unknown for a file alone.
    pub selinux_host: Option<bool>,
    /// The streaming server's address (exec, attach, port-forward), where set.
    pub stream_address: Option<Val<String>>,
    /// Extra API listeners on TCP (`[grpc] tcp_address`, a debug address on TCP).
    pub tcp_listeners: Vec<Val<String>>,
    /// Runtime handlers with a writable cgroup filesystem in unprivileged containers.
    pub cgroup_writable: Vec<Val<String>>,
    /// Handlers (or the runtime) using `MS_MOVE` instead of `pivot_root`.
    pub no_pivot: Vec<Val<String>>,
    /// Per runtime handler, whether privileged containers get every host device: containerd's
    /// and CRI-O's `privileged_without_host_devices` (unset: they do).
    pub privileged_host_devices: Vec<HandlerFlag>,
    /// The API socket handed to a user or group other than root (containerd `[grpc] uid`/`gid`),
    /// as `uid 1000` / `gid 998`.
    pub socket_owners: Vec<Val<String>>,
    /// `base_runtime_spec` files, by handler: the OCI spec every container starts from.
    pub base_runtime_specs: Vec<Val<String>>,
    /// Capabilities a base runtime spec grants beyond Docker's default set, where the spec was
    /// read (a node scan), each located in the spec.
    pub base_spec_capabilities: Vec<Val<String>>,
    /// Registries reached without TLS verification or over plain HTTP, in words
    /// (`registry.example.com: skip_verify = true`).
    pub insecure_registries: Vec<Val<String>>,
    /// Registries whose credentials are written in the configuration.
    pub registry_credentials: Vec<Val<String>>,
    pub sandbox_image: Option<Val<String>>,
    /// The seccomp profile for containers that ask for none: containerd's
    /// `unset_seccomp_profile` (empty: unconfined).
    pub unset_seccomp_profile: Option<Val<String>>,
    /// The profile the runtime uses for `RuntimeDefault` (CRI-O `seccomp_profile`; empty: the
    /// built-in one).
    pub seccomp_profile: Option<Val<String>>,
    /// CRI-O `default_capabilities`, upper case without `CAP_` (`None`: CRI-O's default nine).
    pub default_capabilities: Option<Vec<Val<String>>>,
    /// CRI-O `default_sysctls` as `name=value`.
    pub default_sysctls: Vec<Val<String>>,
    /// CRI-O `additional_devices`: devices added to every container.
    pub additional_devices: Vec<Val<String>>,
    /// Annotations handlers let pods use that widen what a pod may do.
    pub allowed_annotations: Vec<Val<String>>,
    /// Options that no longer do anything, with what replaced them.
    pub dead_options: Vec<Val<String>>,
    /// `registries.conf`: the registries short names are looked up in, in order.
    pub search_registries: Option<Val<Vec<String>>>,
    /// `registries.conf` `short-name-mode` as set (`enforcing`, `permissive`, `disabled`).
    pub short_name_mode: Option<Val<String>>,
    /// `policy.json`'s default requirement (`insecureAcceptAnything`, `reject`, `signedBy`…).
    pub signature_policy_default: Option<Val<String>>,
}

impl RuntimeConfig {
    pub fn new(kind: RuntimeKind, loc: Loc) -> RuntimeConfig {
        RuntimeConfig {
            kind,
            loc,
            defaults_apply: false,
            version: 1,
            apparmor_disabled: None,
            selinux: None,
            selinux_host: None,
            stream_address: None,
            tcp_listeners: Vec::new(),
            cgroup_writable: Vec::new(),
            no_pivot: Vec::new(),
            privileged_host_devices: Vec::new(),
            socket_owners: Vec::new(),
            base_runtime_specs: Vec::new(),
            base_spec_capabilities: Vec::new(),
            insecure_registries: Vec::new(),
            registry_credentials: Vec::new(),
            sandbox_image: None,
            unset_seccomp_profile: None,
            seccomp_profile: None,
            default_capabilities: None,
            default_sysctls: Vec::new(),
            additional_devices: Vec::new(),
            allowed_annotations: Vec::new(),
            dead_options: Vec::new(),
            search_registries: None,
            short_name_mode: None,
            signature_policy_default: None,
        }
    }
}

/// A boolean setting of one runtime handler, where its value or its table was written.
#[derive(Debug, Clone)]
pub struct HandlerFlag {
    pub handler: String,
    /// As written; `None`: the handler's table leaves it at its default.
    pub value: Option<bool>,
    pub loc: Loc,
}

/// CRI-O's default capabilities: Docker's 14 without MKNOD, NET_RAW, SETFCAP, SYS_CHROOT and
/// AUDIT_WRITE.
pub const CRIO_DEFAULT_CAPS: [&str; 9] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "KILL",
];
