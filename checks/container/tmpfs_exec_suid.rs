use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR024",
    name: "tmpfs-exec-suid",
    title: "tmpfs mount allows executables or setuid",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "Docker mounts a container's tmpfs with `noexec,nosuid,nodev` unless told otherwise. \
The `exec` option makes a writable in-memory directory a place to drop and run a binary; \
`suid` lets a setuid file there raise privileges. Where the root filesystem is read-only, that \
tmpfs is often the only writable place, so `exec` there undoes much of what `read_only` bought: \
reported at medium severity then. (`dev` is not reported: the device cgroup still decides which \
devices may be opened.) Kubernetes has no tmpfs options to set.",
    remediation: "Drop `exec` and `suid` from the tmpfs options (`/tmp:size=64m` keeps the \
defaults). If a tool insists on running from `/tmp`, point its temporary directory at a path \
made for it rather than making every tmpfs executable.",
    references: &[
        "https://docs.docker.com/engine/storage/tmpfs/",
        "https://docs.docker.com/reference/cli/docker/container/run/#tmpfs",
    ],
    runs: &[Run::Container(run)],
    wants: &[],
};

/// The options of a `target:options` tmpfs entry that turn a default protection off.
fn weakening(entry: &str) -> Vec<&str> {
    let options = entry.split_once(':').map_or("", |(_, o)| o);
    options
        .split(',')
        .map(str::trim)
        .filter(|o| matches!(*o, "exec" | "suid"))
        .collect()
}

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    let read_only = spec.read_only_root.as_ref().is_some_and(|r| r.value);
    for t in &spec.tmpfs {
        let found = weakening(&t.value);
        if found.is_empty() {
            continue;
        }
        let target = t.value.split_once(':').map_or(t.value.as_str(), |(p, _)| p);
        let (severity, why) = if read_only && found.contains(&"exec") {
            (
                Severity::Medium,
                ": the root filesystem is read-only, and this makes a writable place executable",
            )
        } else {
            (Severity::Low, "")
        };
        sink.report_at(
            severity,
            format!(
                "{} mounts tmpfs {target} with {}{why}",
                spec.name,
                found.join(",")
            ),
            Subject::at(&t.loc),
            vec![("options", found.join(","))],
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_exec_and_suid_weaken() {
        assert_eq!(super::weakening("/run:exec,size=64m"), ["exec"]);
        assert_eq!(super::weakening("/tmp:suid,exec"), ["suid", "exec"]);
        assert!(super::weakening("/tmp:noexec,nosuid").is_empty());
        assert!(super::weakening("/tmp:dev,size=1m").is_empty());
        assert!(super::weakening("/tmp").is_empty());
    }
}
