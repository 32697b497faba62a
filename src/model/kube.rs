//! Kubernetes objects beyond their containers: a pod as Pod Security sees it, Services and
//! Ingresses (how workloads are exposed), Namespaces (which Pod Security level they enforce) and
//! the data a manifest stores (Secrets, ConfigMaps). Facts as written, each with its place.

use super::Loc;
use super::container::Val;

/// What every object carries: its identity, where it is written and how rules may be ignored
/// for it.
#[derive(Debug, Clone)]
pub struct KubeObject {
    /// `Deployment`, `Service`…
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// Where the object's document starts.
    pub loc: Loc,
    /// Its paths' prefix (`Service/web:`), which keeps them apart from other documents'.
    pub prefix: String,
    /// Rules the object asks to ignore (`stevedore.dev/ignore`) and how it said so.
    pub ignores: Vec<String>,
    pub ignore_how: String,
    /// The names an operator's exception may give for it (its name, its owners).
    pub workloads: Vec<String>,
    /// `metadata.annotations` (or, for a workload, its pod template's), with their places.
    pub annotations: Vec<(String, Val<String>)>,
    /// `metadata.labels`.
    pub labels: Vec<(String, Val<String>)>,
}

impl KubeObject {
    /// `Deployment/api`.
    pub fn title(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }

    /// The object's place, naming one of its fields (`spec.tls`).
    pub fn field(&self, field: &str) -> Loc {
        self.loc.with_field(format!("{}{field}", self.prefix))
    }

