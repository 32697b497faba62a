//! Kubernetes manifests → the objects Pod Security and the exposure rules read: pods (and pod
//! templates), Services, Ingresses, Namespaces, Secrets and ConfigMaps. Facts as written, with
//! their places; no judgement here.

use super::doc::Node;
use super::kubernetes::{each_container, each_object, pod_spec, workload_names};
use crate::model::Loc;
use crate::model::container::{Val, capability_name};
use crate::model::kube::{
    Cluster, IngressSpec, KubeObject, NamespaceSpec, PodContainer, PodSpec, SeLinux,
    SecurityFields, ServiceAccountSpec, ServiceSpec, ServiceType, StoredData, Volume, VolumeMount,
};
use crate::suppress::ANNOTATION as IGNORE_ANNOTATION;
use std::sync::Arc;

/// Adds the objects of one manifest document to `cluster`.
pub fn collect(file: &Arc<str>, doc: &Node, cluster: &mut Cluster) {
    each_object(doc, &mut |object, kind, prefix| {
        let meta = object_meta(file, object, kind, prefix);
        match kind {
            "Service" => cluster.services.push(service(file, object, meta, prefix)),
            "Ingress" => cluster.ingresses.push(ingress(file, object, meta)),
            "Namespace" => cluster.namespaces.push(NamespaceSpec { object: meta }),
            "ServiceAccount" => cluster.service_accounts.push(ServiceAccountSpec {
                automount_token: object
                    .entry("automountServiceAccountToken")
                    .and_then(|(k, v)| {
                        let field = format!("{prefix}automountServiceAccountToken");
                        Some(Val::new(v.as_bool()?, Loc::new(file, k.pos, field)))
                    }),
                object: meta,
            }),
            "Secret" | "ConfigMap" => cluster.stored.push(stored(file, object, meta, prefix)),
            _ => {
                if let Some(pod) = pod(file, object, kind, prefix, meta) {
                    cluster.pods.push(pod);
                }
            }
        }
    });
}

fn pairs(file: &Arc<str>, map: Option<&Node>, field: &str) -> Vec<(String, Val<String>)> {
    map.map(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| {
            Some((
                k.name.clone(),
                Val::new(
                    v.scalar_text()?,
                    Loc::new(file, k.pos, format!("{field}.{}", k.name)),
                ),
            ))
        })
        .collect()
}

