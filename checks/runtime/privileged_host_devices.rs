use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI017",
    name: "privileged-gets-host-devices",
    title: "Privileged containers get every host device",
    severity: Severity::Info,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "Unless a runtime handler sets `privileged_without_host_devices = true` (containerd \
and CRI-O alike), a privileged container sees every device node of the host: its disks, \
`/dev/mem` where the kernel allows it, and devices hot-plugged later. That is Docker's meaning of \
privileged too, so it is the default and reported for information: with the setting, privileged \
pods keep their capabilities but only the devices they ask for, which is what most privileged \
system pods (CNI, CSI node plugins aside) need.",
    remediation: "Set `privileged_without_host_devices = true` on the runtime handler \
(`[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]`, \
`[crio.runtime.runtimes.runc]`), or give the pods that need host devices a handler of their own; \
keep privileged pods out of namespaces with the Pod Security `baseline` level.",
    references: &[
        "https://github.com/containerd/containerd/blob/main/docs/cri/config.md",
        "https://github.com/cri-o/cri-o/blob/main/docs/crio.conf.5.md",
    ],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    if !cfg.defaults_apply {
        return;
    }
    if cfg.privileged_host_devices.is_empty() {
        sink.report(
            format!(
                "privileged containers get every host device: {} runs them with its default handler, which leaves privileged_without_host_devices unset",
                cfg.kind.name()
            ),
            Subject::at(&cfg.loc),
            vec![("handler", "runc".into())],
        );
        return;
    }
    for flag in cfg
        .privileged_host_devices
        .iter()
        .filter(|f| f.value != Some(true))
    {
        let how = match flag.value {
            Some(_) => "privileged_without_host_devices = false",
            None => "privileged_without_host_devices unset",
        };
        sink.report(
            format!(
                "privileged containers get every host device on {} handler {} ({how})",
                cfg.kind.name(),
                flag.handler
            ),
            Subject::at(&flag.loc),
            vec![("handler", flag.handler.clone())],
        );
    }
}
