use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::recipe::BuildRecipe;

pub const CHECK: Check = Check {
    id: "IMG011",
    name: "sensitive-volume",
    title: "Image declares a volume on a sensitive path",
    severity: Severity::Medium,
    cis: &["5.6"],
    cis_kubernetes: &[],
    rationale: "A `VOLUME` on `/`, `/proc`, `/sys`, `/dev` or the Docker socket invites whoever runs \
the image to bind the host's path there (`-v /var/run/docker.sock:/var/run/docker.sock`), which \
hands the container the host. Even unbound, an anonymous volume over a system path hides what the \
image ships there. `VOLUME /var/run/docker.sock:/var/run/docker.sock`, written as if it were \
`docker run -v`, mounts nothing from the host (a `VOLUME` takes container paths only: this one \
creates a directory with a colon in its name) and is reported at low severity — it still says \
the image expects the host's Docker socket, and someone will pass it.",
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

fn clean(path: &str) -> &str {
    if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    }
}

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    for (volume, subject) in &recipe.volumes {
        // `SRC:DST` as `docker run -v` writes it: a VOLUME mounts nothing from the host.
        if let Some((source, target)) = volume.split_once(':') {
            if source.starts_with('/')
                && [source, target]
                    .iter()
                    .any(|p| clean(p).ends_with(".sock") && SENSITIVE.contains(&clean(p)))
            {
                sink.report_at(
                    Severity::Low,
                    format!(
                        "VOLUME {volume} names the host's Docker socket as `docker run -v` would; a VOLUME mounts nothing from the host, but the image asks for the socket"
                    ),
                    subject.clone(),
                    vec![("volume", volume.clone())],
                );
                continue;
            }
        }
        if SENSITIVE.contains(&clean(volume)) {
            sink.report(
                format!("VOLUME {volume} on a sensitive host path"),
                subject.clone(),
                vec![("volume", volume.clone())],
            );
        }
    }
}
