use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::recipe::BuildRecipe;

pub const CHECK: Check = Check {
    id: "IMG008",
    name: "privileged-run-label",
    title: "Image label asks to be run privileged",
    severity: Severity::High,
    cis: &["5.5"],
    cis_kubernetes: &[],
    rationale: "Labels such as `RUN` and `INSTALL` (the atomic/podman `container runlabel` \
convention) or `io.k8s.*` / `io.openshift.*` hints carry the command line the image wants to be \
started with. When that command asks for `--privileged`, extra capabilities, host namespaces or \
the host's root filesystem, whoever follows the label hands the image the host.",
    remediation: "Remove the privileged options from the label and make the image work without them; \
if some deployment truly needs them, document it outside the image where a reviewer decides.",
    references: &["https://docs.podman.io/en/latest/markdown/podman-container-runlabel.1.html"],
    runs: &[Run::Recipe(run)],
    wants: &[],
};

const RISKY: [&str; 13] = [
    "--privileged",
    "--cap-add",
    "--pid=host",
    "--pid host",
    "--net=host",
    "--network=host",
    "--network host",
    "--ipc=host",
    "--uts=host",
    "--userns=host",
    "-v /:/",
    "--volume /:/",
    "/var/run/docker.sock",
];

fn is_run_label(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    matches!(upper.as_str(), "RUN" | "INSTALL" | "UNINSTALL" | "STOP")
        || name.starts_with("io.k8s.")
        || name.starts_with("io.openshift.")
}

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    for label in &recipe.labels {
        if !is_run_label(&label.name) {
            continue;
        }
        let asks: Vec<&str> = RISKY
            .iter()
            .copied()
            .filter(|r| label.value.contains(r))
            .collect();
        if asks.is_empty() {
            continue;
        }
        sink.report(
            format!("label {} asks for {}", label.name, asks.join(", ")),
            label.subject.clone(),
            vec![("options", asks.join(" "))],
        );
    }
}