    pub fn annotation(&self, key: &str) -> Option<&Val<String>> {
        self.annotations
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub fn label(&self, key: &str) -> Option<&Val<String>> {
        self.labels.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// SELinux options as written (`seLinuxOptions`).
#[derive(Debug, Clone, Default)]
pub struct SeLinux {
    pub type_: Option<Val<String>>,
    pub user: Option<Val<String>>,
    pub role: Option<Val<String>>,
}

/// The security settings Pod Security reads, at one level (the pod's or a container's).
#[derive(Debug, Clone, Default)]
pub struct SecurityFields {
    pub run_as_non_root: Option<Val<bool>>,
    /// As written (a number, or whatever text was there).
    pub run_as_user: Option<Val<String>>,
    pub run_as_group: Option<Val<String>>,
    /// `seccompProfile.type`.
    pub seccomp: Option<Val<String>>,
    /// `appArmorProfile.type`.
    pub apparmor: Option<Val<String>>,
    pub selinux: SeLinux,
    /// `windowsOptions.hostProcess`.
    pub host_process: Option<Val<bool>>,
}

/// A volume of the pod: its source type (`hostPath`, `emptyDir`…) and, for a hostPath, the path.
#[derive(Debug, Clone)]
pub struct Volume {
    pub name: String,
    /// The key that says what it is: `hostPath`, `configMap`, `nfs`…; empty when none is known.
    pub source: String,
    pub host_path: Option<String>,
    pub loc: Loc,
}

/// A container's mount of a pod volume.
#[derive(Debug, Clone)]
pub struct VolumeMount {
    pub volume: String,
    pub mount_path: String,
    pub read_only: bool,
    pub loc: Loc,
}

/// One container of a pod, as Pod Security and the pod rules read it.
#[derive(Debug, Clone)]
pub struct PodContainer {
    pub name: String,
    /// `containers`, `initContainers` or `ephemeralContainers`.
    pub list: &'static str,
    pub loc: Loc,
    pub image: Option<Val<String>>,
    pub pull_policy: Option<Val<String>>,
    pub privileged: Option<Val<bool>>,
    pub allow_privilege_escalation: Option<Val<bool>>,
    pub caps_add: Vec<Val<String>>,
    pub caps_drop: Vec<Val<String>>,
    /// Where `securityContext` is (or would be) written.
    pub security_loc: Loc,
    pub security: SecurityFields,
    pub proc_mount: Option<Val<String>>,
    pub host_ports: Vec<Val<i64>>,
    /// Probe and lifecycle handlers that name a `host`, as `livenessProbe.httpGet.host`.
    pub probe_hosts: Vec<Val<String>>,
    /// Which of `livenessProbe`, `readinessProbe`, `startupProbe` are set.
    pub probes: Vec<&'static str>,
    pub mounts: Vec<VolumeMount>,
}

/// A pod, or a workload's pod template, as Pod Security admission judges it.
#[derive(Debug, Clone)]
pub struct PodSpec {
    pub object: KubeObject,
    /// The pod spec's path in the document (`spec.template.spec`).
    pub field: String,
    pub loc: Loc,
    /// `spec.os.name: windows` (some controls are Linux-only).
    pub windows: bool,
    pub host_network: Option<Loc>,
    pub host_pid: Option<Loc>,
    pub host_ipc: Option<Loc>,
    /// Where the pod's `securityContext` is (or would be) written.
    pub security_loc: Loc,
    pub security: SecurityFields,
    pub fs_group: Option<Val<String>>,
    /// `securityContext.sysctls[*].name`.
    pub sysctls: Vec<Val<String>>,
    pub volumes: Vec<Volume>,
    pub automount_token: Option<Val<bool>>,
    pub service_account: Option<Val<String>>,
    /// `automountServiceAccountToken` of the pod's ServiceAccount object, when the scan holds
    /// it (set by [`Cluster::link_service_accounts`]); the pod's own setting wins over it.
    pub account_automount: Option<Val<bool>>,
    /// `imagePullSecrets` names: the pod pulls from a private registry.
    pub pull_secrets: Vec<String>,
    pub containers: Vec<PodContainer>,
}

impl PodSpec {
    /// The annotation-form AppArmor profile of a container
    /// (`container.apparmor.security.beta.kubernetes.io/NAME`).
    pub fn apparmor_annotation(&self, container: &str) -> Option<&Val<String>> {
        self.object.annotation(&format!(
            "container.apparmor.security.beta.kubernetes.io/{container}"
        ))
    }
}

/// A Service's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceType {
    ClusterIp,
    NodePort,
    LoadBalancer,
    ExternalName,
}

#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub object: KubeObject,
    pub service_type: ServiceType,
    /// Where `type:` is written (the object's place when it is left at ClusterIP).
    pub type_loc: Loc,
    pub load_balancer_class: Option<Val<String>>,
    pub source_ranges: Vec<Val<String>>,
    pub external_ips: Vec<Val<String>>,
    /// `ports[*].nodePort` where written.
    pub node_ports: Vec<Val<i64>>,
}

#[derive(Debug, Clone)]
pub struct IngressSpec {
    pub object: KubeObject,
    /// `spec.tls` present and not empty.
    pub tls: bool,
    /// `spec.ingressClassName` or the `kubernetes.io/ingress.class` annotation.
    pub class: Option<Val<String>>,
}

#[derive(Debug, Clone)]
pub struct NamespaceSpec {
    pub object: KubeObject,
}

impl NamespaceSpec {
    /// `pod-security.kubernetes.io/enforce`.
    pub fn enforce(&self) -> Option<&Val<String>> {
        self.object.label("pod-security.kubernetes.io/enforce")
    }
    /// `pod-security.kubernetes.io/enforce-version` (default `latest`).
    pub fn enforce_version(&self) -> Option<&Val<String>> {
        self.object
            .label("pod-security.kubernetes.io/enforce-version")
    }
}

/// A `Secret` or `ConfigMap` and the values written in it.
#[derive(Debug, Clone)]
pub struct StoredData {
    pub object: KubeObject,
    /// `data` and `stringData` (Secrets: `data` values are base64, decoded here where they
    /// decode to text), each `key → value`.
    pub entries: Vec<(String, Val<String>)>,
    /// A Secret's `type` (`Opaque`, `kubernetes.io/tls`…).
    pub secret_type: Option<String>,
    /// Why the values are not secret in the clear (SOPS metadata), where it says so.
    pub encrypted: Option<String>,
}

/// A `ServiceAccount`: whether pods running as it get its token unless they say otherwise.
#[derive(Debug, Clone)]
pub struct ServiceAccountSpec {
    pub object: KubeObject,
    pub automount_token: Option<Val<bool>>,
}

/// Every Kubernetes object of one scan, for the rules that judge objects together.
#[derive(Debug, Clone, Default)]
pub struct Cluster {
    pub pods: Vec<PodSpec>,
    pub services: Vec<ServiceSpec>,
    pub ingresses: Vec<IngressSpec>,
    pub namespaces: Vec<NamespaceSpec>,
    pub stored: Vec<StoredData>,
    pub service_accounts: Vec<ServiceAccountSpec>,
    /// Whether the scan saw a whole set of manifests (a directory, a rendered chart on standard
    /// input) rather than some files of it (a hook's changed files, one admission request):
    /// counts across objects only mean something then.
    pub whole: bool,
}

impl Cluster {
    /// Adds another file's objects.
    pub fn absorb(&mut self, other: Cluster) {
        self.pods.extend(other.pods);
        self.services.extend(other.services);
        self.ingresses.extend(other.ingresses);
        self.namespaces.extend(other.namespaces);
        self.stored.extend(other.stored);
        self.service_accounts.extend(other.service_accounts);
    }

    /// Gives each pod its ServiceAccount's automount setting, where that account (`default`
    /// when none is named) is in the scan in the pod's namespace. A pod and an account that
    /// both leave the namespace to `kubectl apply -n` are taken to share it.
    pub fn link_service_accounts(&mut self) {
        for pod in &mut self.pods {
            let account = pod
                .service_account
                .as_ref()
                .map_or("default", |a| a.value.as_str());
            pod.account_automount = self
                .service_accounts
                .iter()
                .find(|sa| sa.object.name == account && sa.object.namespace == pod.object.namespace)
                .and_then(|sa| sa.automount_token.clone());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pods.is_empty()
            && self.services.is_empty()
            && self.ingresses.is_empty()
            && self.namespaces.is_empty()
            && self.stored.is_empty()
    }
}
