use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::{DaemonConfig, JsonType, daemon_json_type};

pub const CHECK: Check = Check {
    id: "DMN021",
    name: "daemon-option-wrong-type",
    title: "daemon.json value of the wrong type",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "dockerd decodes daemon.json into typed fields and refuses to start when a value has the wrong JSON type: `\"icc\": \"false\"` (a string, not a boolean), `\"max-concurrent-downloads\": \"3\"`, `\"log-opts\": {\"max-file\": 3}` (log options are strings). The daemon does not come back after a restart, and until someone notices, none of the file's hardening applies.",
    remediation: "Write the value with the type dockerd expects — `true`/`false` without quotes, numbers without quotes, strings in quotes (`\"max-file\": \"3\"`), lists in brackets — and check the file before restarting with `dockerd --validate --config-file /etc/docker/daemon.json`.",
    references: &["https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    for s in &cfg.file_settings {
        let (Some(want), Some(have)) = (daemon_json_type(&s.key), s.written) else {
            continue;
        };
        if !have.fits(want) {
            let same_container = matches!(
                (want, have),
                (JsonType::Object { .. }, JsonType::Object { .. })
                    | (JsonType::Array { .. }, JsonType::Array { .. })
            );
            let message = if same_container {
                format!(
                    "`{}` holds values that are not strings; dockerd wants each one quoted and will not start",
                    s.key
                )
            } else {
                format!(
                    "`{}` is {} in daemon.json; dockerd wants {} and will not start",
                    s.key,
                    have.name(),
                    want.name()
                )
            };
            sink.report(message, Subject::at(&s.loc), vec![("key", s.key.clone())]);
        }
    }
}
