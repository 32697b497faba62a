//! How services were actually started, from `/proc`: every container's processes are visible
//! there too, so a process counts only if it runs as root and is not inside a container or pod
//! cgroup; one in the service's own systemd unit is preferred.

use std::path::Path;

/// A running service process.
#[derive(Debug, Clone)]
pub(crate) struct Process {
    pub(crate) pid: u32,
    pub(crate) argv: Vec<String>,
}

/// Cgroup path parts that mean a container's or a pod's process, not the host's service.
const CONTAINER_CGROUPS: [&str; 9] = [
    "kubepods",
    "/docker/",
    "docker-",
    "libpod",
    "crio-",
    "cri-containerd",
    "/lxc/",
    "machine.slice",
    "containerd.service/", // a shim's children
];

fn read_small(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(256 * 1024)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}

/// The root-owned, non-container process whose program is `program` (`dockerd`), preferring one
/// in `unit`'s own cgroup; the lowest pid among equals.
pub(crate) fn find(proc_dir: &Path, program: &str, unit: &str) -> Option<Process> {
    let mut found: Vec<(bool, Process)> = Vec::new();
    for entry in std::fs::read_dir(proc_dir).ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let dir = entry.path();
        let Some(cmdline) = read_small(&dir.join("cmdline")) else {
            continue;
        };
        let argv: Vec<String> = cmdline
            .split(|b| *b == 0)
            .filter(|w| !w.is_empty())
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        let Some(first) = argv.first() else {
            continue;
        };
        if first.rsplit('/').next() != Some(program) {
            continue;
        }
        let status = read_small(&dir.join("status")).unwrap_or_default();
        let root = String::from_utf8_lossy(&status).lines().any(|l| {
            l.strip_prefix("Uid:")
                .and_then(|ids| ids.split_whitespace().next())
                == Some("0")
        });
        if !root {
            continue;
        }
        let cgroup = String::from_utf8_lossy(&read_small(&dir.join("cgroup")).unwrap_or_default())
            .into_owned();
        if cgroup
            .lines()
            .any(|l| CONTAINER_CGROUPS.iter().any(|c| l.contains(c)))
        {
            continue;
        }
        let own_unit = cgroup.lines().any(|l| l.ends_with(&format!("/{unit}")));
        found.push((own_unit, Process { pid, argv }));
    }
    found.sort_by_key(|(own, p)| (!own, p.pid));
    found.into_iter().next().map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process(dir: &Path, pid: u32, argv: &[&str], uid: u32, cgroup: &str) {
        let p = dir.join(pid.to_string());
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("cmdline"), argv.join("\0") + "\0").unwrap();
        std::fs::write(
            p.join("status"),
            format!("Name:\tx\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n"),
        )
        .unwrap();
        std::fs::write(p.join("cgroup"), cgroup).unwrap();
    }

    #[test]
    fn the_hosts_service_not_a_containers() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // A dockerd in a pod (docker-in-docker), one run by a user, and the host's.
        process(
            d,
            10,
            &["dockerd", "--iptables=false"],
            0,
            "0::/kubepods/besteffort/pod1/abc\n",
        );
        process(
            d,
            11,
            &["/usr/bin/dockerd", "--tls=false"],
            1000,
            "0::/user.slice\n",
        );
        process(
            d,
            12,
            &["/usr/sbin/dockerd", "-H", "fd://"],
            0,
            "0::/user.slice/session-1.scope\n",
        );
        process(
            d,
            40,
            &["/usr/sbin/dockerd", "-H", "fd://", "--icc=false"],
            0,
            "0::/system.slice/docker.service\n",
        );
        std::fs::create_dir_all(d.join("self")).unwrap();
        let found = find(d, "dockerd", "docker.service").unwrap();
        assert_eq!(found.pid, 40, "its own unit first");
        std::fs::remove_dir_all(d.join("40")).unwrap();
        assert_eq!(find(d, "dockerd", "docker.service").unwrap().pid, 12);
        std::fs::remove_dir_all(d.join("12")).unwrap();
        assert!(find(d, "dockerd", "docker.service").is_none());
    }
}
