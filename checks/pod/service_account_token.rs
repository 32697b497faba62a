use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::kube::PodSpec;

pub const CHECK: Check = Check {
    id: "POD003",
    name: "service-account-token-mounted",
    title: "Pod mounts an API token it probably does not use",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &["5.1.6"],
    rationale: "Unless `automountServiceAccountToken: false`, every container gets a token for the \
pod's service account at `/var/run/secrets/kubernetes.io/serviceaccount`: whoever gets code \
execution in the pod can call the API server as that account. A file cannot know whether the \
application calls the API; the signal used here is the service account — a pod that runs as the \
namespace's `default` account (none named) is taken not to need one, since workloads that call \
the API are given an account of their own with the permissions they need. Pods naming their \
own account are not reported. A `default` ServiceAccount in the same scan with \
`automountServiceAccountToken: false` turns the token off for pods that do not ask for it; in a \
partial view (a hook's changed files, one admission request) that object is not seen.",
    remediation: "Set `automountServiceAccountToken: false` in the pod spec (or on the \
ServiceAccount); give workloads that call the API a dedicated service account.",
    references: &[
        "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting",
    ],
    runs: &[Run::Pod(run)],
    wants: &[],
};

fn run(pod: &PodSpec, sink: &mut Sink) {
    // The pod's own setting wins over its account's.
    let mounted = pod
        .automount_token
        .as_ref()
        .or(pod.account_automount.as_ref())
        .is_none_or(|v| v.value);
    if !mounted {
        return;
    }
    let account = pod.service_account.as_ref().map(|v| v.value.as_str());
    if account.is_some_and(|a| a != "default") {
        return;
    }
    let loc = pod.automount_token.as_ref().map_or_else(
        || {
            pod.loc
                .with_field(format!("{}.automountServiceAccountToken", pod.field))
        },
        |v| v.loc.clone(),
    );
    sink.report(
        format!(
            "{} runs as the default service account with its API token mounted (automountServiceAccountToken is not false)",
            pod.object.title()
        ),
        Subject::at(&loc),
        vec![],
    );
}
