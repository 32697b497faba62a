//! `EXP`: how Kubernetes workloads are reached from outside the cluster — load balancers public
//! or internal by each cloud's own rules, source ranges, NodePorts, external IPs, Ingress TLS.
//! The idea they come from: nodes without public addresses, internal load balancers for private
//! traffic, and one public ingress rather than a public load balancer per service.
pub mod external_ips;
pub mod ingress_without_tls;
pub mod many_public_load_balancers;
pub mod node_port;
pub mod open_to_the_world;
pub mod public_load_balancer;

use crate::catalog::Settings;
use crate::model::container::Val;
use crate::model::kube::{ServiceSpec, ServiceType};

/// What a load-balancer Service is, by its provider's rules, and the signal that said so.
#[derive(Debug, Clone, PartialEq)]
pub enum Exposure {
    Public(String),
    Internal(String),
    /// Which controller owns it cannot be told from the manifest.
    Unknown(String),
}

/// One provider's internal-load-balancer annotation: the key, and whether a value means internal.
struct Signal {
    provider: &'static str,
    key: &'static str,
    internal: fn(&str) -> bool,
}

const SIGNALS: [Signal; 11] = [
    Signal {
        provider: "aws",
        // The in-tree provider: any value but "false" (the legacy "0.0.0.0/0" too).
        key: "service.beta.kubernetes.io/aws-load-balancer-internal",
        internal: |v| !v.trim().is_empty() && v.trim() != "false",
    },
    Signal {
        provider: "gke",
        key: "networking.gke.io/load-balancer-type",
        internal: |v| v.trim().eq_ignore_ascii_case("internal"),
    },
    Signal {
        provider: "gke",
        key: "cloud.google.com/load-balancer-type",
        internal: |v| v.trim().eq_ignore_ascii_case("internal"),
    },
    Signal {
        provider: "azure",
        key: "service.beta.kubernetes.io/azure-load-balancer-internal",
        internal: |v| v.trim() == "true",
    },
    Signal {
        provider: "ibm",
        key: "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type",
        internal: |v| v.trim() == "private",
    },
    Signal {
        provider: "openstack",
        key: "service.beta.kubernetes.io/openstack-internal-load-balancer",
        internal: |v| v.trim() == "true",
    },
    Signal {
        provider: "oci",
        key: "service.beta.kubernetes.io/oci-load-balancer-internal",
        internal: |v| v.trim() == "true",
    },
    Signal {
        provider: "alibaba",
        key: "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
        internal: |v| v.trim() == "intranet",
    },
    Signal {
        provider: "alibaba",
        key: "service.beta.kubernetes.io/alicloud-loadbalancer-address-type",
        internal: |v| v.trim() == "intranet",
    },
    Signal {
        provider: "tencent",
        key: "service.kubernetes.io/qcloud-loadbalancer-internal-subnetid",
        internal: |v| !v.trim().is_empty(),
    },
    Signal {
        provider: "baidu",
        key: "service.beta.kubernetes.io/cce-load-balancer-internal-vpc",
        internal: |v| v.trim() == "true",
    },
];

const AWS_SCHEME: &str = "service.beta.kubernetes.io/aws-load-balancer-scheme";
const AWS_TYPE: &str = "service.beta.kubernetes.io/aws-load-balancer-type";

/// Providers the project may name in `kubernetes: {provider: …}`.
pub const PROVIDERS: [&str; 9] = [
    "aws",
    "gke",
    "azure",
    "ibm",
    "openstack",
    "oci",
    "alibaba",
    "tencent",
    "baidu",
];

/// The AWS Load Balancer Controller's verdict: its `scheme` annotation, internal by default.
fn aws_lbc(svc: &ServiceSpec, owner: &str) -> Exposure {
    match svc.object.annotation(AWS_SCHEME) {
        Some(v) if v.value.trim() == "internet-facing" => {
            Exposure::Public(format!("{owner}, and {AWS_SCHEME}: internet-facing"))
        }
        Some(v) => Exposure::Internal(format!("{owner}, and {AWS_SCHEME}: {}", v.value)),
        None => Exposure::Internal(format!("{owner}, whose default scheme is internal")),
    }
}

