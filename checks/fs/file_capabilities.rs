use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::image::Image;

pub const CHECK: Check = Check {
    id: "FS002",
    name: "file-capabilities",
    title: "File with Linux capabilities",
    severity: Severity::High,
    cis: &["4.8"],
    cis_kubernetes: &[],
    rationale: "A file capability (`security.capability`) grants privileges to whoever executes the \
file, like a targeted setuid bit: `cap_sys_admin` or `cap_dac_override` on a binary is root in all \
but name for any user who can run it. They are easy to miss because `ls -l` does not show them.",
    remediation: "Remove the capability (`setcap -r FILE` in the build) and grant what the process \
needs at run time instead (`--cap-add` / Kubernetes `securityContext.capabilities.add`), where it \
is visible and reviewable. `cap_net_bind_service` on a server binary is usually acceptable: \
accept the path in `.stevedore.yaml`.",
    references: &["https://man7.org/linux/man-pages/man7/capabilities.7.html"],
    runs: &[Run::Image(run)],
    wants: &[],
};

/// Capability numbers → names (linux/capability.h).
const NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// Capabilities that amount to root, or to escaping isolation.
const DANGEROUS: [&str; 11] = [
    "CAP_SYS_ADMIN",
    "CAP_SYS_PTRACE",
    "CAP_SYS_MODULE",
    "CAP_DAC_READ_SEARCH",
    "CAP_DAC_OVERRIDE",
    "CAP_NET_ADMIN",
    "CAP_SYS_RAWIO",
    "CAP_BPF",
    "CAP_SETUID",
    "CAP_SETGID",
    "CAP_SETFCAP",
];
/// Capabilities commonly granted to network tools and servers.
const MILD: [&str; 2] = ["CAP_NET_BIND_SERVICE", "CAP_NET_RAW"];

/// A decoded `vfs_cap_data` / `vfs_ns_cap_data` xattr.
#[derive(Debug, PartialEq, Eq)]
pub struct FileCaps {
    pub revision: u8,
    pub effective: bool,
    pub permitted: u64,
    pub inheritable: u64,
    /// Revision 3: the namespace root uid the capabilities apply to.
    pub root_uid: Option<u32>,
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Decodes revisions 1 (12 bytes), 2 (20 bytes) and 3 (24 bytes); `None` for anything else.
pub fn decode(xattr: &[u8]) -> Option<FileCaps> {
    let magic = le32(xattr, 0)?;
    let revision = (magic >> 24) as u8;
    let effective = magic & 1 != 0;
    let (permitted, inheritable, root_uid) = match (revision, xattr.len()) {
        (1, 12) => (u64::from(le32(xattr, 4)?), u64::from(le32(xattr, 8)?), None),
        (2, 20) | (3, 24) => {
            let p = u64::from(le32(xattr, 4)?) | u64::from(le32(xattr, 12)?) << 32;
            let i = u64::from(le32(xattr, 8)?) | u64::from(le32(xattr, 16)?) << 32;
            (p, i, if revision == 3 { le32(xattr, 20) } else { None })
        }
        _ => return None,
    };
    Some(FileCaps {
        revision,
        effective,
        permitted,
        inheritable,
        root_uid,
    })
}

pub fn names(mask: u64) -> Vec<String> {
    (0..64)
        .filter(|bit| mask & (1u64 << bit) != 0)
        .map(|bit| {
            NAMES
                .get(bit)
                .map_or_else(|| format!("CAP_{bit}"), |n| n.to_string())
        })
        .collect()
}

fn run(image: &Image, sink: &mut Sink) {
    for entry in image.fs.entries() {
        let Some(raw) = entry.xattr("security.capability") else {
            continue;
        };
        let Some(caps) = decode(raw) else {
            sink.report(
                format!(
                    "{} carries an undecodable security.capability xattr ({} bytes)",
                    entry.path,
                    raw.len()
                ),
                Subject::file(entry),
                vec![("xattr_bytes", raw.len().to_string())],
            );
            continue;
        };
        let granted = names(caps.permitted | caps.inheritable);
        if granted.is_empty() {
            continue;
        }
        let severity = if granted.iter().any(|g| DANGEROUS.contains(&g.as_str())) {
            Severity::High
        } else if granted.iter().all(|g| MILD.contains(&g.as_str())) {
            Severity::Low
        } else {
            Severity::Medium
        };
        let list = granted
            .iter()
            .map(|g| g.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(",");
        sink.report_at(
            severity,
            format!(
                "{} has file capabilities {list}{}",
                entry.path,
                if caps.effective { "+ep" } else { "+p" }
            ),
            Subject::file(entry),
            vec![
                ("capabilities", list),
                ("revision", caps.revision.to_string()),
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_revision() {
        // rev 2, effective, cap_net_raw (13) + cap_net_admin (12)
        let mut v2 = vec![0x01, 0, 0, 0x02];
        v2.extend_from_slice(&((1u32 << 13) | (1 << 12)).to_le_bytes());
        v2.extend_from_slice(&[0; 12]);
        let caps = decode(&v2).unwrap();
        assert!(caps.effective);
        assert_eq!(names(caps.permitted), vec!["CAP_NET_ADMIN", "CAP_NET_RAW"]);
        // rev 3 with a high capability (CAP_BPF = 39) and a root uid
        let mut v3 = vec![0x00, 0, 0, 0x03, 0, 0, 0, 0, 0, 0, 0, 0];
        v3.extend_from_slice(&(1u32 << (39 - 32)).to_le_bytes());
        v3.extend_from_slice(&[0; 4]);
        v3.extend_from_slice(&1000u32.to_le_bytes());
        let caps = decode(&v3).unwrap();
        assert_eq!(names(caps.permitted), vec!["CAP_BPF"]);
        assert_eq!(caps.root_uid, Some(1000));
        // rev 1
        let mut v1 = vec![0x00, 0, 0, 0x01];
        v1.extend_from_slice(&1u32.to_le_bytes());
        v1.extend_from_slice(&[0; 4]);
        assert_eq!(names(decode(&v1).unwrap().permitted), vec!["CAP_CHOWN"]);
        assert!(decode(&[1, 2, 3]).is_none());
        assert!(decode(&[0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0]).is_none());
    }
}
