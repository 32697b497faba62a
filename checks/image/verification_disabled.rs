use crate::catalog::{Check, Run, Severity, Sink};
use crate::inputs::build_step::commands;
use crate::model::recipe::BuildRecipe;

pub const CHECK: Check = Check {
    id: "IMG012",
    name: "verification-disabled",
    title: "TLS or package signature verification turned off in the build",
    severity: Severity::High,
    cis: &["4.11"],
    cis_kubernetes: &[],
    rationale: "A build that downloads without checking TLS certificates (`curl -k`, `wget --no-check-certificate`, `pip --trusted-host`, `npm config set strict-ssl false`, `git -c http.sslVerify=false`, `GIT_SSL_NO_VERIFY`, `NODE_TLS_REJECT_UNAUTHORIZED=0`) or package signatures (`apk --allow-untrusted`, `apt-get --allow-unauthenticated`, `dnf --nogpgcheck`) installs whatever anyone on the network path serves: the image is only as trustworthy as the least trustworthy hop between the builder and the mirror. Set as `ENV`, the switch also stays on for the running service. Checkov, Hadolint and Trivy have the same checks.",
    remediation: "Remove the switch and fix the trust instead: add the internal CA to the build (`COPY ca.crt /usr/local/share/ca-certificates/ && update-ca-certificates`), point the tool at it (`pip --cert`, `npm config set cafile`, `git -c http.sslCAInfo=`), and import the repository's signing key rather than skipping the check.",
    references: &[
        "https://docs.docker.com/build/building/best-practices/",
        "https://www.cisecurity.org/benchmark/docker",
    ],
    runs: &[Run::Recipe(run)],
    wants: &[],
};

/// Environment variables that turn verification off, with the values that do.
const ENV_SWITCHES: [(&str, &[&str]); 5] = [
    ("GIT_SSL_NO_VERIFY", &["1", "true", "yes"]),
    ("NODE_TLS_REJECT_UNAUTHORIZED", &["0"]),
    ("PYTHONHTTPSVERIFY", &["0"]),
    ("PIP_TRUSTED_HOST", &[]),
    ("NPM_CONFIG_STRICT_SSL", &["false"]),
];

fn env_switch(name: &str, value: &str) -> Option<String> {
    let value = value.trim_matches(|c| c == '"' || c == '\'');
    ENV_SWITCHES.iter().find_map(|(n, values)| {
        (name == *n && (values.is_empty() || values.contains(&value.to_ascii_lowercase().as_str())))
            .then(|| format!("{name}={value}"))
    })
}

/// What in one command turns verification off, if anything.
fn switch_in(command: &str) -> Option<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let program = words
        .iter()
        .find(|w| !w.contains('=') && !matches!(**w, "sudo" | "env" | "exec"))
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .unwrap_or("");
    let has = |flag: &str| {
        words
            .iter()
            .any(|w| *w == flag || w.starts_with(&format!("{flag}=")))
    };
    // Variables set for this one command (`GIT_SSL_NO_VERIFY=1 git clone …`).
    for w in &words {
        if let Some((n, v)) = w.split_once('=') {
            if let Some(found) = env_switch(n, v) {
                return Some(found);
            }
        }
    }
    let short_k = || {
        words
            .iter()
            .any(|w| w.starts_with('-') && !w.starts_with("--") && w[1..].contains('k'))
    };
    match program {
        "curl" if has("--insecure") || short_k() => Some("curl --insecure".into()),
        "wget" if has("--no-check-certificate") => Some("wget --no-check-certificate".into()),
        "pip" | "pip3" | "pipx" | "uv" if has("--trusted-host") => {
            Some(format!("{program} --trusted-host"))
        }
        "npm" | "yarn" | "pnpm"
            if command.contains("strict-ssl false")
                || command.contains("strict-ssl=false")
                || command.contains("strict-ssl\" false") =>
        {
            Some(format!("{program} strict-ssl false"))
        }
        "apk" if has("--allow-untrusted") => Some("apk --allow-untrusted".into()),
        "apt-get" | "apt"
            if has("--allow-unauthenticated") || has("--allow-insecure-repositories") =>
        {
            Some(format!("{program} --allow-unauthenticated"))
        }
        "dnf" | "yum" | "microdnf" | "tdnf" if has("--nogpgcheck") => {
            Some(format!("{program} --nogpgcheck"))
        }
        "rpm" if has("--nosignature") || has("--nodigest") => Some("rpm --nosignature".into()),
        "git"
            if command
                .to_ascii_lowercase()
                .contains("http.sslverify=false")
                || command
                    .to_ascii_lowercase()
                    .contains("http.sslverify false") =>
        {
            Some("git http.sslVerify=false".into())
        }
        _ => None,
    }
}

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    for a in &recipe.env {
        if let Some(found) = env_switch(&a.name, &a.value) {
            sink.report(
                format!(
                    "{found} in {}: verification stays off in every container too",
                    a.place
                ),
                a.subject.clone(),
                vec![("switch", found.clone())],
            );
        }
    }
    for step in recipe.steps.iter().filter(|s| s.instruction == "RUN") {
        if let Some(found) = commands(&step.text).into_iter().find_map(switch_in) {
            sink.report(
                format!("{found}: {}", step.describe),
                step.subject.clone(),
                vec![("switch", found.clone())],
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_and_look_alikes() {
        for (command, want) in [
            (
                "curl -fsSLk https://x/install.sh -o /tmp/i",
                Some("curl --insecure"),
            ),
            ("curl --insecure -o x https://x", Some("curl --insecure")),
            ("curl -fsSL https://x -o k.tar", None),
            (
                "wget --no-check-certificate https://x",
                Some("wget --no-check-certificate"),
            ),
            (
                "pip install --trusted-host pypi.internal -r req.txt",
                Some("pip --trusted-host"),
            ),
            (
                "npm config set strict-ssl false",
                Some("npm strict-ssl false"),
            ),
            (
                "apk add --allow-untrusted /tmp/x.apk",
                Some("apk --allow-untrusted"),
            ),
            (
                "git -c http.sslVerify=false clone https://x",
                Some("git http.sslVerify=false"),
            ),
            (
                "GIT_SSL_NO_VERIFY=1 git clone https://x",
                Some("GIT_SSL_NO_VERIFY=1"),
            ),
            ("dnf install -y --nogpgcheck x", Some("dnf --nogpgcheck")),
            (
                "apt-get install -y --allow-unauthenticated x",
                Some("apt-get --allow-unauthenticated"),
            ),
            ("git clone https://x", None),
            ("tar -xkf x.tar", None),
        ] {
            assert_eq!(switch_in(command).as_deref(), want, "{command}");
        }
        assert_eq!(
            env_switch("NODE_TLS_REJECT_UNAUTHORIZED", "0").as_deref(),
            Some("NODE_TLS_REJECT_UNAUTHORIZED=0")
        );
        assert_eq!(env_switch("NODE_TLS_REJECT_UNAUTHORIZED", "1"), None);
    }
}
