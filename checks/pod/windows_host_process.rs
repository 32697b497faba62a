use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::kube::PodSpec;

pub const CHECK: Check = Check {
    id: "POD007",
    name: "windows-host-process",
    title: "Windows pod runs as a host process",
    severity: Severity::Critical,
    cis: &[],
    cis_kubernetes: &["5.2.10"],
    rationale: "`windowsOptions.hostProcess: true` runs the container's processes directly on the \
Windows node, in its network namespace and with the host's file system: the Windows equivalent \
of a privileged container. Pod Security `baseline` refuses it.",
    remediation: "Remove `hostProcess`; node agents that need it belong in a namespace of their \
own at Pod Security `privileged`.",
    references: &[
        "https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/",
    ],
    runs: &[Run::Pod(run)],
    wants: &[],
};

fn run(pod: &PodSpec, sink: &mut Sink) {
    let mut places = Vec::new();
    if let Some(v) = pod.security.host_process.as_ref().filter(|v| v.value) {
        places.push(("the pod".to_string(), v.loc.clone()));
    }
    for c in &pod.containers {
        if let Some(v) = c.security.host_process.as_ref().filter(|v| v.value) {
            places.push((format!("container {}", c.name), v.loc.clone()));
        }
    }
    for (who, loc) in places {
        sink.report(
            format!(
                "{}: {who} runs as a Windows host process (hostProcess: true)",
                pod.object.title()
            ),
            Subject::at(&loc),
            vec![],
        );
    }
}
