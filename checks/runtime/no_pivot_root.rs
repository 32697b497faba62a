use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI006",
    name: "no-pivot-root",
    title: "Runtime roots containers without pivot_root",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "runc puts a container on its root filesystem with `pivot_root`, which leaves the \
host's root unreachable. `NoPivotRoot` (containerd), `no_pivot` (containerd 1.x, CRI-O) use \
`MS_MOVE` and `chroot` instead, which a process with the right capabilities can climb out of. It \
exists for ramdisk-rooted hosts that cannot `pivot_root`.",
    remediation: "Remove `NoPivotRoot = true` / `no_pivot = true` unless the node boots from a \
ramdisk, and then run untrusted workloads elsewhere.",
    references: &["https://github.com/opencontainers/runc/blob/main/man/runc-run.8.md"],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    for h in &cfg.no_pivot {
        sink.report(
            format!(
                "{} roots containers without pivot_root ({})",
                cfg.kind.name(),
                h.value
            ),
            Subject::at(&h.loc),
            vec![("handler", h.value.clone())],
        );
    }
}
