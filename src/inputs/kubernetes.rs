//! Kubernetes manifests → container specs: every pod template (Pod, Deployment, StatefulSet,
//! DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, OpenShift's DeploymentConfig),
//! inside `List`s (`kind: List`, `PodList`, …) and OpenShift `Template`s too; every container (init
//! and ephemeral too), with pod-level security settings applied under container-level ones.

use super::doc::Node;
use crate::model::Loc;
use crate::model::container::{
    ContainerSpec, Mount, Namespace, Platform, Port, SeccompMode, Val, capability_name,
};
use std::sync::Arc;

use crate::suppress::ANNOTATION as IGNORE_ANNOTATION;

/// The pod spec of a workload, and its path in the document.
pub(crate) fn pod_spec<'a>(
    doc: &'a Node,
    kind: &str,
) -> Option<(&'a Node, &'static str, Option<&'a Node>)> {
    match kind {
        "Pod" => Some((doc.get("spec")?, "spec", doc.get("metadata"))),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "DeploymentConfig"
        | "Job" => {
            let t = doc.at(&["spec", "template"])?;
            Some((t.get("spec")?, "spec.template.spec", t.get("metadata")))
        }
        "CronJob" => {
            let t = doc.at(&["spec", "jobTemplate", "spec", "template"])?;
            Some((
                t.get("spec")?,
                "spec.jobTemplate.spec.template.spec",
                t.get("metadata"),
            ))
        }
        _ => None,
    }
}

fn val_bool(file: &Arc<str>, node: &Node, key: &str, field: &str) -> Option<Val<bool>> {
    let (k, v) = node.entry(key)?;
    Some(Val::new(v.as_bool()?, Loc::new(file, k.pos, field)))
}

fn seccomp_of(file: &Arc<str>, sc: &Node, field: &str) -> Option<Val<SeccompMode>> {
    let (k, profile) = sc.entry("seccompProfile")?;
    let mode = match profile.get("type").and_then(Node::as_str)? {
        "Unconfined" => SeccompMode::Unconfined,
        "RuntimeDefault" => SeccompMode::RuntimeDefault,
        _ => SeccompMode::Localhost(
            profile
                .get("localhostProfile")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string(),
        ),
    };
    Some(Val::new(
        mode,
        Loc::new(file, k.pos, format!("{field}.seccompProfile")),
    ))
}

/// The names an operator's exception may use for this object: its own name (or, for a pod
/// created from `generateName`, that prefix without the dash), its owners' names, and the
/// Deployment behind a ReplicaSet (the owner's name without `-<pod-template-hash>`).
pub(crate) fn workload_names(doc: &Node, object: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut push = |n: &str| {
        if !n.is_empty() && !names.iter().any(|x| x == n) {
            names.push(n.to_string());
        }
    };
    if object != "unnamed" {
        push(object);
    }
    if let Some(prefix) = doc.at(&["metadata", "generateName"]).and_then(Node::as_str) {
        push(prefix.trim_end_matches('-'));
    }
    let hash = doc
        .at(&["metadata", "labels", "pod-template-hash"])
        .and_then(Node::as_str);
    for owner in doc
        .at(&["metadata", "ownerReferences"])
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        let Some(name) = owner.get("name").and_then(Node::as_str) else {
            continue;
        };
        push(name);
        if let Some(deployment) = hash.and_then(|h| name.strip_suffix(&format!("-{h}"))) {
            push(deployment);
        }
    }
    names
}

