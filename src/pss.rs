//! The Pod Security Standards, evaluated as Pod Security admission does: from the published
//! field lists of each control (kubernetes.io, "Pod Security Standards"), not from the `CTR`
//! rules, whose semantics differ (restricted needs `drop: [ALL]` written, `runAsNonRoot: true`
//! stated, a seccomp profile set). Versioned like `enforce-version`: a control or an allowed
//! value added in a later Kubernetes minor is not held against an earlier version.

use crate::model::Loc;
use crate::model::kube::{PodContainer, PodSpec, SecurityFields};
use serde::Serialize;

/// The newest minor version whose controls are known here (`latest`).
pub const LATEST_MINOR: u32 = 34;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    pub fn parse(text: &str) -> Option<Level> {
        match text.trim() {
            "privileged" => Some(Level::Privileged),
            "baseline" => Some(Level::Baseline),
            "restricted" => Some(Level::Restricted),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

/// A Kubernetes minor version (`v1.31` → 31); `latest` is [`LATEST_MINOR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version(pub u32);

impl Version {
    pub const LATEST: Version = Version(LATEST_MINOR);

    /// `latest`, `v1.31`, `1.31`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Version> {
        let t = text.trim();
        if t == "latest" {
            return Some(Version::LATEST);
        }
        let minor = t.strip_prefix('v').unwrap_or(t).strip_prefix("1.")?;
        let minor: u32 = minor.parse().ok()?;
        Some(Version(minor.min(LATEST_MINOR)))
    }

    pub fn label(self) -> String {
        format!("v1.{}", self.0)
    }
}

/// One control a pod fails.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// The control's name as the standard titles it (`Host Namespaces`).
    pub control: &'static str,
    /// The level the control belongs to.
    pub level: Level,
    /// What was found, in words (`hostNetwork: true`).
    pub detail: String,
    /// The line that decided it.
    pub line: u32,
    #[serde(skip)]
    pub loc: Loc,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// The most restrictive level the pod meets.
    pub level: Level,
    pub version: String,
    pub failures: Vec<Failure>,
}

impl Evaluation {
    /// The controls that keep the pod from `level`.
    pub fn failing(&self, level: Level) -> impl Iterator<Item = &Failure> {
        self.failures.iter().filter(move |f| f.level <= level)
    }
}

/// Capabilities baseline allows to be added: Docker's default set without `NET_RAW`.
const BASELINE_CAPS: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Sysctls baseline allows, with the minor version that added each.
const SAFE_SYSCTLS: [(&str, u32); 10] = [
    ("kernel.shm_rmid_forced", 0),
    ("net.ipv4.ip_local_port_range", 0),
    ("net.ipv4.ip_unprivileged_port_start", 0),
    ("net.ipv4.tcp_syncookies", 0),
    ("net.ipv4.ping_group_range", 0),
    ("net.ipv4.ip_local_reserved_ports", 27),
    ("net.ipv4.tcp_keepalive_time", 29),
    ("net.ipv4.tcp_fin_timeout", 29),
    ("net.ipv4.tcp_keepalive_intvl", 29),
    ("net.ipv4.tcp_keepalive_probes", 29),
];

/// SELinux types baseline allows, with the minor version that added each.
const SELINUX_TYPES: [(&str, u32); 4] = [
    ("container_t", 0),
    ("container_init_t", 0),
    ("container_kvm_t", 0),
    ("container_engine_t", 31),
];

/// Volume sources restricted allows.
pub const RESTRICTED_VOLUMES: [&str; 8] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Whether baseline allows a sysctl at this version.
pub fn safe_sysctl(name: &str, version: Version) -> bool {
    SAFE_SYSCTLS
        .iter()
        .any(|(n, since)| *n == name && version.0 >= *since)
}

struct Judge {
    version: Version,
    failures: Vec<Failure>,
}

impl Judge {
    fn fail(&mut self, control: &'static str, level: Level, detail: String, loc: &Loc) {
        self.failures.push(Failure {
            control,
            level,
            detail,
            line: loc.pos.line,
            loc: loc.clone(),
        });
    }