fn object_meta(file: &Arc<str>, doc: &Node, kind: &str, prefix: &str) -> KubeObject {
    let name = doc
        .at(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("unnamed")
        .to_string();
    let template = pod_spec(doc, kind).and_then(|(_, _, meta)| meta);
    let mut ignores = Vec::new();
    for meta in [doc.get("metadata"), template].into_iter().flatten() {
        if let Some(v) = meta
            .at(&["annotations", IGNORE_ANNOTATION])
            .and_then(Node::as_str)
        {
            ignores.extend(crate::suppress::rule_list(v));
        }
    }
    // A workload's pods carry its template's annotations; an object's own come after.
    let mut annotations = Vec::new();
    if let Some(t) = template {
        let field = format!("{prefix}spec.template.metadata.annotations");
        annotations.extend(pairs(file, t.get("annotations"), &field));
    }
    annotations.extend(pairs(
        file,
        doc.at(&["metadata", "annotations"]),
        &format!("{prefix}metadata.annotations"),
    ));
    KubeObject {
        kind: kind.to_string(),
        workloads: workload_names(doc, &name),
        // A Namespace is in itself, for the operator's namespace sections and exceptions.
        namespace: if kind == "Namespace" {
            Some(name.clone())
        } else {
            doc.at(&["metadata", "namespace"])
                .and_then(Node::as_str)
                .map(str::to_string)
        },
        loc: Loc::new(file, doc.pos, format!("{prefix}metadata")),
        prefix: prefix.to_string(),
        ignores,
        ignore_how: format!("the {IGNORE_ANNOTATION} annotation"),
        annotations,
        name,
        labels: pairs(
            file,
            doc.at(&["metadata", "labels"]),
            &format!("{prefix}metadata.labels"),
        ),
    }
}

fn text_at(file: &Arc<str>, node: &Node, key: &str, field: &str) -> Option<Val<String>> {
    let (k, v) = node.entry(key)?;
    Some(Val::new(
        v.scalar_text()?,
        Loc::new(file, k.pos, format!("{field}.{key}")),
    ))
}

fn bool_at(file: &Arc<str>, node: &Node, key: &str, field: &str) -> Option<Val<bool>> {
    let (k, v) = node.entry(key)?;
    Some(Val::new(
        v.as_bool()?,
        Loc::new(file, k.pos, format!("{field}.{key}")),
    ))
}

fn security_fields(file: &Arc<str>, sc: Option<&Node>, field: &str) -> SecurityFields {
    let Some(sc) = sc else {
        return SecurityFields::default();
    };
    let typed = |key: &str| {
        let (k, v) = sc.entry(key)?;
        Some(Val::new(
            v.get("type")?.scalar_text()?,
            Loc::new(file, k.pos, format!("{field}.{key}.type")),
        ))
    };
    let selinux_field = format!("{field}.seLinuxOptions");
    let selinux = sc
        .get("seLinuxOptions")
        .map_or_else(SeLinux::default, |o| SeLinux {
            type_: text_at(file, o, "type", &selinux_field),
            user: text_at(file, o, "user", &selinux_field),
            role: text_at(file, o, "role", &selinux_field),
        });
    SecurityFields {
        run_as_non_root: bool_at(file, sc, "runAsNonRoot", field),
        run_as_user: text_at(file, sc, "runAsUser", field),
        run_as_group: text_at(file, sc, "runAsGroup", field),
        seccomp: typed("seccompProfile"),
        apparmor: typed("appArmorProfile"),
        selinux,
        host_process: sc
            .get("windowsOptions")
            .and_then(|w| bool_at(file, w, "hostProcess", &format!("{field}.windowsOptions"))),
    }
}

fn volumes(file: &Arc<str>, pod: &Node, field: &str) -> Vec<Volume> {
    pod.get("volumes")
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let name = v
                .get("name")
                .and_then(Node::scalar_text)
                .unwrap_or_default();
            let source = v
                .as_map()
                .iter()
                .map(|(k, _)| k.name.as_str())
                // Whatever else than its name a volume sets says what it is.
                .find(|k| *k != "name")
                .unwrap_or("")
                .to_string();
            Volume {
                host_path: v.at(&["hostPath", "path"]).and_then(Node::scalar_text),
                source,
                loc: Loc::new(file, v.pos, format!("{field}.volumes[{i}]")),
                name,
            }
        })
        .collect()
}

const PROBES: [&str; 3] = ["livenessProbe", "readinessProbe", "startupProbe"];

fn container(file: &Arc<str>, c: &Node, list: &'static str, field: String) -> PodContainer {
    let sc = c.get("securityContext");
    let sc_field = format!("{field}.securityContext");
    let caps = |which: &str| -> Vec<Val<String>> {
        sc.and_then(|s| s.at(&["capabilities", which]))
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|cap| {
                Some(Val::new(
                    capability_name(cap.as_str()?),
                    Loc::new(file, cap.pos, format!("{sc_field}.capabilities.{which}")),
                ))
            })
            .collect()
    };
    let mut probe_hosts = Vec::new();
    let mut probes = Vec::new();
    for probe in PROBES {
        let Some(p) = c.get(probe) else { continue };
        probes.push(probe);
        for handler in ["httpGet", "tcpSocket"] {
            if let Some(h) = p
                .get(handler)
                .and_then(|h| text_at(file, h, "host", &format!("{field}.{probe}.{handler}")))
            {
                probe_hosts.push(h);
            }
        }
    }
    for hook in ["postStart", "preStop"] {
        let Some(p) = c.at(&["lifecycle", hook]) else {
            continue;
        };
        for handler in ["httpGet", "tcpSocket"] {
            if let Some(h) = p.get(handler).and_then(|h| {
                text_at(
                    file,
                    h,
                    "host",
                    &format!("{field}.lifecycle.{hook}.{handler}"),
                )
            }) {
                probe_hosts.push(h);
            }
        }
    }
    probe_hosts.retain(|h| !h.value.is_empty());
    PodContainer {
        name: c
            .get("name")
            .and_then(Node::scalar_text)
            .unwrap_or_else(|| "unnamed".into()),
        list,
        loc: Loc::new(file, c.pos, field.clone()),
        image: text_at(file, c, "image", &field),
        pull_policy: text_at(file, c, "imagePullPolicy", &field),
        privileged: sc.and_then(|s| bool_at(file, s, "privileged", &sc_field)),
        allow_privilege_escalation: sc
            .and_then(|s| bool_at(file, s, "allowPrivilegeEscalation", &sc_field)),
        caps_add: caps("add"),
        caps_drop: caps("drop"),
        security_loc: Loc::new(
            file,
            c.entry("securityContext").map_or(c.pos, |(k, _)| k.pos),
            sc_field.clone(),
        ),
        security: security_fields(file, sc, &sc_field),
        proc_mount: sc.and_then(|s| text_at(file, s, "procMount", &sc_field)),
        host_ports: c
            .get("ports")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| {
                let (k, v) = p.entry("hostPort")?;
                Some(Val::new(
                    v.as_i64()?,
                    Loc::new(file, k.pos, format!("{field}.ports.hostPort")),
                ))
            })
            .collect(),
        probe_hosts,
        probes,
        mounts: c
            .get("volumeMounts")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|m| {
                let volume = m.get("name")?.scalar_text()?;
                Some(VolumeMount {
                    mount_path: m
                        .get("mountPath")
                        .and_then(Node::scalar_text)
                        .unwrap_or_default(),
                    read_only: m.get("readOnly").and_then(Node::as_bool) == Some(true),
                    loc: Loc::new(file, m.pos, format!("{field}.volumeMounts[{volume}]")),
                    volume,
                })
            })
            .collect(),
    }
}

