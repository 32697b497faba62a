use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::image::Image;
use crate::image::accounts::{groups, users};
use crate::image::wants::Want;
use std::collections::BTreeMap;

pub const CHECK: Check = Check {
    id: "FS005",
    name: "extra-root-account",
    title: "Extra uid-0 account, or duplicate uids or gids",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "Any account with uid 0 is root, whatever its name: a second one (`toor`, `admin`) is \
a backdoor that audits looking for `root` miss. Duplicate uids or gids make two names share one \
identity, so file ownership and logs no longer say who is who.",
    remediation: "Give every account its own uid and gid, and keep uid 0 for `root` only \
(`usermod -u NEW NAME`, or fix `/etc/passwd` in the build).",
    references: &["https://man7.org/linux/man-pages/man5/passwd.5.html"],
    runs: &[Run::Image(run)],
    wants: &[Want::Path("/etc/passwd"), Want::Path("/etc/group")],
};

fn layer_of(image: &Image, path: &str) -> usize {
    image.fs.resolve(path).map_or(0, |e| e.layer)
}

fn run(image: &Image, sink: &mut Sink) {
    if let Some(passwd) = users(&image.fs) {
        let layer = layer_of(image, "/etc/passwd");
        for u in passwd
            .entries
            .iter()
            .filter(|u| u.uid == 0 && u.name != "root")
        {
            sink.report(
                format!(
                    "account `{}` has uid 0: a second root (/etc/passwd line {})",
                    u.name, u.line
                ),
                Subject::ImageFile {
                    path: format!("/etc/passwd:{}", u.name),
                    layer,
                    deleted_in: None,
                },
                vec![("account", u.name.clone()), ("uid", "0".into())],
            );
        }
        let mut by_uid: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
        for u in &passwd.entries {
            by_uid.entry(u.uid).or_default().push(&u.name);
        }
        for (uid, names) in by_uid.iter().filter(|(uid, n)| n.len() > 1 && **uid != 0) {
            sink.report_at(
                Severity::Medium,
                format!("uid {uid} is shared by {} in /etc/passwd", names.join(", ")),
                Subject::ImageFile {
                    path: format!("/etc/passwd:uid={uid}"),
                    layer,
                    deleted_in: None,
                },
                vec![("accounts", names.join(","))],
            );
        }
        if !passwd.malformed.is_empty() {
            sink.report_at(
                Severity::Low,
                format!(
                    "/etc/passwd has malformed lines (skipped): {}",
                    join(&passwd.malformed)
                ),
                Subject::ImageFile {
                    path: "/etc/passwd".into(),
                    layer,
                    deleted_in: None,
                },
                vec![("lines", join(&passwd.malformed))],
            );
        }
    }
    if let Some(group) = groups(&image.fs) {
        let layer = layer_of(image, "/etc/group");
        let mut by_gid: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
        for g in &group.entries {
            by_gid.entry(g.gid).or_default().push(&g.name);
        }
        for (gid, names) in by_gid.iter().filter(|(_, n)| n.len() > 1) {
            sink.report_at(
                Severity::Medium,
                format!("gid {gid} is shared by {} in /etc/group", names.join(", ")),
                Subject::ImageFile {
                    path: format!("/etc/group:gid={gid}"),
                    layer,
                    deleted_in: None,
                },
                vec![("groups", names.join(","))],
            );
        }
        if !group.malformed.is_empty() {
            sink.report_at(
                Severity::Low,
                format!(
                    "/etc/group has malformed lines (skipped): {}",
                    join(&group.malformed)
                ),
                Subject::ImageFile {
                    path: "/etc/group".into(),
                    layer,
                    deleted_in: None,
                },
                vec![("lines", join(&group.malformed))],
            );
        }
    }
}

fn join(lines: &[usize]) -> String {
    lines
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