/// Every container of a pod spec: init, regular and ephemeral, with its list and index.
pub(crate) fn each_container(pod: &Node) -> impl Iterator<Item = (&'static str, usize, &Node)> {
    ["initContainers", "containers", "ephemeralContainers"]
        .into_iter()
        .flat_map(move |list| {
            pod.get(list)
                .map(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .enumerate()
                .map(move |(i, c)| (list, i, c))
        })
}

/// How deep `List`s and `Template`s may nest (a hostile document could nest them endlessly).
const MAX_NESTING: usize = 8;

/// Container specs of one manifest document: a workload, or the workloads of a `List` (and of
/// every `…List`) or of an OpenShift `Template`.
pub fn containers(file: &Arc<str>, doc: &Node) -> Vec<ContainerSpec> {
    let mut out = Vec::new();
    each_object(doc, &mut |object, kind, prefix| {
        out.extend(workload_containers(file, object, kind, prefix));
    });
    out
}

/// Calls `f` with every object of a document (its kind, and its path inside a `List` or
/// `Template`), looking inside lists and templates.
///
/// Paths start with the document's own kind and name (`Deployment/api:spec.template…`): a file of
/// several documents has the same paths in each, and a finding's identity (its fingerprint) is
/// its file and path.
pub(crate) fn each_object(doc: &Node, f: &mut dyn FnMut(&Node, &str, &str)) {
    let name = doc
        .at(&["metadata", "name"])
        .and_then(Node::scalar_text)
        .unwrap_or_else(|| "unnamed".into());
    let kind = doc.get("kind").and_then(Node::as_str).unwrap_or("");
    collect(doc, None, &format!("{kind}/{name}:"), 0, f);
}

fn collect(
    doc: &Node,
    implied_kind: Option<&str>,
    prefix: &str,
    depth: usize,
    f: &mut dyn FnMut(&Node, &str, &str),
) {
    let Some(kind) = doc.get("kind").and_then(Node::as_str).or(implied_kind) else {
        return;
    };
    if depth > MAX_NESTING {
        return;
    }
    let nested = match kind {
        "Template" => Some(("objects", None)),
        // `PodList` items may leave their kind out: it is the list's.
        list if list.ends_with("List") => {
            Some(("items", list.strip_suffix("List").filter(|k| !k.is_empty())))
        }
        _ => None,
    };
    if let Some((key, item_kind)) = nested {
        for (i, item) in doc
            .get(key)
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = format!("{prefix}{key}[{i}].");
            collect(item, item_kind, &at, depth + 1, f);
        }
        return;
    }
    f(doc, kind, prefix);
}

