use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::{RuntimeConfig, RuntimeKind};

pub const CHECK: Check = Check {
    id: "CRI002",
    name: "runtime-selinux-off",
    title: "Container runtime does not label containers on an SELinux host",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "On a host that enforces SELinux, container separation rests on each container \
getting its own label (`container_t` with unique categories). containerd labels containers only \
with `enable_selinux = true` (its default is off); CRI-O follows the host unless `selinux = \
false` says otherwise. Without labels every container runs with the runtime's own context and \
the host's policy stops separating them. Judged only where the host is known to enforce SELinux \
(its `/etc/selinux/config`, read by `stevedore node`): a file alone cannot say.",
    remediation: "Set `enable_selinux = true` in containerd's runtime table, or remove \
`selinux = false` from CRI-O's configuration, and restart the runtime.",
    references: &[
        "https://github.com/containerd/containerd/blob/main/docs/cri/config.md",
        "https://github.com/cri-o/cri-o/blob/main/docs/crio.conf.5.md",
    ],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    if cfg.selinux_host != Some(true) {
        return;
    }
    let (off, loc) = match (&cfg.selinux, cfg.kind) {
        (Some(v), _) => (!v.value, v.loc.clone()),
        (None, RuntimeKind::Containerd) => (true, cfg.loc.clone()),
        (None, RuntimeKind::Crio) => (false, cfg.loc.clone()),
    };
    if off {
        let how = if cfg.selinux.is_some() {
            "turned off"
        } else {
            "left at containerd's default (off)"
        };
        sink.report(
            format!(
                "SELinux labelling is {how} in {}, on a host that enforces SELinux",
                cfg.kind.name()
            ),
            Subject::at(&loc),
            vec![],
        );
    }
}
