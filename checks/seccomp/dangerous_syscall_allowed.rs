use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::Loc;
use crate::model::seccomp::{ArgFilter, SeccompProfile, SyscallRule, is_allow};

pub const CHECK: Check = Check {
    id: "SCP002",
    name: "dangerous-syscall-allowed",
    title: "Seccomp profile allows syscalls Docker's default profile blocks",
    severity: Severity::High,
    cis: &["5.22"],
    cis_kubernetes: &[],
    rationale: "Docker's default profile blocks syscalls that let a process reconfigure the kernel or \
escape its namespaces: mounting filesystems, creating or joining namespaces, loading kernel modules \
or BPF programs, the kernel keyring, `kexec`, `open_by_handle_at` (the classic container breakout) \
and `userfaultfd`. A profile that allows them unconditionally gives that surface back. Each \
syscall is judged as Docker's default profile gates it, so a profile that allows nothing more than \
a Docker default is silent: rules gated on a capability (`includes.caps`) are conditional and not \
reported, and what a Docker default allows outright is not reported either — `name_to_handle_at` \
(allowed by moby's current default; only `open_by_handle_at` is gated) and `io_uring` (blocked \
since Docker 25, allowed by the defaults before it, so Docker 20.10's own profile passes). \
Differs from Podman's default, which allows `mount`, `unshare` and `keyctl`: those stay reported.",
    remediation: "Remove the syscalls from the allow list, or gate them with `includes.caps` on the \
capability that legitimately needs them (as Docker's default profile does for `CAP_SYS_ADMIN`).",
    references: &[
        "https://docs.docker.com/engine/security/seccomp/#significant-syscalls-blocked-by-the-default-profile",
    ],
    runs: &[Run::Seccomp(run)],
    wants: &[],
};

/// (group, syscalls). One finding per group. Only what every Docker default profile blocks or
/// gates: `name_to_handle_at` and `io_uring_*`, which some of them allow, are not here.
const GROUPS: [(&str, &[&str]); 11] = [
    (
        "mount",
        &[
            "mount",
            "umount",
            "umount2",
            "fsopen",
            "fsmount",
            "fsconfig",
            "move_mount",
            "open_tree",
            "fspick",
            "mount_setattr",
        ],
    ),
    ("namespaces", &["unshare", "setns", "clone", "clone3"]),
    ("pivot_root", &["pivot_root"]),
    ("kernel keyring", &["keyctl", "add_key", "request_key"]),
    ("bpf", &["bpf"]),
    ("perf_event_open", &["perf_event_open"]),
    ("kexec", &["kexec_load", "kexec_file_load"]),
    (
        "kernel modules",
        &[
            "init_module",
            "finit_module",
            "delete_module",
            "create_module",
        ],
    ),
    ("open_by_handle_at", &["open_by_handle_at"]),
    ("userfaultfd", &["userfaultfd"]),
    (
        "host administration",
        &[
            "reboot",
            "swapon",
            "swapoff",
            "settimeofday",
            "clock_settime",
            "stime",
            "acct",
            "quotactl",
            "iopl",
            "ioperm",
            "vhangup",
            "lookup_dcookie",
            "nfsservctl",
            "uselib",
            "sysfs",
            "_sysctl",
        ],
    ),
];

/// CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
/// CLONE_NEWNET: the flags that make `clone`/`unshare` create namespaces.
const NAMESPACE_FLAGS: u64 = 0x7E02_0000;

/// Whether an argument filter still lets namespace flags through.
fn filter_allows_namespaces(f: &ArgFilter) -> bool {
    match f.op.as_str() {
        // Passes when (arg & mask) == value: safe when the mask covers every namespace flag and
        // the required value sets none (Docker's own `clone` rule).
        "SCMP_CMP_MASKED_EQ" => {
            f.value & NAMESPACE_FLAGS != NAMESPACE_FLAGS || f.value_two & NAMESPACE_FLAGS != 0
        }
        "SCMP_CMP_EQ" => f.value & NAMESPACE_FLAGS != 0,
        _ => true,
    }
}

/// The loc of the first name in `rule` that is a dangerous syscall of `group` and is allowed
/// unconditionally.
fn allows(rule: &SyscallRule, group: &[&str]) -> Option<(String, Loc)> {
    if !is_allow(&rule.action) || !rule.requires_caps.is_empty() {
        return None;
    }
    rule.names.iter().find_map(|(name, loc)| {
        if !group.contains(&name.as_str()) {
            return None;
        }
        let unconditional = if rule.args.is_empty() {
            true
        } else if matches!(name.as_str(), "clone" | "clone3" | "unshare") {
            // Filters are ANDed: one that blocks namespace flags makes the rule safe.
            rule.args.iter().all(filter_allows_namespaces)
        } else {
            false // restricted to specific argument values: treated as conditional
        };
        unconditional.then(|| (name.clone(), loc.clone()))
    })
}

fn run(profile: &SeccompProfile, sink: &mut Sink) {
    if profile.allows_by_default() {
        return; // SCP001 already says nothing is confined.
    }
    for (group, syscalls) in GROUPS {
        let hits: Vec<(String, Loc)> = profile
            .rules
            .iter()
            .filter_map(|r| allows(r, syscalls))
            .collect();
        let Some((_, loc)) = hits.first() else {
            continue;
        };
        let mut names: Vec<&str> = hits.iter().map(|(n, _)| n.as_str()).collect();
        for rule in &profile.rules {
            if is_allow(&rule.action) && rule.requires_caps.is_empty() && rule.args.is_empty() {
                names.extend(
                    rule.names
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .filter(|n| syscalls.contains(n)),
                );
            }
        }
        names.sort_unstable();
        names.dedup();
        sink.report(
            format!(
                "{group} syscalls allowed unconditionally: {}",
                names.join(", ")
            ),
            Subject::at(&loc.with_field(format!("syscalls:{group}"))),
            vec![("syscalls", names.join(","))],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockers_clone_mask_is_safe_and_others_are_not() {
        let docker = ArgFilter {
            index: 0,
            value: 2114060288,
            value_two: 0,
            op: "SCMP_CMP_MASKED_EQ".into(),
        };
        assert!(!filter_allows_namespaces(&docker));
        let partial = ArgFilter {
            value: 0x0002_0000,
            ..docker.clone()
        };
        assert!(filter_allows_namespaces(&partial));
        let eq_newuser = ArgFilter {
            index: 0,
            value: 0x1000_0000,
            value_two: 0,
            op: "SCMP_CMP_EQ".into(),
        };
        assert!(filter_allows_namespaces(&eq_newuser));
    }
}
