//! A container's runtime settings: one model for a compose service, a Kubernetes container (with
//! its pod's settings applied) and `docker inspect` output, so one rule reads all three.

use super::Loc;

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Val<T> {
    pub value: T,
    pub loc: Loc,
}

impl<T> Val<T> {
    pub fn new(value: T, loc: Loc) -> Val<T> {
        Val { value, loc }
    }
}

/// Where the spec came from; some defaults differ (Kubernetes runs pods unconfined by seccomp
/// unless a profile is set; Docker applies its default profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Compose,
    Kubernetes,
    Docker,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeccompMode {
    Unconfined,
    RuntimeDefault,
    /// A profile file.
    Localhost(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mount {
    /// The host path (bind mounts and hostPath volumes only).
    pub source: String,
    pub target: String,
    pub read_only: bool,
    /// `shared`, `rshared`, `Bidirectional`, …
    pub propagation: Option<String>,
    pub loc: Loc,
}

impl Mount {
    /// `SRC:DST[:OPTS]` as `docker run -v` and compose's short syntax write it. Named volumes
    /// (`data:/var/lib/x`) are not host paths: `None`.
    pub fn from_bind(text: &str, loc: &Loc) -> Option<Mount> {
        let mut parts = text.splitn(3, ':');
        let source = parts.next()?;
        let target = parts.next()?;
        if !(source.starts_with('/') || source.starts_with('.') || source.starts_with('~')) {
            return None;
        }
        let options: Vec<&str> = parts
            .next()
            .map(|o| o.split(',').collect())
            .unwrap_or_default();
        Some(Mount {
            source: source.to_string(),
            target: target.to_string(),
            read_only: options.contains(&"ro"),
            propagation: options
                .iter()
                .find(|o| {
                    matches!(
                        **o,
                        "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate"
                    )
                })
                .map(|o| o.to_string()),
            loc: loc.clone(),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Port {
    /// 0 when the host port is left to Docker (an ephemeral port).
    pub host_port: u16,
    pub container_port: Option<u16>,
    /// The host address the port is bound to, as written; `None` when none is given.
    pub host_ip: Option<String>,
    pub loc: Loc,
}

impl Port {
    /// No host address, or the wildcard one: every interface of the host reaches the port.
    pub fn on_all_interfaces(&self) -> bool {
        self.host_ip.as_deref().is_none_or(|ip| {
            matches!(
                ip.trim_start_matches('[').trim_end_matches(']'),
                "" | "0.0.0.0" | "::"
            )
        })
    }
}

/// A restart policy, normalised: `always`, `unless-stopped`, `on-failure`, `no` (compose's
/// `deploy.restart_policy` conditions `any` and `none` map to `always` and `no`).
#[derive(Debug, Clone, PartialEq)]
pub struct Restart {
    pub policy: String,
    /// Retries for `on-failure`; `None` or 0 means no bound.
    pub max_retries: Option<u64>,
}

impl Restart {
    /// `on-failure:3`, `always`, `unless-stopped`, `no`.
    pub fn parse(text: &str) -> Restart {
        let (policy, retries) = text
            .trim()
            .split_once(':')
            .map_or((text.trim(), None), |(p, n)| (p, n.trim().parse().ok()));
        Restart {
            policy: policy.to_ascii_lowercase(),
            max_retries: retries,
        }
    }
}

/// Host namespaces a container can share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    Network,
    Pid,
    Ipc,
    Uts,
    User,
}

impl Namespace {
    pub fn name(self) -> &'static str {
        match self {
            Namespace::Network => "network",
            Namespace::Pid => "pid",
            Namespace::Ipc => "ipc",
            Namespace::Uts => "uts",
            Namespace::User => "user",
        }
    }
}

/// An environment variable whose value is written in the configuration itself: not a reference
/// (`valueFrom`, compose `${VAR}` interpolation), which points at a value kept elsewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
    /// Where the value is written: the compose file, the `env_file`, the manifest.
    pub loc: Loc,
    /// Written in a separate `env_file` (named here) rather than the configuration itself.
    pub env_file: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ContainerSpec {
    pub platform: Platform,
    /// `service web`, `Deployment/api container app`, `container /web`.
    pub name: String,
    /// Where the service or container is defined.
    pub loc: Loc,
    pub image: Option<Val<String>>,
    /// Compose `build:`: the image is built from source here, so `image:` names the result
    /// rather than something pulled.
    pub build: Option<Loc>,
    /// Environment variables with literal values (compose `environment` and `env_file`,
    /// Kubernetes `env[].value`).
    pub env: Vec<EnvVar>,
    /// The log driver is `none`: nothing the container writes is kept.
    pub logging_disabled: Option<Loc>,
    /// tmpfs mounts as `target:options` (compose `tmpfs:`, the Engine API's `Tmpfs`).
    pub tmpfs: Vec<Val<String>>,
    pub privileged: Option<Val<bool>>,
    /// Capability names, upper case without `CAP_` (`NET_ADMIN`, `ALL`).
    pub cap_add: Vec<Val<String>>,
    pub cap_drop: Vec<Val<String>>,
    pub seccomp: Option<Val<SeccompMode>>,
    /// Kubernetes: the profile named by the `seccomp.security.alpha.kubernetes.io` annotation,
    /// which kubelets ignore since 1.25 (kept so the finding can say so).
    pub seccomp_alpha_annotation: Option<String>,
    pub apparmor_unconfined: Option<Loc>,
    /// Docker's masked and read-only kernel paths (`/proc/kcore`, `/proc/sys`, `/sys/firmware`…)
    /// turned off: `systempaths=unconfined`, an empty `MaskedPaths`, `procMount: Unmasked`.
    pub system_paths_unmasked: Option<Loc>,
    /// SELinux separation turned off or widened, in words: `label=disable`, `type spc_t`,
    /// `user system_u` (compose `security_opt`, the Engine API, Kubernetes `seLinuxOptions`).
    pub selinux_weakened: Vec<Val<String>>,
    /// `sysctls` set for the container, `name=value` (compose, Kubernetes pod level, the API).
    pub sysctls: Vec<Val<String>>,
    /// `no-new-privileges` (Docker) / `allowPrivilegeEscalation: false` (Kubernetes).
    pub no_new_privileges: Option<Val<bool>>,
    pub host_namespaces: Vec<(Namespace, Loc)>,
    pub mounts: Vec<Mount>,
    pub read_only_root: Option<Val<bool>>,
    pub memory_limit: Option<Loc>,
    pub cpu_limit: Option<Loc>,
    pub pids_limit: Option<Loc>,
    /// The user the container runs as (`user:`, `runAsUser`), as written.
    pub user: Option<Val<String>>,
    /// Kubernetes `runAsNonRoot`.
    pub run_as_non_root: Option<Val<bool>>,
    pub devices: Vec<Val<String>>,
    pub ports: Vec<Port>,
    pub restart: Option<Val<Restart>>,
    /// Rules this spec asks to ignore (`x-stevedore-ignore`, `stevedore.dev/ignore`) and how.
    pub ignores: Vec<String>,
    pub ignore_how: String,
    /// Kubernetes: the object's namespace, where it names one (admission: the request's).
    pub namespace: Option<String>,
    /// The names an operator's exception may give for this spec: the Kubernetes object and its
    /// owners (a pod's ReplicaSet and the Deployment behind it), the compose service, the
    /// container.
    pub workloads: Vec<String>,
}

impl ContainerSpec {
    pub fn new(platform: Platform, name: String, loc: Loc) -> ContainerSpec {
        ContainerSpec {
            platform,
            name,
            loc,
            image: None,
            build: None,
            env: Vec::new(),
            logging_disabled: None,
            tmpfs: Vec::new(),
            privileged: None,
            cap_add: Vec::new(),
            cap_drop: Vec::new(),
            seccomp: None,
            seccomp_alpha_annotation: None,
            apparmor_unconfined: None,
            system_paths_unmasked: None,
            selinux_weakened: Vec::new(),
            sysctls: Vec::new(),
            no_new_privileges: None,
            host_namespaces: Vec::new(),
            mounts: Vec::new(),
            read_only_root: None,
            memory_limit: None,
            cpu_limit: None,
            pids_limit: None,
            user: None,
            run_as_non_root: None,
            devices: Vec::new(),
            ports: Vec::new(),
            restart: None,
            ignores: Vec::new(),
            ignore_how: String::new(),
            namespace: None,
            workloads: Vec::new(),
        }
    }

    /// The place a finding about a missing setting points at, naming the setting the way this
    /// platform spells it. `concept`: `cap_drop`, `no_new_privileges`, `read_only`, `limits`,
    /// `user`, `seccomp`.
    pub fn missing(&self, concept: &str) -> Loc {
        let field = match (self.platform, concept) {
            (Platform::Kubernetes, "cap_drop") => "securityContext.capabilities.drop",
            (Platform::Kubernetes, "no_new_privileges") => {
                "securityContext.allowPrivilegeEscalation"
            }
            (Platform::Kubernetes, "read_only") => "securityContext.readOnlyRootFilesystem",
            (Platform::Kubernetes, "limits") => "resources.limits",
            (Platform::Kubernetes, "user") => "securityContext.runAsNonRoot",
            (Platform::Kubernetes, "seccomp") => "securityContext.seccompProfile",
            (Platform::Docker, "cap_drop") => "CapDrop",
            (Platform::Docker, "no_new_privileges") => "SecurityOpt",
            (Platform::Docker, "read_only") => "ReadonlyRootfs",
            (Platform::Docker, "limits") => "Memory",
            (Platform::Compose, "no_new_privileges") => "security_opt",
            (Platform::Compose, "limits") => "deploy.resources.limits",
            (_, other) => other,
        };
        self.loc.with_field(format!("{}.{field}", self.loc.field))
    }
}

/// `cap_net_admin`, `CAP_NET_ADMIN`, `net_admin` → `NET_ADMIN`.
pub fn capability_name(raw: &str) -> String {
    let upper = raw.trim().to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map_or(upper.clone(), str::to_string)
}

/// Docker's default capability set: what a container has without `cap_add`.
pub const DOCKER_DEFAULT_CAPS: [&str; 14] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];
