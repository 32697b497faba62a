use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::kube::StoredData;
use crate::secrets::{check_assignment, find_in_text, is_placeholder, redact};

pub const CHECK: Check = Check {
    id: "POD011",
    name: "secret-in-manifest",
    title: "Secret values committed in a manifest",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &["5.4.2"],
    rationale: "A `kind: Secret` with `data` or `stringData` in a file is the secret itself, in \
plain text (base64 is an encoding, not encryption) wherever the file goes: the repository, its \
history, every clone, CI logs. A `ConfigMap` is not meant for secrets at all, and its values are \
judged by the same detector as image secrets and container environments (by shape, and by a \
secret-looking key with a real-looking value). Not reported: SOPS-encrypted files (a `sops` \
block or `ENC[…]` values), placeholders and references (`changeme`, `<password>`, `${VAR}`), \
and SealedSecrets or ExternalSecrets, which are other kinds. Values are redacted in every \
output.",
    remediation: "Rotate what was committed. Keep the value out of git: a SealedSecret, an \
ExternalSecret (a secrets manager), SOPS, or a Secret created at deploy time from CI's secret \
store; move secret values out of ConfigMaps.",
    references: &[
        "https://kubernetes.io/docs/concepts/security/secrets-good-practices/",
        "https://github.com/getsops/sops",
    ],
    runs: &[Run::Stored(run)],
    wants: &[],
};

fn run(data: &StoredData, sink: &mut Sink) {
    if data.encrypted.is_some() {
        return;
    }
    if data.object.kind == "Secret" {
        secret(data, sink);
    } else {
        config_map(data, sink);
    }
}

/// A Secret: every real value is a secret; one finding per Secret, naming its keys.
fn secret(data: &StoredData, sink: &mut Sink) {
    let real: Vec<_> = data
        .entries
        .iter()
        .filter(|(_, v)| !is_placeholder(&v.value))
        .collect();
    let Some((_, first)) = real.first() else {
        return;
    };
    let keys: Vec<&str> = real.iter().map(|(k, _)| k.as_str()).collect();
    // What a value is, where its shape says (a key, a token, a URL with a password).
    let kinds: Vec<String> = real
        .iter()
        .filter_map(|(k, v)| {
            let m = find_in_text(&v.value).into_iter().next()?;
            Some(format!("{k}: {} ({})", m.kind.describe(), redact(&m.value)))
        })
        .collect();
    let detail = if kinds.is_empty() {
        String::new()
    } else {
        format!("; {}", kinds.join(", "))
    };
    sink.report(
        format!(
            "{} holds {} in plain text (base64 is not encryption): {}{detail}",
            data.object.title(),
            if keys.len() == 1 {
                "a value".to_string()
            } else {
                format!("{} values", keys.len())
            },
            keys.join(", ")
        ),
        Subject::at(&first.loc.with_field(format!("{}data", data.object.prefix))),
        vec![("keys", keys.join(", "))],
    );
}

/// A ConfigMap: values the secret detector recognises, one finding each.
fn config_map(data: &StoredData, sink: &mut Sink) {
    for (key, value) in &data.entries {
        let Some(m) = check_assignment(key, &value.value) else {
            continue;
        };
        let shown = redact(&m.value);
        sink.report(
            format!(
                "{} key {key} holds a {} ({shown}) in plain text: a ConfigMap is not for secrets",
                data.object.title(),
                m.kind.describe()
            ),
            Subject::at(&value.loc),
            vec![
                ("key", key.clone()),
                ("kind", m.kind.describe().to_string()),
                ("value", shown),
            ],
        );
    }
}
