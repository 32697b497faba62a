use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::image::Image;
use crate::image::fs::Kind;

pub const CHECK: Check = Check {
    id: "FS006",
    name: "world-writable",
    title: "World-writable file, or world-writable directory without the sticky bit",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "Any process in the container, under any uid, can rewrite a world-writable file — a \
script, a config, a library the service loads — and so take over whatever runs it. A \
world-writable directory without the sticky bit lets any user delete or replace others' files in \
it. `/tmp`, `/var/tmp` and `/dev/shm` are meant to be shared and are not reported.",
    remediation: "Remove the bit in the build (`chmod o-w PATH`), give the directory to the user \
that needs it (`chown app`), or set the sticky bit on shared directories (`chmod +t DIR`).",
    references: &["https://man7.org/linux/man-pages/man1/chmod.1.html"],
    runs: &[Run::Image(run)],
    wants: &[],
};

const SHARED: [&str; 3] = ["/tmp", "/var/tmp", "/dev/shm"];

fn run(image: &Image, sink: &mut Sink) {
    for entry in image.fs.entries() {
        if SHARED
            .iter()
            .any(|s| entry.path == *s || entry.path.starts_with(&format!("{s}/")))
        {
            continue;
        }
        let world_writable = entry.mode & 0o002 != 0;
        let what = match entry.kind {
            // Symlinks are always 0777 and mean nothing; devices are the kernel's business.
            Kind::File | Kind::Hardlink if world_writable => "world-writable file",
            Kind::Dir if world_writable && entry.mode & 0o1000 == 0 => {
                "world-writable directory without the sticky bit"
            }
            _ => continue,
        };
        sink.report(
            format!("{what}: {} (mode {:04o})", entry.path, entry.mode),
            Subject::file(entry),
            vec![("mode", format!("{:04o}", entry.mode))],
        );
    }
}