    /// The levels' controls on one set of security fields (the pod's or a container's).
    fn security(&mut self, who: &str, s: &SecurityFields) {
        if let Some(v) = s.host_process.as_ref().filter(|v| v.value) {
            self.fail(
                "HostProcess",
                Level::Baseline,
                format!("{who}: windowsOptions.hostProcess: true"),
                &v.loc,
            );
        }
        if let Some(v) = s
            .apparmor
            .as_ref()
            .filter(|v| !matches!(v.value.as_str(), "RuntimeDefault" | "Localhost"))
        {
            self.fail(
                "AppArmor",
                Level::Baseline,
                format!("{who}: appArmorProfile.type: {}", v.value),
                &v.loc,
            );
        }
        let version = self.version;
        if let Some(v) = s.selinux.type_.as_ref().filter(|v| {
            !v.value.is_empty()
                && !SELINUX_TYPES
                    .iter()
                    .any(|(t, since)| *t == v.value && version.0 >= *since)
        }) {
            self.fail(
                "SELinux",
                Level::Baseline,
                format!("{who}: seLinuxOptions.type: {}", v.value),
                &v.loc,
            );
        }
        for (part, v) in [("user", &s.selinux.user), ("role", &s.selinux.role)] {
            if let Some(v) = v.as_ref().filter(|v| !v.value.is_empty()) {
                self.fail(
                    "SELinux",
                    Level::Baseline,
                    format!("{who}: seLinuxOptions.{part}: {}", v.value),
                    &v.loc,
                );
            }
        }
        if let Some(v) = s.seccomp.as_ref().filter(|v| v.value == "Unconfined") {
            self.fail(
                "Seccomp",
                Level::Baseline,
                format!("{who}: seccompProfile.type: Unconfined"),
                &v.loc,
            );
        }
        if let Some(v) = s.run_as_user.as_ref().filter(|v| v.value.trim() == "0") {
            if self.version.0 >= 23 {
                self.fail(
                    "Running as Non-root user",
                    Level::Restricted,
                    format!("{who}: runAsUser: 0"),
                    &v.loc,
                );
            }
        }
    }

    fn container(&mut self, pod: &PodSpec, c: &PodContainer) {
        let who = format!("container {}", c.name);
        self.security(&who, &c.security);
        if let Some(v) = c.privileged.as_ref().filter(|v| v.value) {
            self.fail(
                "Privileged Containers",
                Level::Baseline,
                format!("{who}: privileged: true"),
                &v.loc,
            );
        }
        for cap in c
            .caps_add
            .iter()
            .filter(|c| !BASELINE_CAPS.contains(&c.value.as_str()))
        {
            self.fail(
                "Capabilities",
                Level::Baseline,
                format!("{who}: adds {}", cap.value),
                &cap.loc,
            );
        }
        for port in c.host_ports.iter().filter(|p| p.value != 0) {
            self.fail(
                "Host Ports",
                Level::Baseline,
                format!("{who}: hostPort {}", port.value),
                &port.loc,
            );
        }
        if self.version.0 >= 34 && c.list != "ephemeralContainers" {
            for h in &c.probe_hosts {
                self.fail(
                    "Host Probes / Lifecycle Hooks",
                    Level::Baseline,
                    format!(
                        "{who}: {} {}",
                        h.loc
                            .field
                            .strip_prefix(&format!("{}.", c.loc.field))
                            .unwrap_or(&h.loc.field),
                        h.value
                    ),
                    &h.loc,
                );
            }
        }
        if let Some(v) = c.proc_mount.as_ref().filter(|v| v.value != "Default") {
            self.fail(
                "/proc Mount Type",
                Level::Baseline,
                format!("{who}: procMount: {}", v.value),
                &v.loc,
            );
        }
        if let Some(v) = pod
            .apparmor_annotation(&c.name)
            .filter(|v| !(v.value == "runtime/default" || v.value.starts_with("localhost/")))
        {
            self.fail(
                "AppArmor",
                Level::Baseline,
                format!("{who}: AppArmor annotation {}", v.value),
                &v.loc,
            );
        }
        // Restricted: Linux-only controls are not held against a Windows pod (since 1.25).
        let linux = !(pod.windows && self.version.0 >= 25);
        if linux && c.allow_privilege_escalation.as_ref().map(|v| v.value) != Some(false) {
            self.fail(
                "Privilege Escalation",
                Level::Restricted,
                format!("{who}: allowPrivilegeEscalation is not false"),
                c.allow_privilege_escalation
                    .as_ref()
                    .map_or(&c.security_loc, |v| &v.loc),
            );
        }
        let pod_non_root = pod.security.run_as_non_root.as_ref().map(|v| v.value);
        match c.security.run_as_non_root.as_ref() {
            Some(v) if !v.value => self.fail(
                "Running as Non-root",
                Level::Restricted,
                format!("{who}: runAsNonRoot: false"),
                &v.loc,
            ),
            None if pod_non_root != Some(true) => self.fail(
                "Running as Non-root",
                Level::Restricted,
                format!("{who}: runAsNonRoot is not set to true (here or for the pod)"),
                &c.security_loc,
            ),
            _ => {}
        }
        if linux && self.version.0 >= 19 && c.security.seccomp.is_none() {
            let pod_ok = pod
                .security
                .seccomp
                .as_ref()
                .is_some_and(|v| matches!(v.value.as_str(), "RuntimeDefault" | "Localhost"));
            if !pod_ok {
                self.fail(
                    "Seccomp",
                    Level::Restricted,
                    format!("{who}: no seccompProfile (here or for the pod)"),
                    &c.security_loc,
                );
            }
        }
        if linux && self.version.0 >= 22 {
            if !c.caps_drop.iter().any(|d| d.value == "ALL") {
                self.fail(
                    "Capabilities",
                    Level::Restricted,
                    format!("{who}: capabilities.drop does not include ALL"),
                    c.caps_drop.first().map_or(&c.security_loc, |d| &d.loc),
                );
            }
            for cap in c.caps_add.iter().filter(|a| {
                a.value != "NET_BIND_SERVICE" && BASELINE_CAPS.contains(&a.value.as_str())
            }) {
                self.fail(
                    "Capabilities",
                    Level::Restricted,
                    format!(
                        "{who}: adds {} (only NET_BIND_SERVICE may be added)",
                        cap.value
                    ),
                    &cap.loc,
                );
            }
        }
    }
}

