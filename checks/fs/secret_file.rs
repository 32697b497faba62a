use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::image::Image;
use crate::image::fs::Entry;
use crate::image::wants::Want;
use crate::secrets::{check_assignment, find_in_text, is_placeholder, private_key_blocks, redact};

pub const CHECK: Check = Check {
    id: "FS003",
    name: "secret-file",
    title: "Secret file in the image (including deleted ones that still ship)",
    severity: Severity::Critical,
    cis: &["4.10"],
    cis_kubernetes: &[],
    rationale: "Private keys, cloud and registry credentials, `.netrc`/`.git-credentials`, package \
registry tokens, `.env` files and shell histories give whoever pulls the image the keys to \
other systems. Deleting such a file in a later step does not remove it: every layer ships, and \
`docker save` plus `tar` recovers it in seconds.",
    remediation: "Rotate the credential: it has been published. Then keep secrets out of layers: \
use `RUN --mount=type=secret` or `--mount=type=ssh` for build-time credentials, a \
`.dockerignore` that excludes `.env`, keys and dotfiles, and a multi-stage build whose final \
stage copies only the artifacts. Rebuild without the file; squashing or a later `rm` is not enough.",
    references: &[
        "https://docs.docker.com/build/building/secrets/",
        "https://docs.docker.com/build/concepts/context/#dockerignore-files",
    ],
    runs: &[Run::Image(run)],
    wants: &[
        Want::Matching(is_credential_file),
        Want::Sniff(may_hold_key, holds_private_key),
    ],
};

/// Files small enough to be a key, outside documentation and test data.
fn may_hold_key(e: &Entry) -> bool {
    const SKIP: [&str; 7] = [
        "/usr/share/doc/",
        "/usr/share/man/",
        "/usr/include/",
        "/test/",
        "/tests/",
        "/testdata/",
        "/testing/",
    ];
    e.size > 0 && e.size <= 64 * 1024 && !SKIP.iter().any(|s| e.path.contains(s))
}

fn holds_private_key(_: &Entry, bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"PRIVATE KEY").is_some()
}

const HISTORIES: [&str; 9] = [
    ".bash_history",
    ".zsh_history",
    ".ash_history",
    ".sh_history",
    ".history",
    ".python_history",
    ".mysql_history",
    ".psql_history",
    ".node_repl_history",
];

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn is_credential_file(e: &Entry) -> bool {
    let name = file_name(&e.path);
    matches!(
        name,
        ".netrc" | "_netrc" | ".git-credentials" | ".npmrc" | ".pypirc" | ".pgpass" | ".env"
    ) || name.starts_with(".env.")
        || HISTORIES.contains(&name)
        || e.path.ends_with("/.aws/credentials")
        || e.path.ends_with("/.docker/config.json")
}

/// What secret a file holds, if any: (description, redacted evidence, severity).
fn classify(e: &Entry) -> Option<(String, String, Severity)> {
    let content = e.content.as_ref()?;
    let text = String::from_utf8_lossy(&content.bytes);
    let name = file_name(&e.path);
    if let Some(block) = private_key_blocks(&text).into_iter().next() {
        let what = if text.contains("\"service_account\"") && text.contains("\"private_key\"") {
            "GCP service-account key".to_string()
        } else {
            let label = block
                .trim_start_matches("-----BEGIN ")
                .trim_end_matches('-');
            format!("private key ({})", label.to_ascii_lowercase())
        };
        return Some((what, redact(&block), Severity::Critical));
    }
    if HISTORIES.contains(&name) {
        let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
        return (lines > 0).then(|| {
            (
                format!("shell history ({lines} commands)"),
                format!("{lines} lines"),
                Severity::High,
            )
        });
    }
    let secret = match name {
        ".netrc" | "_netrc" => value_after_word(&text, "password"),
        ".pypirc" => key_value(&text, &["password"]),
        ".npmrc" => key_value(&text, &["_authToken", "_auth", "_password"]).or_else(|| {
            text.lines().find_map(|l| {
                l.split_once(":_authToken=")
                    .map(|(_, v)| v.trim().to_string())
            })
        }),
        ".pgpass" => text.lines().find_map(|l| {
            l.rsplit(':')
                .next()
                .filter(|p| !p.is_empty() && !is_placeholder(p))
                .map(str::to_string)
        }),
        "config.json" => docker_auth(&text),
        "credentials" => key_value(&text, &["aws_secret_access_key", "aws_session_token"]),
        _ => None,
    };
    if let Some(secret) = secret.filter(|s| !is_placeholder(s)) {
        return Some((
            format!("credentials in {name}"),
            redact(&secret),
            Severity::Critical,
        ));
    }
    // .env and anything else collected: secrets by assignment or by shape.
    for line in text.lines() {
        let line = line.trim().trim_start_matches("export ");
        if let Some((k, v)) = line.split_once('=') {
            if let Some(m) =
                check_assignment(k.trim(), v.trim().trim_matches(|c| c == '"' || c == '\''))
            {
                return Some((
                    format!("{} `{}` in {name}", m.kind.describe(), k.trim()),
                    redact(&m.value),
                    Severity::Critical,
                ));
            }
        }
    }
    find_in_text(&text).into_iter().next().map(|m| {
        (
            format!("{} in {name}", m.kind.describe()),
            redact(&m.value),
            Severity::Critical,
        )
    })
}

/// `key = value` or `key: value` lines (INI-style credential files).
fn key_value(text: &str, keys: &[&str]) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once('=').or_else(|| line.split_once(':'))?;
        let k = k.trim();
        let v = v.trim();
        (keys
            .iter()
            .any(|want| k.eq_ignore_ascii_case(want) || k.ends_with(want))
            && !v.is_empty())
        .then(|| v.to_string())
    })
}

/// `.netrc`: the word after `password`.
fn value_after_word(text: &str, word: &str) -> Option<String> {
    let mut words = text.split_whitespace();
    while let Some(w) = words.next() {
        if w == word {
            return words.next().map(str::to_string);
        }
    }
    None
}

/// Docker's `config.json`: an `auth` or `identitytoken` under `auths`.
fn docker_auth(text: &str) -> Option<String> {
    let doc: serde_json::Value = serde_json::from_str(text).ok()?;
    doc.get("auths")?.as_object()?.values().find_map(|v| {
        ["auth", "identitytoken"].iter().find_map(|k| {
            v.get(*k)
                .and_then(|a| a.as_str())
                .filter(|a| !a.is_empty())
                .map(str::to_string)
        })
    })
}

fn run(image: &Image, sink: &mut Sink) {
    for entry in image.fs.entries() {
        if let Some((what, evidence, severity)) = classify(entry) {
            sink.report_at(
                severity,
                format!("{what}: {}", entry.path),
                Subject::file(entry),
                vec![("secret", evidence)],
            );
        }
    }
    for shadowed in image.fs.shadowed() {
        let entry = &shadowed.entry;
        if let Some((what, evidence, severity)) = classify(entry) {
            let added_by = image
                .layers
                .get(entry.layer)
                .and_then(|l| l.history)
                .map_or_else(
                    || format!("layer {}", entry.layer),
                    |h| format!("layer {} by {}", entry.layer, image.describe_step(h)),
                );
            sink.report_at(
                severity,
                format!(
                    "{what}: {} was added in {added_by} and deleted in layer {}, but still ships in the image (recoverable with `docker save`)",
                    entry.path, shadowed.by_layer
                ),
                Subject::shadowed(shadowed),
                vec![("secret", evidence), ("deleted_in", shadowed.by_layer.to_string())],
            );
        }
    }
}
