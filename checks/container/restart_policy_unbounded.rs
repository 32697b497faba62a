use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::{ContainerSpec, Platform};

/// CIS caps `on-failure` retries at 5.
const MAX_RETRIES: u64 = 5;

pub const CHECK: Check = Check {
    id: "CTR017",
    name: "restart-policy-unbounded",
    title: "Restart policy retries without a bound",
    severity: Severity::Low,
    cis: &["5.15"],
    cis_kubernetes: &[],
    rationale: "A container restarted `always` (or `unless-stopped`, or `on-failure` without a retry count) comes back however often it fails: a crash loop keeps consuming the host, can be driven from outside by whatever makes it crash, and hides the failure that should be investigated. Kubernetes restarts with an exponential back-off and is not judged here.",
    remediation: "Use `on-failure` with at most 5 retries (`restart: on-failure:5`, `docker run --restart on-failure:5`, `deploy.restart_policy: {condition: on-failure, max_attempts: 5}`), and let monitoring or an orchestrator with back-off handle services that must stay up.",
    references: &["https://docs.docker.com/engine/containers/start-containers-automatically/"],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    if spec.platform == Platform::Kubernetes {
        return;
    }
    let Some(restart) = &spec.restart else {
        return;
    };
    let r = &restart.value;
    let problem = match (r.policy.as_str(), r.max_retries) {
        ("always" | "unless-stopped", _) => format!("restarts {} without a bound", r.policy),
        ("on-failure", None | Some(0)) => "restarts on failure without a retry limit".into(),
        ("on-failure", Some(n)) if n > MAX_RETRIES => {
            format!("restarts on failure up to {n} times (more than {MAX_RETRIES})")
        }
        _ => return,
    };
    sink.report(
        format!("{} {problem}", spec.name),
        Subject::at(&restart.loc),
        vec![
            ("policy", r.policy.clone()),
            (
                "max_retries",
                r.max_retries.map_or("unlimited".into(), |n| n.to_string()),
            ),
        ],
    );
}
