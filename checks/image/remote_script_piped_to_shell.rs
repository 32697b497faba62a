use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::recipe::BuildRecipe;

pub const CHECK: Check = Check {
    id: "IMG013",
    name: "remote-script-piped-to-shell",
    title: "Remote script piped to a shell in the build",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "`curl … | sh` runs whatever the server sends at build time, as root, with nothing recorded of what it was: a compromised or changed installer goes into the image unseen, and the next build may differ. The same goes for `wget -O- … | bash`, `bash <(curl …)` and `sh -c \"$(curl …)\"`. Hadolint, Checkov and Semgrep's Dockerfile rules report it.",
    remediation: "Download to a file, check it against a pinned checksum, then run it:\n\n```dockerfile\nRUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \\\n    && echo \"<sha256>  /tmp/install.sh\" | sha256sum -c - \\\n    && sh /tmp/install.sh && rm /tmp/install.sh\n```\n\nBetter still, install from a signed package or copy a pinned release artifact.",
    references: &["https://docs.docker.com/build/building/best-practices/#using-pipes"],
    runs: &[Run::Recipe(run)],
    wants: &[],
};

const FETCHERS: [&str; 3] = ["curl", "wget", "fetch"];
const SHELLS: [&str; 13] = [
    "sh", "bash", "zsh", "ash", "dash", "ksh", "python", "python3", "perl", "ruby", "node", "php",
    "pwsh",
];

/// The program of one pipeline stage (past `sudo`, `env` and `VAR=value`).
fn program(stage: &str) -> &str {
    stage
        .split_whitespace()
        .find(|w| !w.contains('=') && !matches!(*w, "sudo" | "env" | "exec" | "-E"))
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .unwrap_or("")
}

/// Whether a RUN pipes a download into an interpreter, or feeds one a download's output.
fn pipes_remote_script(text: &str) -> bool {
    let substitution = FETCHERS
        .iter()
        .any(|f| text.contains(&format!("<({f} ")) || text.contains(&format!("$({f} ")));
    if substitution {
        return true;
    }
    // Pipelines between `&&`, `||`, `;` and line ends; stages between single `|`.
    text.split("&&")
        .flat_map(|p| p.split("||"))
        .flat_map(|p| p.split([';', '\n']))
        .any(|pipeline| {
            let stages: Vec<&str> = pipeline.split('|').collect();
            stages.iter().enumerate().any(|(i, stage)| {
                FETCHERS.contains(&program(stage))
                    && stages[i + 1..]
                        .iter()
                        .any(|later| SHELLS.contains(&program(later)))
            })
        })
}

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    for step in recipe.steps.iter().filter(|s| s.instruction == "RUN") {
        if pipes_remote_script(&step.text) {
            sink.report(
                format!("a downloaded script runs unchecked: {}", step.describe),
                step.subject.clone(),
                vec![],
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_and_look_alikes() {
        for text in [
            "curl -fsSL https://get.example.com | sh",
            "apt-get update && curl -s https://x/setup | sudo -E bash -",
            "wget -qO- https://x/install.sh | bash -s -- --yes",
            "bash <(curl -s https://x/install.sh)",
            "sh -c \"$(curl -fsSL https://x/install.sh)\"",
            "curl -sL https://x | python3 -",
        ] {
            assert!(pipes_remote_script(text), "{text}");
        }
        for text in [
            "curl -fsSLo /tmp/i.sh https://x && sha256sum -c sums && sh /tmp/i.sh",
            "curl -s https://x | tar -xz -C /opt",
            "curl -s https://x | gpg --import",
            "echo hi | sh",
            "cat x | bash",
        ] {
            assert!(!pipes_remote_script(text), "{text}");
        }
    }
}
