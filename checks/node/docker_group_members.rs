use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::node::NodeConfig;

pub const CHECK: Check = Check {
    id: "NODE004",
    name: "docker-group-members",
    title: "Users in the docker group (root on the host)",
    severity: Severity::Info,
    cis: &["1.1.2"],
    cis_kubernetes: &[],
    rationale: "Members of the `docker` group may use the API socket, and anyone who can start a \
container can mount the host's root filesystem into it: membership is root on the host. CIS asks \
that only trusted users be members; which users are trusted is the operator's call, so the \
finding lists them from the node's own `/etc/group` for review.",
    remediation: "Remove users who do not need to run containers (`gpasswd -d USER docker`); give \
the others rootless Docker or a tool that does not need the socket.",
    references: &[
        "https://docs.docker.com/engine/security/#docker-daemon-attack-surface",
        "https://www.cisecurity.org/benchmark/docker",
    ],
    runs: &[Run::Node(run)],
    wants: &[],
};

fn run(node: &NodeConfig, sink: &mut Sink) {
    let Some((members, loc)) = &node.docker_group else {
        return;
    };
    if members.is_empty() {
        return;
    }
    sink.report(
        format!(
            "the docker group has {} member(s), each root on the host through the API socket: {}",
            members.len(),
            members.join(", ")
        ),
        Subject::at(loc),
        vec![("members", members.join(","))],
    );
}