/// Whether a `type: LoadBalancer` Service is internet-facing, by its provider's rules.
pub fn exposure(svc: &ServiceSpec, settings: &Settings) -> Option<Exposure> {
    if svc.service_type != ServiceType::LoadBalancer {
        return None;
    }
    let provider = settings.provider.as_deref();
    let on = |p: &str| provider.is_none_or(|mine| mine == p);
    // The class names the controller, and wins over annotations.
    if let Some(class) = &svc.load_balancer_class {
        let c = class.value.as_str();
        if c == "service.k8s.aws/nlb" {
            return Some(aws_lbc(
                svc,
                "loadBalancerClass service.k8s.aws/nlb (the AWS Load Balancer Controller)",
            ));
        }
        if c.starts_with("networking.gke.io/") && c.contains("internal") {
            return Some(Exposure::Internal(format!("loadBalancerClass {c}")));
        }
        if c.starts_with("networking.gke.io/") {
            return Some(Exposure::Public(format!("loadBalancerClass {c}")));
        }
        return Some(Exposure::Unknown(format!(
            "loadBalancerClass {c} names a controller whose defaults are not known here"
        )));
    }
    if on("aws") {
        if let Some(t) = svc
            .object
            .annotation(AWS_TYPE)
            .filter(|t| matches!(t.value.trim(), "external" | "nlb-ip"))
        {
            return Some(aws_lbc(
                svc,
                &format!("{AWS_TYPE}: {} (the AWS Load Balancer Controller)", t.value),
            ));
        }
        if settings.aws_load_balancer_controller && provider == Some("aws") {
            return Some(aws_lbc(
                svc,
                "the AWS Load Balancer Controller (its webhook sets loadBalancerClass, per .stevedore.yaml)",
            ));
        }
    }
    let mut ignored: Vec<String> = Vec::new();
    for s in &SIGNALS {
        let Some(v) = svc.object.annotation(s.key) else {
            continue;
        };
        if !(s.internal)(&v.value) {
            continue;
        }
        if on(s.provider) {
            return Some(Exposure::Internal(format!("{}: {}", s.key, v.value)));
        }
        ignored.push(format!("{} ({} only)", s.key, s.provider));
    }
    // `scheme` is read only by the AWS Load Balancer Controller; the in-tree provider ignores it
    // and makes the load balancer internet-facing.
    if on("aws") {
        if let Some(v) = svc
            .object
            .annotation(AWS_SCHEME)
            .filter(|v| v.value.trim() == "internal")
        {
            return Some(Exposure::Unknown(format!(
                "{AWS_SCHEME}: {} is read only by the AWS Load Balancer Controller; nothing says it owns this Service (set loadBalancerClass: service.k8s.aws/nlb, or aws-load-balancer-controller: true in .stevedore.yaml), and the in-tree provider makes it internet-facing",
                v.value
            )));
        }
    }
    let why = match (provider, ignored.is_empty()) {
        (Some(p), false) => format!("on {p}, {} does not make it internal", ignored.join(", ")),
        (Some(p), true) => format!("no {p} internal-load-balancer annotation"),
        (None, _) => "no internal-load-balancer annotation of any provider".to_string(),
    };
    Some(Exposure::Public(why))
}

/// Namespaces where well-known ingress controllers run: their load balancer is the public door.
const INGRESS_NAMESPACES: [&str; 14] = [
    "ingress-nginx",
    "nginx-ingress",
    "traefik",
    "kong",
    "istio-ingress",
    "istio-system",
    "haproxy-controller",
    "projectcontour",
    "contour",
    "envoy-gateway-system",
    "gloo-system",
    "ambassador",
    "emissary",
    "kube-system",
];

/// Whether a Service is the public door of an ingress controller: in its namespace (well known,
/// or named in `.stevedore.yaml`).
pub fn is_ingress_controller(svc: &ServiceSpec, settings: &Settings) -> bool {
    let ns = svc.object.namespace.as_deref().unwrap_or("");
    (settings.ingress_namespaces.iter().any(|n| n == ns) || INGRESS_NAMESPACES.contains(&ns))
        && !ns.is_empty()
}