fn pod(
    file: &Arc<str>,
    doc: &Node,
    kind: &str,
    prefix: &str,
    object: KubeObject,
) -> Option<PodSpec> {
    let (pod, path, _) = pod_spec(doc, kind)?;
    let field = format!("{prefix}{path}");
    let flag = |key: &str| {
        let (k, v) = pod.entry(key)?;
        (v.as_bool() == Some(true)).then(|| Loc::new(file, k.pos, format!("{field}.{key}")))
    };
    let sc = pod.get("securityContext");
    let sc_field = format!("{field}.securityContext");
    let containers = each_container(pod)
        .map(|(list, i, c)| container(file, c, list, format!("{field}.{list}[{i}]")))
        .collect();
    Some(PodSpec {
        loc: Loc::new(file, pod.pos, field.clone()),
        windows: pod.at(&["os", "name"]).and_then(Node::as_str) == Some("windows"),
        host_network: flag("hostNetwork"),
        host_pid: flag("hostPID"),
        host_ipc: flag("hostIPC"),
        security_loc: Loc::new(
            file,
            pod.entry("securityContext").map_or(pod.pos, |(k, _)| k.pos),
            sc_field.clone(),
        ),
        security: security_fields(file, sc, &sc_field),
        fs_group: sc.and_then(|s| text_at(file, s, "fsGroup", &sc_field)),
        sysctls: sc
            .and_then(|s| s.get("sysctls"))
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|s| {
                Some(Val::new(
                    s.get("name")?.scalar_text()?,
                    Loc::new(file, s.pos, format!("{sc_field}.sysctls")),
                ))
            })
            .collect(),
        volumes: volumes(file, pod, &field),
        automount_token: bool_at(file, pod, "automountServiceAccountToken", &field),
        account_automount: None,
        service_account: text_at(file, pod, "serviceAccountName", &field)
            .or_else(|| text_at(file, pod, "serviceAccount", &field)),
        pull_secrets: pod
            .get("imagePullSecrets")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.get("name").and_then(Node::scalar_text))
            .collect(),
        containers,
        field,
        object,
    })
}

fn service(file: &Arc<str>, doc: &Node, object: KubeObject, prefix: &str) -> ServiceSpec {
    let spec = doc.get("spec");
    let field = format!("{prefix}spec");
    let (service_type, type_loc) = match spec.and_then(|s| s.entry("type")) {
        Some((k, v)) => (
            match v.as_str() {
                Some("NodePort") => ServiceType::NodePort,
                Some("LoadBalancer") => ServiceType::LoadBalancer,
                Some("ExternalName") => ServiceType::ExternalName,
                _ => ServiceType::ClusterIp,
            },
            Loc::new(file, k.pos, format!("{field}.type")),
        ),
        None => (ServiceType::ClusterIp, object.field("spec.type")),
    };
    let list = |key: &str| -> Vec<Val<String>> {
        spec.and_then(|s| s.get(key))
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|v| {
                Some(Val::new(
                    v.scalar_text()?,
                    Loc::new(file, v.pos, format!("{field}.{key}")),
                ))
            })
            .collect()
    };
    ServiceSpec {
        service_type,
        type_loc,
        load_balancer_class: spec.and_then(|s| text_at(file, s, "loadBalancerClass", &field)),
        source_ranges: list("loadBalancerSourceRanges"),
        external_ips: list("externalIPs"),
        node_ports: spec
            .and_then(|s| s.get("ports"))
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| {
                let (k, v) = p.entry("nodePort")?;
                Some(Val::new(
                    v.as_i64()?,
                    Loc::new(file, k.pos, format!("{field}.ports.nodePort")),
                ))
            })
            .collect(),
        object,
    }
}

