use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::node::NodeConfig;

pub const CHECK: Check = Check {
    id: "NODE005",
    name: "command-line-drift",
    title: "Service running with a command line its unit does not give",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "What a node's files say and what runs on it can differ: a daemon started by hand, \
or a unit changed and the service never restarted. Either way the configuration under review is \
not the one in force, and the next restart changes the node's security without anyone touching \
it. The running process is read from `/proc` (`--proc`, the default on `/`): a process counts \
only if it runs as root outside any container or pod cgroup, so a docker-in-docker pod's daemon \
is not mistaken for the host's. The `DMN` rules judge the running command line when there is \
one.",
    remediation: "Make the unit (or its drop-ins and environment files) say what should run, then \
restart the service so the two agree (`systemctl daemon-reload && systemctl restart docker`).",
    references: &["https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html"],
    runs: &[Run::Node(run)],
    wants: &[],
};

fn run(node: &NodeConfig, sink: &mut Sink) {
    for d in &node.drift {
        let mut parts = Vec::new();
        if !d.only_running.is_empty() {
            parts.push(format!(
                "runs with {} that the unit does not give",
                d.only_running.join(", ")
            ));
        }
        if !d.only_unit.is_empty() {
            parts.push(format!(
                "lacks {} that the unit gives",
                d.only_unit.join(", ")
            ));
        }
        sink.report(
            format!("{} (pid {}) {}", d.program, d.pid, parts.join("; ")),
            Subject::at(&d.loc),
            vec![
                ("running_only", d.only_running.join(", ")),
                ("unit_only", d.only_unit.join(", ")),
            ],
        );
    }
}