/// The client ranges a load balancer admits, and where they are written: `loadBalancerSourceRanges`
/// or the annotation form.
pub fn source_ranges(svc: &ServiceSpec) -> Vec<Val<String>> {
    if !svc.source_ranges.is_empty() {
        return svc.source_ranges.clone();
    }
    svc.object
        .annotation("service.beta.kubernetes.io/load-balancer-source-ranges")
        .map(|v| {
            v.value
                .split(',')
                .map(|r| Val::new(r.trim().to_string(), v.loc.clone()))
                .filter(|r| !r.value.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// `0.0.0.0/0`, `::/0`.
pub fn everywhere(range: &str) -> bool {
    matches!(range.trim(), "0.0.0.0/0" | "::/0" | "0::0/0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Loc;
    use crate::model::kube::KubeObject;
    use std::sync::Arc;

    fn lb(annotations: &[(&str, &str)], class: Option<&str>) -> ServiceSpec {
        let file: Arc<str> = Arc::from("s.yaml");
        let loc = Loc::new(&file, crate::model::Pos { line: 1, column: 1 }, "");
        let val = |v: &str| Val::new(v.to_string(), loc.clone());
        ServiceSpec {
            object: KubeObject {
                kind: "Service".into(),
                name: "web".into(),
                namespace: None,
                loc: loc.clone(),
                prefix: String::new(),
                ignores: Vec::new(),
                ignore_how: String::new(),
                workloads: Vec::new(),
                annotations: annotations
                    .iter()
                    .map(|(k, v)| (k.to_string(), val(v)))
                    .collect(),
                labels: Vec::new(),
            },
            service_type: ServiceType::LoadBalancer,
            type_loc: loc.clone(),
            load_balancer_class: class.map(val),
            source_ranges: Vec::new(),
            external_ips: Vec::new(),
            node_ports: Vec::new(),
        }
    }

    fn settings(provider: Option<&str>, lbc: bool) -> Settings {
        Settings {
            minimal_max_packages: 0,
            as_of: String::new(),
            provider: provider.map(str::to_string),
            aws_load_balancer_controller: lbc,
            ingress_namespaces: Vec::new(),
        }
    }

    fn kind(e: Option<Exposure>) -> &'static str {
        match e {
            Some(Exposure::Public(_)) => "public",
            Some(Exposure::Internal(_)) => "internal",
            Some(Exposure::Unknown(_)) => "unknown",
            None => "none",
        }
    }

    #[test]
    fn each_provider_by_its_own_rules() {
        let any = settings(None, false);
        type Case<'a> = (
            &'a [(&'a str, &'a str)],
            Option<&'a str>,
            &'a Settings,
            &'a str,
        );
        let cases: [Case; 14] = [
            (&[], None, &any, "public"),
            (
                &[(
                    "service.beta.kubernetes.io/aws-load-balancer-internal",
                    "true",
                )],
                None,
                &any,
                "internal",
            ),
            (
                &[(
                    "service.beta.kubernetes.io/aws-load-balancer-internal",
                    "0.0.0.0/0",
                )],
                None,
                &any,
                "internal",
            ),
            (
                &[(
                    "service.beta.kubernetes.io/aws-load-balancer-internal",
                    "false",
                )],
                None,
                &any,
                "public",
            ),
            (&[(AWS_SCHEME, "internal")], None, &any, "unknown"),
            (&[(AWS_TYPE, "external")], None, &any, "internal"),
            (
                &[(AWS_TYPE, "external"), (AWS_SCHEME, "internet-facing")],
                None,
                &any,
                "public",
            ),
            (&[], Some("service.k8s.aws/nlb"), &any, "internal"),
            (
                &[("networking.gke.io/load-balancer-type", "Internal")],
                None,
                &any,
                "internal",
            ),
            (
                &[],
                Some("networking.gke.io/l4-regional-internal-legacy"),
                &any,
                "internal",
            ),
            (
                &[(
                    "service.beta.kubernetes.io/azure-load-balancer-internal",
                    "true",
                )],
                None,
                &any,
                "internal",
            ),
            (
                &[(
                    "service.kubernetes.io/qcloud-loadbalancer-internal-subnetid",
                    "subnet-1",
                )],
                None,
                &any,
                "internal",
            ),
            (&[], Some("example.com/lb"), &any, "unknown"),
            (
                &[(
                    "service.beta.kubernetes.io/openstack-internal-load-balancer",
                    "true",
                )],
                None,
                &any,
                "internal",
            ),
        ];
        for (annotations, class, s, want) in cases {
            assert_eq!(
                kind(exposure(&lb(annotations, class), s)),
                want,
                "{annotations:?} {class:?}"
            );
        }
        // Another cloud's annotation does nothing on the cloud the project names.
        let gke = settings(Some("gke"), false);
        let azure_on_gke = lb(
            &[(
                "service.beta.kubernetes.io/azure-load-balancer-internal",
                "true",
            )],
            None,
        );
        assert_eq!(kind(exposure(&azure_on_gke, &gke)), "public");
        // With the controller's webhook installed, AWS Services default to internal.
        let aws = settings(Some("aws"), true);
        assert_eq!(kind(exposure(&lb(&[], None), &aws)), "internal");
        assert_eq!(
            kind(exposure(&lb(&[(AWS_SCHEME, "internal")], None), &aws)),
            "internal"
        );
    }
}