fn flag(judge: &mut Judge, loc: &Option<Loc>, what: &str) {
    if let Some(loc) = loc {
        judge.fail(
            "Host Namespaces",
            Level::Baseline,
            format!("{what}: true"),
            loc,
        );
    }
}

/// Evaluates a pod against both levels of one version of the standard.
pub fn evaluate(pod: &PodSpec, version: Version) -> Evaluation {
    let mut judge = Judge {
        version,
        failures: Vec::new(),
    };
    flag(&mut judge, &pod.host_network, "hostNetwork");
    flag(&mut judge, &pod.host_pid, "hostPID");
    flag(&mut judge, &pod.host_ipc, "hostIPC");
    judge.security("pod", &pod.security);
    for s in pod
        .sysctls
        .iter()
        .filter(|s| !safe_sysctl(&s.value, version))
    {
        judge.fail(
            "Sysctls",
            Level::Baseline,
            format!("pod: sysctl {}", s.value),
            &s.loc,
        );
    }
    for v in &pod.volumes {
        if v.source == "hostPath" {
            judge.fail(
                "HostPath Volumes",
                Level::Baseline,
                format!(
                    "volume {}: hostPath {}",
                    v.name,
                    v.host_path.as_deref().unwrap_or("")
                ),
                &v.loc,
            );
        } else if !RESTRICTED_VOLUMES.contains(&v.source.as_str()) {
            judge.fail(
                "Volume Types",
                Level::Restricted,
                format!("volume {}: {}", v.name, v.source),
                &v.loc,
            );
        }
    }
    for c in &pod.containers {
        judge.container(pod, c);
    }
    let level = if judge.failures.iter().any(|f| f.level == Level::Baseline) {
        Level::Privileged
    } else if judge.failures.is_empty() {
        Level::Restricted
    } else {
        Level::Baseline
    };
    Evaluation {
        level,
        version: version.label(),
        failures: judge.failures,
    }
}

