use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::recipe::BuildRecipe;

pub const CHECK: Check = Check {
    id: "IMG011",
    name: "sensitive-volume",
    title: "Image declares a volume on a sensitive path",
    severity: Severity::Medium,
    cis: &["5.6"],
    rationale: "A `VOLUME` on `/`, `/proc`, `/sys`, `/dev` or the Docker socket invites whoever runs \
the image to bind the host's path there (`-v /var/run/docker.sock:/var/run/docker.sock`), which \
hands the container the host. Even unbound, an anonymous volume over a system path hides what the \
image ships there.",
    remediation: "Remove the `VOLUME` line; declare volumes only for application data directories \
such as `/var/lib/app`.",
    references: &["https://docs.docker.com/reference/dockerfile/#volume"],
    runs: &[Run::Recipe(run)],
    wants: &[],
};

const SENSITIVE: [&str; 9] = [
    "/",
    "/proc",
    "/sys",
    "/dev",
    "/etc",
    "/boot",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
];

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    for (volume, subject) in &recipe.volumes {
        let clean = if volume.len() > 1 {
            volume.trim_end_matches('/')
        } else {
            volume.as_str()
        };
        if SENSITIVE.contains(&clean) {
            sink.report(
                format!("VOLUME {volume} on a sensitive host path"),
                subject.clone(),
                vec![("volume", volume.clone())],
            );
        }
    }
}
