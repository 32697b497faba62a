use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::image::Image;
use crate::image::fs::Kind;

pub const CHECK: Check = Check {
    id: "FS001",
    name: "setuid-setgid-file",
    title: "Setuid or setgid file in the image",
    severity: Severity::Medium,
    cis: &["4.8"],
    cis_kubernetes: &[],
    rationale: "A setuid or setgid executable runs with its owner's or group's privileges whoever \
starts it. In a container such files are the usual first step of privilege escalation from an \
unprivileged user to root; a service almost never needs them.",
    remediation: "Remove the bits in the last build stage, keeping only files you have reviewed:\n\n\
```dockerfile\nRUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true\n```\n\n\
Running containers with `--security-opt no-new-privileges` (Kubernetes: \
`allowPrivilegeEscalation: false`) also stops setuid binaries from gaining privileges. Accept \
specific paths in `.stevedore.yaml` once reviewed.",
    references: &[
        "https://docs.docker.com/engine/security/#other-kernel-security-features",
        "https://man7.org/linux/man-pages/man2/execve.2.html",
    ],
    runs: &[Run::Image(run)],
    wants: &[],
};

fn run(image: &Image, sink: &mut Sink) {
    for entry in image.fs.entries() {
        if !matches!(entry.kind, Kind::File | Kind::Hardlink)
            || !(entry.is_setuid() || entry.is_setgid())
        {
            continue;
        }
        let bits = match (entry.is_setuid(), entry.is_setgid()) {
            (true, true) => "setuid and setgid",
            (true, false) => "setuid",
            _ => "setgid",
        };
        let whose = if entry.is_setuid() {
            format!("uid {}", entry.uid)
        } else {
            format!("gid {}", entry.gid)
        };
        sink.report(
            format!(
                "{bits} file {} (mode {:04o}, runs as {whose})",
                entry.path, entry.mode
            ),
            Subject::file(entry),
            vec![
                ("mode", format!("{:04o}", entry.mode)),
                ("owner", format!("{}:{}", entry.uid, entry.gid)),
            ],
        );
    }
}
