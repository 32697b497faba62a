use super::base::{ToolCategory, tools_of};
use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::image::Image;

pub const CHECK: Check = Check {
    id: "OS003",
    name: "attack-surface-tools",
    title: "Shell, package manager, network tools or compilers in the final image",
    severity: Severity::Low,
    cis: &["4.3"],
    cis_kubernetes: &[],
    rationale: "Whoever gets code execution in a container uses what the image ships: a shell to \
script, a package manager to install more, `curl`/`wget`/`nc` to fetch payloads and exfiltrate, \
compilers and debuggers to build and attach. A service needs none of them at run time.",
    remediation: "Ship the final stage without them: a distroless or scratch base, or remove the \
packages in the last stage (`apt-get purge`, `apk del`). Debug with an ephemeral container \
(`kubectl debug`, `docker debug`) instead of shipping the tools.",
    references: &[
        "https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/#ephemeral-container",
    ],
    runs: &[Run::Image(run)],
    wants: &[],
};

const LISTED: usize = 8;

fn run(image: &Image, sink: &mut Sink) {
    let tools = tools_of(image);
    for category in [
        ToolCategory::Shell,
        ToolCategory::PackageManager,
        ToolCategory::NetworkTool,
        ToolCategory::Compiler,
        ToolCategory::Debugger,
    ] {
        let found: Vec<_> = tools.iter().filter(|t| t.category == category).collect();
        let Some(first) = found.first() else { continue };
        let mut paths: Vec<&str> = found.iter().take(LISTED).map(|t| t.path.as_str()).collect();
        if found.len() > LISTED {
            paths.push("…");
        }
        sink.report(
            format!(
                "{} ({}): {}",
                category.describe(),
                found.len(),
                paths.join(", ")
            ),
            Subject::ImageFile {
                path: first.path.clone(),
                layer: first.layer,
                deleted_in: None,
            },
            vec![("count", found.len().to_string())],
        );
    }
}
