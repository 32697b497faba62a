use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;
use crate::model::daemon::KNOWN_KEYS;

pub const CHECK: Check = Check {
    id: "DMN020",
    name: "unknown-daemon-option",
    title: "Option dockerd does not know",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "dockerd refuses to start on an unknown key in daemon.json or an unknown flag; usually it is a typo (`live_restore`, `insecure-registry`), and the setting that was meant to harden the daemon never applies.",
    remediation: "Fix the name (see the suggestion) or remove the option; `dockerd --validate --config-file daemon.json` checks a file before a restart.",
    references: &["https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn suggestion(name: &str) -> String {
    KNOWN_KEYS
        .iter()
        .map(|k| (strsim::levenshtein(name, k), *k))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map_or_else(String::new, |(_, k)| format!(" (did you mean `{k}`?)"))
}

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    for s in &cfg.file_settings {
        if !KNOWN_KEYS.contains(&s.key.as_str()) {
            sink.report(
                format!("unknown daemon.json key `{}`{}", s.key, suggestion(&s.key)),
                Subject::at(&s.loc),
                vec![("key", s.key.clone())],
            );
        }
    }
    for (flag, loc) in &cfg.unknown_flags {
        sink.report(
            format!(
                "unknown dockerd flag `{flag}`{}",
                suggestion(flag.trim_start_matches('-'))
            ),
            Subject::at(loc),
            vec![("flag", flag.clone())],
        );
    }
}
