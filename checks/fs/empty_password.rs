use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::image::Image;
use crate::image::accounts::parse_shadow;
use crate::image::wants::Want;

pub const CHECK: Check = Check {
    id: "FS004",
    name: "empty-password",
    title: "Account with an empty password",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "An account whose password field is empty needs no password at all: `su`, `login` or \
any PAM-based service lets anyone in as that user. Locked accounts (`!`, `*`) are fine.",
    remediation: "Lock the account in the build (`passwd -l NAME`, or `usermod -p '!' NAME`), or \
remove it.",
    references: &["https://man7.org/linux/man-pages/man5/shadow.5.html"],
    runs: &[Run::Image(run)],
    wants: &[Want::Path("/etc/shadow"), Want::Path("/etc/master.passwd")],
};

fn run(image: &Image, sink: &mut Sink) {
    for path in ["/etc/shadow", "/etc/master.passwd"] {
        let Some(entry) = image.fs.resolve(path) else {
            continue;
        };
        let Some(content) = entry.content.as_ref() else {
            continue;
        };
        let parsed = parse_shadow(&String::from_utf8_lossy(&content.bytes));
        for account in parsed.entries.iter().filter(|a| a.password.is_empty()) {
            sink.report(
                format!(
                    "account `{}` has an empty password in {path} (line {})",
                    account.name, account.line
                ),
                Subject::ImageFile {
                    path: format!("{path}:{}", account.name),
                    layer: entry.layer,
                    deleted_in: None,
                },
                vec![("account", account.name.clone())],
            );
        }
    }
}
