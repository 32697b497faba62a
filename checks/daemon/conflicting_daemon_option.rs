use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN000",
    name: "conflicting-daemon-option",
    title: "Daemon option set both as a flag and in daemon.json",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "dockerd refuses to start when a setting appears both on its command line (for example in the systemd unit's `ExecStart=`) and in `daemon.json` — the classic case is the stock unit passing `-H fd://` while daemon.json sets `hosts`. The daemon that was meant to be hardened does not come up, or someone removes the hardening to get it running.",
    remediation: "Keep each setting in one place. For `hosts`, drop `-H` from the unit with a drop-in (an empty `ExecStart=` followed by `ExecStart=/usr/bin/dockerd`) and list every socket in daemon.json.",
    references: &["https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    for flag in &cfg.flag_settings {
        if flag.key == "runtimes" {
            continue; // runtimes from both places are merged, not refused
        }
        let Some(file) = cfg.file_settings.iter().find(|s| s.key == flag.key) else {
            continue;
        };
        let written = flag.flag.clone().unwrap_or_else(|| flag.key.clone());
        sink.report(
            format!(
                "`{}` is set in {} and by the flag `{written}` in {}:{}: dockerd refuses to start",
                flag.key, file.loc.file, flag.loc.file, flag.loc.pos.line
            ),
            Subject::at(&file.loc),
            vec![("key", flag.key.clone()), ("flag", written)],
        );
    }
}
