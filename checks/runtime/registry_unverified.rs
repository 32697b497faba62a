use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI007",
    name: "registry-unverified",
    title: "Runtime pulls from a registry without TLS verification",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "A registry reached over plain HTTP or with certificate checks off serves whatever \
anyone on the path answers: the node runs images it cannot tell from the real ones. This is the \
runtime side of Docker's insecure registries (DMN008): containerd's `hosts.toml` (`skip_verify = \
true`, an `http://` host) where containerd reads them (its `config_path`; containerd 1.x reads \
none unless it is set), and its deprecated `registry.configs.*.tls.insecure_skip_verify` and \
`http://` mirror endpoints; CRI-O's (and Podman's) `registries.conf`, `insecure = true` on a \
registry or a mirror, or a `[registries.insecure]` list in the old format.",
    remediation: "Serve the registry over TLS with a certificate the node trusts: put its CA in \
`hosts.toml` (`ca = \"/etc/containerd/certs.d/<host>/ca.crt\"`) instead of skipping \
verification.",
    references: &["https://github.com/containerd/containerd/blob/main/docs/hosts.md"],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    for r in &cfg.insecure_registries {
        sink.report(
            format!(
                "{} trusts a registry without verification: {}",
                cfg.kind.name(),
                r.value
            ),
            Subject::at(&r.loc),
            vec![("registry", r.value.clone())],
        );
    }
}
