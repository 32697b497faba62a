use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::node::NodeConfig;

pub const CHECK: Check = Check {
    id: "NODE006",
    name: "general-purpose-node-os",
    title: "Node runs a general-purpose OS rather than a container-optimised one",
    severity: Severity::Low,
    cis: &["1.2.1"],
    cis_kubernetes: &[],
    rationale: "A node exists to run containers. A general-purpose distribution brings hundreds of \
packages it never uses (compilers, mail, interpreters), each one to patch and each one something \
an attacker who reaches the host can use; it is also mutable, so nodes drift apart. \
Container-optimised systems (Flatcar Container Linux, Bottlerocket, Talos, Fedora CoreOS, Red Hat \
CoreOS, Container-Optimized OS, Ubuntu Core) ship little more than the kernel, the runtime and \
the kubelet, often read-only and updated as a whole. The finding names the OS and its package \
count from the node's own os-release and package database.",
    remediation: "Build new nodes from a container-optimised OS (Flatcar or Fedora CoreOS for \
general clusters, Bottlerocket on AWS, Container-Optimized OS on GKE, Talos for a \
Kubernetes-only API) and replace the general-purpose ones; until then keep the package set \
minimal and the node immutable in practice (no logins, rebuild rather than patch).",
    references: &[
        "https://kubernetes.io/docs/concepts/security/security-checklist/",
        "https://www.cisecurity.org/benchmark/docker",
    ],
    runs: &[Run::Node(run)],
    wants: &[],
};

/// os-release `ID`s (and `VARIANT_ID`s) of container-optimised systems.
fn container_optimised(id: &str, variant: &str) -> bool {
    matches!(
        id,
        "flatcar" | "bottlerocket" | "talos" | "rhcos" | "cos" | "ubuntu-core" | "k3os"
    ) || variant == "coreos"
}

fn run(node: &NodeConfig, sink: &mut Sink) {
    let Some(os) = &node.os else {
        return;
    };
    if os.id.is_empty() || container_optimised(&os.id, &os.variant_id) {
        return;
    }
    let name = if os.pretty_name.is_empty() {
        format!("{} {}", os.id, os.version_id)
    } else {
        os.pretty_name.clone()
    };
    let packages = os
        .packages
        .map(|n| format!(" with {n} packages"))
        .unwrap_or_default();
    sink.report(
        format!("the node runs {name}{packages}, a general-purpose distribution"),
        Subject::at(&os.loc),
        vec![("os", name.clone())],
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn container_optimised_systems() {
        assert!(super::container_optimised("fedora", "coreos"));
        assert!(super::container_optimised("flatcar", ""));
        assert!(!super::container_optimised("debian", ""));
        assert!(!super::container_optimised("fedora", "server"));
    }
}
