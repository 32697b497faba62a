use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;
use crate::secrets::{check_assignment, redact};

pub const CHECK: Check = Check {
    id: "CTR022",
    name: "credential-in-environment",
    title: "Credential written in a container's environment",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "A password, token or key written as a value in a compose file's `environment`, in an \
`env_file`, or in a Kubernetes container's `env[].value` is stored in plain text wherever the \
file goes: the repository and its history, every clone and fork, CI logs, `docker inspect` and \
`kubectl get -o yaml` for anyone who may read the workload. Values are judged by the same \
detector as image secrets: by shape (AWS keys, tokens, private keys, `scheme://user:password@` \
connection strings) and by a secret-looking name with a real-looking value; references \
(`${DB_PASSWORD}`, `valueFrom`), placeholders (`changeme`, `<password>`, `example`) and paths \
are not reported. A value in an `env_file` is reported at medium severity: such files are often \
kept out of version control, which is the right place for them if they are. Docker's own \
inspect output is not judged: its `Env` mixes the image's `ENV` (IMG005) with values the run \
was given, which is how a runtime is meant to receive them. Compose-lint splits this into \
credential names and connection strings; here it is one concept.",
    remediation: "Rotate the credential if the file was ever committed. Then keep the value out of \
the file: compose `secrets:` (mounted under `/run/secrets/`, with `*_FILE` variables where the \
image supports them) or `${VAR}` interpolation from an untracked `.env`; in Kubernetes, \
`valueFrom.secretKeyRef` or a mounted Secret volume.",
    references: &[
        "https://docs.docker.com/compose/how-tos/use-secrets/",
        "https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables",
    ],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    for var in &spec.env {
        let Some(found) = check_assignment(&var.name, &var.value) else {
            continue;
        };
        let (severity, place) = match &var.env_file {
            Some(file) => (Severity::Medium, format!("env_file {file}")),
            None => (Severity::High, "its environment".to_string()),
        };
        sink.report_at(
            severity,
            format!(
                "{}: {} in {place} holds a {} ({})",
                spec.name,
                var.name,
                found.kind.describe(),
                redact(&found.value)
            ),
            Subject::at(&var.loc),
            vec![
                ("variable", var.name.clone()),
                ("kind", found.kind.describe().to_string()),
                ("value", redact(&found.value)),
            ],
        );
    }
}