/// Container specs of one workload; `prefix` is its path inside a `List` or `Template`.
fn workload_containers(
    file: &Arc<str>,
    doc: &Node,
    kind: &str,
    prefix: &str,
) -> Vec<ContainerSpec> {
    let Some((pod, pod_path, template_meta)) = pod_spec(doc, kind) else {
        return Vec::new();
    };
    let pod_field = format!("{prefix}{pod_path}");
    let object = doc
        .at(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("unnamed");
    // The annotation on the object or on its pod template (which every pod it creates carries).
    let mut ignores: Vec<String> = Vec::new();
    for meta in [doc.get("metadata"), template_meta].into_iter().flatten() {
        if let Some(v) = meta
            .at(&["annotations", IGNORE_ANNOTATION])
            .and_then(Node::as_str)
        {
            ignores.extend(crate::suppress::rule_list(v));
        }
    }
    let namespace = doc
        .at(&["metadata", "namespace"])
        .and_then(Node::as_str)
        .map(str::to_string);
    let workloads = workload_names(doc, object);
    let annotations = template_meta.and_then(|m| m.get("annotations"));
    let pod_sc = pod.get("securityContext");
    let pod_sc_field = format!("{pod_field}.securityContext");
    let pod_sysctls: Vec<Val<String>> = pod_sc
        .and_then(|s| s.get("sysctls"))
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|item| {
            let name = item.get("name").and_then(Node::as_str)?;
            let value = item
                .get("value")
                .and_then(Node::scalar_text)
                .unwrap_or_default();
            Some(Val::new(
                format!("{name}={value}"),
                Loc::new(file, item.pos, format!("{pod_sc_field}.sysctls.{name}")),
            ))
        })
        .collect();

    let mut host_ns = Vec::new();
    for (key, ns) in [
        ("hostNetwork", Namespace::Network),
        ("hostPID", Namespace::Pid),
        ("hostIPC", Namespace::Ipc),
    ] {
        if let Some((k, v)) = pod.entry(key) {
            if v.as_bool() == Some(true) {
                host_ns.push((ns, Loc::new(file, k.pos, format!("{pod_field}.{key}"))));
            }
        }
    }
    if let Some((k, v)) = pod.entry("hostUsers") {
        if v.as_bool() == Some(true) {
            host_ns.push((
                Namespace::User,
                Loc::new(file, k.pos, format!("{pod_field}.hostUsers")),
            ));
        }
    }
    // hostPath volumes by name, for the containers that mount them.
    let host_paths: Vec<(String, String, Option<String>)> = pod
        .get("volumes")
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| {
            let hp = v.get("hostPath")?;
            Some((
                v.get("name")?.as_str()?.to_string(),
                hp.get("path")?.as_str()?.to_string(),
                hp.get("type").and_then(Node::as_str).map(str::to_string),
            ))
        })
        .collect();

    let mut out = Vec::new();
    for (list, i, c) in each_container(pod) {
        let cname = c
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("unnamed")
            .to_string();
        let field = format!("{pod_field}.{list}[{i}]");
        let mut spec = ContainerSpec::new(
            Platform::Kubernetes,
            format!("{kind}/{object} container {cname}"),
            Loc::new(file, c.pos, field.clone()),
        );
        spec.ignores = ignores.clone();
        spec.ignore_how = format!("the {IGNORE_ANNOTATION} annotation");
        spec.namespace = namespace.clone();
        spec.workloads = workloads.clone();
        spec.host_namespaces = host_ns.clone();
        if let Some((k, v)) = c.entry("image") {
            spec.image = v.as_str().map(|s| {
                Val::new(
                    s.to_string(),
                    Loc::new(file, k.pos, format!("{field}.image")),
                )
            });
        }
        // `env[].value` written in the manifest; `valueFrom` points at a Secret or ConfigMap.
        for e in c.get("env").map(Node::as_seq).unwrap_or_default() {
            let name = e.get("name").and_then(Node::as_str);
            if let (Some(name), Some((k, v))) = (name, e.entry("value")) {
                if let Some(value) = v.scalar_text() {
                    spec.env.push(crate::model::container::EnvVar {
                        name: name.to_string(),
                        value,
                        loc: Loc::new(file, k.pos, format!("{field}.env.{name}")),
                        env_file: None,
                    });
                }
            }
        }
        let sc = c.get("securityContext");
        let sc_field = format!("{field}.securityContext");
        if let Some(sc) = sc {
            spec.privileged = val_bool(file, sc, "privileged", &format!("{sc_field}.privileged"));
            spec.read_only_root = val_bool(
                file,
                sc,
                "readOnlyRootFilesystem",
                &format!("{sc_field}.readOnlyRootFilesystem"),
            );
            // allowPrivilegeEscalation: false is no_new_privs.
            spec.no_new_privileges = val_bool(
                file,
                sc,
                "allowPrivilegeEscalation",
                &format!("{sc_field}.allowPrivilegeEscalation"),
            )
            .map(|v| Val::new(!v.value, v.loc));
            for (list, into) in [("add", &mut spec.cap_add), ("drop", &mut spec.cap_drop)] {
                for cap in sc
                    .at(&["capabilities", list])
                    .map(Node::as_seq)
                    .unwrap_or_default()
                {
                    if let Some(name) = cap.as_str() {
                        into.push(Val::new(
                            capability_name(name),
                            Loc::new(file, cap.pos, format!("{sc_field}.capabilities.{list}")),
                        ));
                    }
                }
            }
            if let Some((k, v)) = sc.entry("procMount") {
                if v.as_str() == Some("Unmasked") {
                    spec.system_paths_unmasked =
                        Some(Loc::new(file, k.pos, format!("{sc_field}.procMount")));
                }
            }
            if sc.at(&["appArmorProfile", "type"]).and_then(Node::as_str) == Some("Unconfined") {
                spec.apparmor_unconfined = sc
                    .entry("appArmorProfile")
                    .map(|(k, _)| Loc::new(file, k.pos, format!("{sc_field}.appArmorProfile")));
            }
        }
        // Container level wins over pod level.
        spec.seccomp = sc
            .and_then(|s| seccomp_of(file, s, &sc_field))
            .or_else(|| pod_sc.and_then(|s| seccomp_of(file, s, &pod_sc_field)));
        if spec.seccomp.is_none() {
            let container_key = format!("container.seccomp.security.alpha.kubernetes.io/{cname}");
            spec.seccomp_alpha_annotation = annotations
                .and_then(|a| {
                    a.get(&container_key)
                        .or_else(|| a.get("seccomp.security.alpha.kubernetes.io/pod"))
                })
                .and_then(Node::as_str)
                .map(str::to_string);
        }
        if spec.apparmor_unconfined.is_none() {
            let key = format!("container.apparmor.security.beta.kubernetes.io/{cname}");
            if let Some((k, v)) = annotations.and_then(|a| a.entry(&key)) {
                if v.as_str() == Some("unconfined") {
                    spec.apparmor_unconfined =
                        Some(Loc::new(file, k.pos, format!("metadata.annotations.{key}")));
                }
            }
            if let Some((k, v)) = pod_sc.and_then(|s| s.entry("appArmorProfile")) {
                if v.get("type").and_then(Node::as_str) == Some("Unconfined") {
                    spec.apparmor_unconfined = Some(Loc::new(
                        file,
                        k.pos,
                        format!("{pod_sc_field}.appArmorProfile"),
                    ));
                }
            }
        }
        // SELinux options of the container, else of the pod.
        let selinux = [(sc, &sc_field), (pod_sc, &pod_sc_field)]
            .into_iter()
            .find_map(|(node, f)| Some((node?.entry("seLinuxOptions")?, f)));
        if let Some(((key, options), f)) = selinux {
            for part in ["type", "user", "role"] {
                if let Some(value) = options.get(part).and_then(Node::as_str) {
                    if let Some(words) =
                        crate::inputs::security_opt::label_weakens(&format!("{part}:{value}"))
                    {
                        spec.selinux_weakened.push(Val::new(
                            words,
                            Loc::new(file, key.pos, format!("{f}.seLinuxOptions.{part}")),
                        ));
                    }
                }
            }
        }
        spec.sysctls = pod_sysctls.clone();
        for (node, f) in [(sc, &sc_field), (pod_sc, &pod_sc_field)] {
            let Some(node) = node else { continue };
            if spec.user.is_none() {
                if let Some((k, v)) = node.entry("runAsUser") {
                    spec.user = v
                        .scalar_text()
                        .map(|u| Val::new(u, Loc::new(file, k.pos, format!("{f}.runAsUser"))));
                }
            }
            if spec.run_as_non_root.is_none() {
                spec.run_as_non_root =
                    val_bool(file, node, "runAsNonRoot", &format!("{f}.runAsNonRoot"));
            }
        }
        let limits = c.at(&["resources", "limits"]);
        if let Some(l) = limits {
            spec.memory_limit = l
                .entry("memory")
                .map(|(k, _)| Loc::new(file, k.pos, format!("{field}.resources.limits.memory")));
            spec.cpu_limit = l
                .entry("cpu")
                .map(|(k, _)| Loc::new(file, k.pos, format!("{field}.resources.limits.cpu")));
        }
        // Pids are limited per pod by the kubelet (podPidsLimit), not in the manifest.
        spec.pids_limit = Some(spec.loc.with_field("kubelet podPidsLimit"));
        for m in c.get("volumeMounts").map(Node::as_seq).unwrap_or_default() {
            let Some(name) = m.get("name").and_then(Node::as_str) else {
                continue;
            };
            let Some((_, path, kind)) = host_paths.iter().find(|(n, _, _)| n == name) else {
                continue;
            };
            let mount = Mount {
                source: path.clone(),
                target: m
                    .get("mountPath")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_string(),
                read_only: m.get("readOnly").and_then(Node::as_bool).unwrap_or(false),
                propagation: m
                    .get("mountPropagation")
                    .and_then(Node::as_str)
                    .map(str::to_string),
                loc: Loc::new(file, m.pos, format!("{field}.volumeMounts[{name}]")),
            };
            if matches!(kind.as_deref(), Some("CharDevice" | "BlockDevice")) {
                spec.devices.push(Val::new(path.clone(), mount.loc.clone()));
            }
            spec.mounts.push(mount);
        }
        for p in c.get("ports").map(Node::as_seq).unwrap_or_default() {
            if let Some(host) = p.get("hostPort").and_then(Node::as_i64) {
                spec.ports.push(Port {
                    host_port: u16::try_from(host).unwrap_or(0),
                    container_port: p
                        .get("containerPort")
                        .and_then(Node::as_i64)
                        .and_then(|c| u16::try_from(c).ok()),
                    host_ip: p.get("hostIP").and_then(Node::scalar_text),
                    loc: Loc::new(file, p.pos, format!("{field}.ports")),
                });
            }
        }
        out.push(spec);
    }
    out
}