fn ingress(file: &Arc<str>, doc: &Node, object: KubeObject) -> IngressSpec {
    let spec = doc.get("spec");
    let class = spec
        .and_then(|s| {
            text_at(
                file,
                s,
                "ingressClassName",
                &format!("{}spec", object.prefix),
            )
        })
        .or_else(|| object.annotation("kubernetes.io/ingress.class").cloned());
    IngressSpec {
        tls: spec
            .and_then(|s| s.get("tls"))
            .is_some_and(|t| !t.as_seq().is_empty()),
        class,
        object,
    }
}

fn stored(file: &Arc<str>, doc: &Node, object: KubeObject, prefix: &str) -> StoredData {
    use base64::Engine;
    let secret = object.kind == "Secret";
    let mut entries = Vec::new();
    for key in ["data", "stringData"] {
        for (name, v) in pairs(file, doc.get(key), &format!("{prefix}{key}")) {
            // A Secret's `data` is base64: judge what it decodes to, where that is text.
            let value = if secret && key == "data" {
                base64::engine::general_purpose::STANDARD
                    .decode(v.value.trim())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .map_or(v.clone(), |text| Val::new(text, v.loc.clone()))
            } else {
                v
            };
            entries.push((name, value));
        }
    }
    let encrypted = doc
        .get("sops")
        .map(|_| "SOPS-encrypted (a `sops` block)".to_string())
        .or_else(|| {
            entries
                .iter()
                .any(|(_, v)| v.value.starts_with("ENC[") && v.value.ends_with(']'))
                .then(|| "SOPS-encrypted values (ENC[…])".to_string())
        });
    StoredData {
        secret_type: doc.get("type").and_then(Node::scalar_text),
        entries,
        encrypted,
        object,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(text: &str) -> Cluster {
        let file: Arc<str> = Arc::from("k.yaml");
        let mut c = Cluster::default();
        for doc in crate::inputs::yaml::parse(text).unwrap() {
            collect(&file, &doc, &mut c);
        }
        c
    }

    #[test]
    fn pods_services_and_data_are_read_with_their_places() {
        let c = cluster(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  template:\n    metadata:\n      annotations:\n        container.apparmor.security.beta.kubernetes.io/app: unconfined\n    spec:\n      hostNetwork: true\n      securityContext:\n        runAsNonRoot: true\n        seccompProfile:\n          type: RuntimeDefault\n      volumes:\n      - name: logs\n        hostPath:\n          path: /var/log\n      - name: tmp\n        emptyDir: {}\n      containers:\n      - name: app\n        image: shop/api:1.2\n        ports:\n        - containerPort: 80\n          hostPort: 8080\n        livenessProbe:\n          httpGet:\n            host: 10.0.0.1\n            port: 80\n        volumeMounts:\n        - name: logs\n          mountPath: /logs\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/8]\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMg==\n",
        );
        let pod = &c.pods[0];
        assert_eq!(pod.object.title(), "Deployment/api");
        assert_eq!(pod.object.namespace.as_deref(), Some("shop"));
        assert_eq!(pod.host_network.as_ref().unwrap().pos.line, 12);
        assert_eq!(
            pod.security.seccomp.as_ref().unwrap().value,
            "RuntimeDefault"
        );
        let sources: Vec<&str> = pod.volumes.iter().map(|v| v.source.as_str()).collect();
        assert_eq!(sources, ["hostPath", "emptyDir"]);
        let app = &pod.containers[0];
        assert_eq!(app.host_ports[0].value, 8080);
        assert_eq!(app.probe_hosts[0].value, "10.0.0.1");
        assert_eq!(app.probes, ["livenessProbe"]);
        assert!(!app.mounts[0].read_only);
        assert_eq!(pod.apparmor_annotation("app").unwrap().value, "unconfined");
        let svc = &c.services[0];
        assert_eq!(svc.service_type, ServiceType::LoadBalancer);
        assert_eq!(svc.source_ranges[0].value, "10.0.0.0/8");
        assert_eq!(c.stored[0].entries[0].1.value, "hunter2");
    }
}