/// One workload's Pod Security, as the reports show it.
#[derive(Debug, Clone, Serialize)]
pub struct PodSecurity {
    /// `Deployment/api`.
    pub object: String,
    pub file: String,
    pub line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The level its namespace enforces, where a Namespace in the same scan says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforced: Option<Level>,
    #[serde(flatten)]
    pub evaluation: Evaluation,
}

/// The level and version a namespace enforces, where the scan has the Namespace.
pub fn enforced_in<'a>(
    cluster: &'a crate::model::kube::Cluster,
    namespace: Option<&str>,
) -> Option<(Level, Version, &'a crate::model::kube::NamespaceSpec)> {
    let ns = cluster
        .namespaces
        .iter()
        .find(|n| Some(n.object.name.as_str()) == namespace)?;
    let level = Level::parse(&ns.enforce()?.value)?;
    let version = ns
        .enforce_version()
        .and_then(|v| Version::parse(&v.value))
        .unwrap_or(Version::LATEST);
    Some((level, version, ns))
}

/// Every pod of a scan, evaluated at its namespace's `enforce-version` (else `latest`).
pub fn report(cluster: &crate::model::kube::Cluster) -> Vec<PodSecurity> {
    cluster
        .pods
        .iter()
        .map(|pod| {
            let enforced = enforced_in(cluster, pod.object.namespace.as_deref());
            let version = enforced.map_or(Version::LATEST, |(_, v, _)| v);
            PodSecurity {
                object: pod.object.title(),
                file: pod.object.loc.file.to_string(),
                line: pod.object.loc.pos.line,
                namespace: pod.object.namespace.clone(),
                enforced: enforced.map(|(l, _, _)| l),
                evaluation: evaluate(pod, version),
            }
        })
        .collect()
}

/// The Pod Security control each rule stands for, and its level. The rules' semantics differ
/// from the standard's in places (CTR004 reports an absent profile, which only restricted
/// refuses; CTR015 and CTR018 cover host ports only below 1024 or on every interface), so the
/// evaluator, not these rules, decides a workload's level.
pub const RULE_CONTROLS: [(&str, &str, Level); 24] = [
    ("CTR001", "Privileged Containers", Level::Baseline),
    ("CTR002", "Capabilities", Level::Baseline),
    ("CTR003", "Capabilities", Level::Restricted),
    ("CTR004", "Seccomp", Level::Restricted),
    ("CTR005", "AppArmor", Level::Baseline),
    ("CTR006", "Privilege Escalation", Level::Restricted),
    ("CTR007", "Host Namespaces", Level::Baseline),
    ("CTR008", "Host Namespaces", Level::Baseline),
    ("CTR009", "HostPath Volumes", Level::Baseline),
    ("CTR010", "HostPath Volumes", Level::Baseline),
    ("CTR013", "Running as Non-root", Level::Restricted),
    ("CTR014", "HostPath Volumes", Level::Baseline),
    ("CTR015", "Host Ports", Level::Baseline),
    ("CTR018", "Host Ports", Level::Baseline),
    ("CTR019", "/proc Mount Type", Level::Baseline),
    ("CTR020", "SELinux", Level::Baseline),
    ("CTR021", "Sysctls", Level::Baseline),
    (
        "POD001",
        "every control of the enforced level",
        Level::Baseline,
    ),
    ("POD002", "the namespace's enforce label", Level::Baseline),
    ("POD004", "HostPath Volumes", Level::Baseline),
    ("POD005", "Host Ports", Level::Baseline),
    ("POD007", "HostProcess", Level::Baseline),
    ("POD008", "Host Probes / Lifecycle Hooks", Level::Baseline),
    ("POD009", "Volume Types", Level::Restricted),
];

/// The Pod Security control a rule stands for, where it stands for one.
pub fn control_of(rule: &str) -> Option<(&'static str, Level)> {
    RULE_CONTROLS
        .iter()
        .find(|(id, _, _)| *id == rule)
        .map(|(_, control, level)| (*control, *level))
}

