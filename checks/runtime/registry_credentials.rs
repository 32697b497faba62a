use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI008",
    name: "registry-credentials-in-config",
    title: "Registry credentials written in the runtime's configuration",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "containerd's `registry.configs.<host>.auth` and `registry.auths` hold a password, \
an `auth` string (base64 of user:password) or an identity token in the configuration file, which \
machine images, configuration management and support bundles copy around. They are deprecated \
for this reason too: the kubelet passes pull secrets per pod.",
    remediation: "Rotate the credential. Use Kubernetes `imagePullSecrets`, or a kubelet image \
credential provider, and remove the `auth` table.",
    references: &["https://github.com/containerd/containerd/blob/main/docs/cri/registry.md"],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    for host in &cfg.registry_credentials {
        sink.report(
            format!(
                "credentials for {} are written in the {} configuration",
                host.value,
                cfg.kind.name()
            ),
            Subject::at(&host.loc),
            vec![("registry", host.value.clone())],
        );
    }
}
