use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR010",
    name: "docker-socket-mount",
    title: "Container runtime socket mounted",
    severity: Severity::Critical,
    cis: &["5.32"],
    cis_kubernetes: &[],
    rationale: "The Docker (or containerd, CRI-O, Podman) socket is the runtime's API: a container that can reach it can start a privileged container with the host's root filesystem and so owns the host, read-only mount or not.",
    remediation: "Do not mount the runtime socket. Tools that need the API should use a narrowly scoped proxy (one that allows only the calls they need) or run outside containers.",
    references: &["https://docs.docker.com/engine/security/#docker-daemon-attack-surface"],
    runs: &[Run::Container(run)],
    wants: &[],
};

const SOCKETS: [&str; 4] = ["docker.sock", "containerd.sock", "crio.sock", "podman.sock"];

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    for m in &spec.mounts {
        // The socket's host name varies (rootless, custom -H); where it lands does not.
        let source = m.source.rsplit('/').next().unwrap_or("");
        let target = m.target.rsplit('/').next().unwrap_or("");
        if SOCKETS.contains(&source)
            || SOCKETS.contains(&target)
            || m.source.ends_with("/run/docker")
            || m.source == "/var/run"
        {
            sink.report(
                format!("{} mounts the runtime socket {}: whoever controls the container controls the host", spec.name, m.source),
                Subject::at(&m.loc.with_field(format!("{}:{}", m.loc.field, m.source))),
                vec![("source", m.source.clone())],
            );
        }
    }
}