/// The rules of a profile: `pss-baseline` (the baseline controls) or `pss-restricted` (baseline
/// and restricted).
pub fn profile_rules(profile: &str) -> Option<Vec<&'static str>> {
    let level = match profile {
        "pss-baseline" => Level::Baseline,
        "pss-restricted" => Level::Restricted,
        _ => return None,
    };
    Some(
        RULE_CONTROLS
            .iter()
            .filter(|(_, _, l)| *l <= level)
            .map(|(id, _, _)| *id)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kube::Cluster;
    use std::sync::Arc;

    const POD_SC: &str = "    runAsNonRoot: true\n    seccompProfile: {type: RuntimeDefault}\n";
    const C_SC: &str = "      allowPrivilegeEscalation: false\n      capabilities: {drop: [ALL]}\n";

    /// A pod from its parts: the pod's securityContext lines, other pod spec lines, the
    /// container's securityContext lines and its other lines. `pod(POD_SC, "", C_SC, "")` meets
    /// restricted.
    fn pod(pod_sc: &str, pod: &str, c_sc: &str, container: &str) -> PodSpec {
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext:\n{pod_sc}{pod}  containers:\n  - name: c\n    image: r/c:1\n    securityContext:\n{c_sc}{container}"
        );
        let file: Arc<str> = Arc::from("p.yaml");
        let mut c = Cluster::default();
        for doc in crate::inputs::yaml::parse(&text).unwrap() {
            crate::inputs::kubernetes_objects::collect(&file, &doc, &mut c);
        }
        c.pods.remove(0)
    }

    fn controls(e: &Evaluation) -> Vec<(&'static str, Level)> {
        e.failures.iter().map(|f| (f.control, f.level)).collect()
    }

    #[test]
    fn a_hardened_pod_is_restricted() {
        let e = evaluate(&pod(POD_SC, "", C_SC, ""), Version::LATEST);
        assert_eq!(e.level, Level::Restricted, "{:?}", e.failures);
        assert_eq!(e.version, "v1.34");
    }

    #[test]
    fn each_baseline_control() {
        let sc = |extra: &str| format!("{C_SC}{extra}");
        let cases: Vec<(String, String, String, String, &str)> = vec![
            (POD_SC.into(), "  hostNetwork: true\n".into(), C_SC.into(), "".into(), "Host Namespaces"),
            (POD_SC.into(), "  hostIPC: true\n".into(), C_SC.into(), "".into(), "Host Namespaces"),
            (POD_SC.into(), "".into(), sc("      privileged: true\n"), "".into(), "Privileged Containers"),
            (POD_SC.into(), "".into(), "      allowPrivilegeEscalation: false\n      capabilities: {drop: [ALL], add: [NET_RAW]}\n".into(), "".into(), "Capabilities"),
            (POD_SC.into(), "  volumes:\n  - name: h\n    hostPath: {path: /}\n".into(), C_SC.into(), "".into(), "HostPath Volumes"),
            (POD_SC.into(), "".into(), sc("      procMount: Unmasked\n"), "".into(), "/proc Mount Type"),
            (POD_SC.into(), "".into(), sc("      seccompProfile: {type: Unconfined}\n"), "".into(), "Seccomp"),
            (POD_SC.into(), "".into(), sc("      appArmorProfile: {type: Unconfined}\n"), "".into(), "AppArmor"),
            (POD_SC.into(), "".into(), sc("      seLinuxOptions: {type: spc_t}\n"), "".into(), "SELinux"),
            (POD_SC.into(), "".into(), sc("      seLinuxOptions: {user: system_u}\n"), "".into(), "SELinux"),
            (POD_SC.into(), "".into(), sc("      windowsOptions: {hostProcess: true}\n"), "".into(), "HostProcess"),
            (format!("{POD_SC}    sysctls: [{{name: kernel.msgmax, value: '1'}}]\n"), "".into(), C_SC.into(), "".into(), "Sysctls"),
            (POD_SC.into(), "".into(), C_SC.into(), "    ports: [{containerPort: 80, hostPort: 8080}]\n".into(), "Host Ports"),
        ];
        for (psc, p, csc, c, control) in cases {
            let e = evaluate(&pod(&psc, &p, &csc, &c), Version::LATEST);
            assert_eq!(e.level, Level::Privileged, "{control}: {:?}", e.failures);
            assert!(
                controls(&e).contains(&(control, Level::Baseline)),
                "{control}: {:?}",
                e.failures
            );
        }
    }

    #[test]
    fn each_restricted_control() {
        let cases: Vec<(String, String, String, &str)> = vec![
            (POD_SC.into(), "".into(), "      allowPrivilegeEscalation: true\n      capabilities: {drop: [ALL]}\n".into(), "Privilege Escalation"),
            (POD_SC.into(), "".into(), format!("{C_SC}      runAsNonRoot: false\n"), "Running as Non-root"),
            ("    seccompProfile: {type: RuntimeDefault}\n".into(), "".into(), C_SC.into(), "Running as Non-root"),
            (POD_SC.into(), "".into(), format!("{C_SC}      runAsUser: 0\n"), "Running as Non-root user"),
            ("    runAsNonRoot: true\n".into(), "".into(), C_SC.into(), "Seccomp"),
            (POD_SC.into(), "".into(), "      allowPrivilegeEscalation: false\n".into(), "Capabilities"),
            (POD_SC.into(), "".into(), "      allowPrivilegeEscalation: false\n      capabilities: {drop: [ALL], add: [CHOWN]}\n".into(), "Capabilities"),
            (POD_SC.into(), "  volumes:\n  - name: n\n    nfs: {server: s, path: /}\n".into(), C_SC.into(), "Volume Types"),
        ];
        for (psc, p, csc, control) in cases {
            let e = evaluate(&pod(&psc, &p, &csc, ""), Version::LATEST);
            assert_eq!(e.level, Level::Baseline, "{control}: {:?}", e.failures);
            assert!(
                controls(&e).contains(&(control, Level::Restricted)),
                "{control}: {:?}",
                e.failures
            );
        }
        // NET_BIND_SERVICE may be added.
        let e = evaluate(
            &pod(
                POD_SC,
                "",
                "      allowPrivilegeEscalation: false\n      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}\n",
                "",
            ),
            Version::LATEST,
        );
        assert_eq!(e.level, Level::Restricted, "{:?}", e.failures);
    }

    #[test]
    fn controls_and_values_follow_the_version() {
        let at = |psc: &str, csc: &str, c: &str, minor: u32| {
            evaluate(&pod(psc, "", csc, c), Version(minor)).level
        };
        let probe = "    livenessProbe:\n      tcpSocket: {host: 10.0.0.1, port: 80}\n";
        assert_eq!(at(POD_SC, C_SC, probe, 33), Level::Restricted);
        assert_eq!(at(POD_SC, C_SC, probe, 34), Level::Privileged);
        let engine = format!("{C_SC}      seLinuxOptions: {{type: container_engine_t}}\n");
        assert_eq!(at(POD_SC, &engine, "", 30), Level::Privileged);
        assert_eq!(at(POD_SC, &engine, "", 31), Level::Restricted);
        let keepalive =
            format!("{POD_SC}    sysctls: [{{name: net.ipv4.tcp_keepalive_time, value: '60'}}]\n");
        assert_eq!(at(&keepalive, C_SC, "", 28), Level::Privileged);
        assert_eq!(at(&keepalive, C_SC, "", 29), Level::Restricted);
        // Before 1.22 restricted did not ask for drop: [ALL].
        assert_eq!(
            at(POD_SC, "      allowPrivilegeEscalation: false\n", "", 21),
            Level::Restricted
        );
        assert_eq!(Version::parse("v1.31"), Some(Version(31)));
        assert_eq!(Version::parse("latest"), Some(Version::LATEST));
        assert_eq!(Version::parse("1.99"), Some(Version::LATEST));
        assert_eq!(Version::parse("two"), None);
    }

    #[test]
    fn windows_pods_skip_the_linux_only_restricted_controls() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: w\nspec:\n  os: {name: windows}\n  securityContext:\n    runAsNonRoot: true\n  containers:\n  - name: c\n    image: r/c:1\n";
        let file: Arc<str> = Arc::from("w.yaml");
        let mut c = Cluster::default();
        for doc in crate::inputs::yaml::parse(text).unwrap() {
            crate::inputs::kubernetes_objects::collect(&file, &doc, &mut c);
        }
        assert_eq!(
            evaluate(&c.pods[0], Version::LATEST).level,
            Level::Restricted
        );
        assert_eq!(evaluate(&c.pods[0], Version(24)).level, Level::Baseline);
    }
}
