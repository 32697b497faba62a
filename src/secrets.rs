//! Secret detection shared by every rule that looks for secrets (image config, history, files,
//! and later compose files and Dockerfiles). Values are matched by shape first; names only count
//! with a real-looking value. False positives break pipelines, so placeholders, references,
//! paths and checksums are not secrets.

/// What kind of secret a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecretKind {
    AwsAccessKeyId,
    AwsSecretKey,
    GithubToken,
    GitlabToken,
    SlackToken,
    GoogleApiKey,
    StripeLiveKey,
    PrivateKey,
    Jwt,
    UrlCredentials,
    /// A value under a name such as `DB_PASSWORD` that looks real.
    Named,
}

impl SecretKind {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            SecretKind::AwsAccessKeyId => "AWS access key id",
            SecretKind::AwsSecretKey => "AWS secret access key",
            SecretKind::GithubToken => "GitHub token",
            SecretKind::GitlabToken => "GitLab token",
            SecretKind::SlackToken => "Slack token",
            SecretKind::GoogleApiKey => "Google API key",
            SecretKind::StripeLiveKey => "Stripe live key",
            SecretKind::PrivateKey => "private key",
            SecretKind::Jwt => "JSON Web Token",
            SecretKind::UrlCredentials => "password in a URL",
            SecretKind::Named => "secret-named value",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecretMatch {
    pub kind: SecretKind,
    /// The secret itself; only ever shown through [`redact`].
    pub value: String,
}

/// `AKIA…(20 chars)`: the first four characters and the length, never more.
pub(crate) fn redact(value: &str) -> String {
    let n = value.chars().count();
    let head: String = value.chars().take(4).collect();
    format!("{head}…({n} chars)")
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Occurrences of `prefix` at a token boundary followed by at least `min` characters allowed by
/// `allowed`; returns the whole token.
fn prefixed(text: &str, prefix: &str, min: usize, allowed: fn(char) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices(prefix) {
        if text[..i].chars().next_back().is_some_and(is_token_char) {
            continue;
        }
        let tail: String = text[i + prefix.len()..]
            .chars()
            .take_while(|c| allowed(*c))
            .collect();
        if tail.chars().count() >= min {
            out.push(format!("{prefix}{tail}"));
        }
    }
    out
}

fn upper_alnum(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}
fn alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}
fn alnum_us(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}
fn alnum_dash_us(c: char) -> bool {
    is_token_char(c)
}
fn b64url(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Secrets recognisable by their shape anywhere in `text`.
pub(crate) fn find_in_text(text: &str) -> Vec<SecretMatch> {
    let mut out = Vec::new();
    let mut push = |kind, values: Vec<String>| {
        for value in values {
            if !is_placeholder(&value) {
                out.push(SecretMatch { kind, value });
            }
        }
    };
    for p in ["AKIA", "ASIA"] {
        push(
            SecretKind::AwsAccessKeyId,
            prefixed(text, p, 16, upper_alnum)
                .into_iter()
                .filter(|v| v.len() == 20)
                .collect(),
        );
    }
    for p in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        push(SecretKind::GithubToken, prefixed(text, p, 36, alnum));
    }
    push(
        SecretKind::GithubToken,
        prefixed(text, "github_pat_", 22, alnum_us),
    );
    push(
        SecretKind::GitlabToken,
        prefixed(text, "glpat-", 20, alnum_dash_us),
    );
    for p in ["xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-"] {
        push(SecretKind::SlackToken, prefixed(text, p, 10, alnum_dash_us));
    }
    push(
        SecretKind::GoogleApiKey,
        prefixed(text, "AIza", 35, b64url)
            .into_iter()
            .filter(|v| v.len() == 39)
            .collect(),
    );
    for p in ["sk_live_", "rk_live_"] {
        push(SecretKind::StripeLiveKey, prefixed(text, p, 16, alnum));
    }
    push(SecretKind::PrivateKey, private_key_blocks(text));
    push(SecretKind::Jwt, jwts(text));
    push(SecretKind::UrlCredentials, url_credentials(text));
    out
}

/// `-----BEGIN … PRIVATE KEY-----` headers (PEM, OpenSSH, PGP). Public keys and certificates
/// are not secrets.
pub(crate) fn private_key_blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("-----BEGIN ") {
        let rest = &text[i..];
        let Some(end) = rest[11..].find("-----") else {
            continue;
        };
        let label = &rest[11..11 + end];
        if label.len() < 60 && (label.ends_with("PRIVATE KEY") || label == "PGP PRIVATE KEY BLOCK")
        {
            out.push(rest[..11 + end + 5].to_string());
        }
    }
    out
}

fn jwts(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for token in prefixed(text, "eyJ", 10, |c| b64url(c) || c == '.') {
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() == 3 && parts[1].starts_with("eyJ") && parts.iter().all(|p| p.len() >= 10) {
            out.push(token);
        }
    }
    out
}

/// `scheme://user:password@host`, unless the password is a reference or a placeholder.
fn url_credentials(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("://") {
        let rest = &text[i + 3..];
        let auth_end = rest
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(rest.len());
        let authority = &rest[..auth_end];
        let Some(at) = authority.rfind('@') else {
            continue;
        };
        let Some((user, password)) = authority[..at].split_once(':') else {
            continue;
        };
        if user.is_empty()
            || password.is_empty()
            || is_reference(password)
            || is_placeholder(password)
        {
            continue;
        }
        out.push(password.to_string());
    }
    out
}

/// `NAME` looks like it holds a secret: `DB_PASSWORD`, `API_KEY`, `GITHUB_TOKEN`. Names that
/// point at a secret rather than hold one are not: `PASSWORD_FILE`, `TOKEN_URL`, `SECRET_NAME`.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase().replace(['-', '.'], "_");
    let hits = [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
    ];
    if !hits.iter().any(|h| n.contains(h)) {
        return false;
    }
    let pointers = [
        "_FILE",
        "_PATH",
        "_DIR",
        "_URL",
        "_URI",
        "_VERSION",
        "_NAME",
        "_HOST",
        "_PORT",
        "_ENDPOINT",
        "_TYPE",
        "_LENGTH",
        "_TTL",
        "_EXPIRY",
        "_EXPIRES",
        "_HEADER",
        "_ENABLED",
        "_REF",
        "_ID_FILE",
    ];
    !pointers.iter().any(|p| n.ends_with(p))
}

/// `${VAR}`, `$VAR`, `$(cmd)`: a reference, not a value.
fn is_reference(value: &str) -> bool {
    let v = value.trim();
    v.starts_with('$') || v.starts_with("%(") || (v.starts_with("{{") && v.ends_with("}}"))
}

/// Values that are obviously not real secrets.
pub(crate) fn is_placeholder(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    let lower = v.to_ascii_lowercase();
    if v.is_empty() || is_reference(v) {
        return true;
    }
    if (v.starts_with('<') && v.ends_with('>')) || (v.starts_with('[') && v.ends_with(']')) {
        return true;
    }
    if lower
        .chars()
        .all(|c| c == 'x' || c == '*' || c == '.' || c == '-' || c == '_' || c == '#')
    {
        return true;
    }
    let words = [
        "changeme",
        "change_me",
        "change-me",
        "example",
        "dummy",
        "placeholder",
        "replaceme",
        "replace_me",
        "your_",
        "your-",
        "yourpassword",
        "redacted",
        "notasecret",
        "not-a-secret",
        "fake",
        "sample",
    ];
    if words.iter().any(|w| lower.contains(w)) {
        return true;
    }
    matches!(
        lower.as_str(),
        "password"
            | "secret"
            | "token"
            | "none"
            | "null"
            | "nil"
            | "true"
            | "false"
            | "todo"
            | "tbd"
            | "test"
            | "default"
            | "empty"
    )
}

/// A hex digest (md5/sha1/sha256/sha512) under a name that says it is one (`*_SHA256`,
/// `GPG_KEY_FINGERPRINT`, `TOKEN_CHECKSUM`): a checksum, not a secret. Hex alone proves nothing:
/// many API keys are 32 or 40 hex digits.
fn is_named_checksum(name: &str, value: &str) -> bool {
    if let Some(v) = value
        .strip_prefix("sha256:")
        .or_else(|| value.strip_prefix("sha512:"))
    {
        return is_hex_digest(v);
    }
    let n = name.to_ascii_uppercase();
    let digest_words = [
        "SHA",
        "MD5",
        "CHECKSUM",
        "HASH",
        "DIGEST",
        "SUM",
        "FINGERPRINT",
        "GPG",
        "PGP",
    ];
    is_hex_digest(value) && digest_words.iter().any(|w| n.contains(w))
}

fn is_hex_digest(v: &str) -> bool {
    matches!(v.len(), 32 | 40 | 64 | 128) && v.chars().all(|c| c.is_ascii_hexdigit())
}

/// `NAME=value` (an env var, a label, a build arg): by value shape first, then by name.
pub(crate) fn check_assignment(name: &str, value: &str) -> Option<SecretMatch> {
    let value = value.trim();
    if let Some(m) = find_in_text(value).into_iter().next() {
        return Some(m);
    }
    if value.is_empty()
        || is_placeholder(value)
        || is_named_checksum(name, value)
        || value.starts_with('/')
    {
        return None;
    }
    let upper = name.to_ascii_uppercase();
    if upper.contains("AWS") && upper.contains("SECRET") && value.len() == 40 {
        return Some(SecretMatch {
            kind: SecretKind::AwsSecretKey,
            value: value.to_string(),
        });
    }
    is_secret_name(name).then(|| SecretMatch {
        kind: SecretKind::Named,
        value: value.to_string(),
    })
}

/// `NAME=value` pairs in shell-ish text (`export A=b`, `--build-arg A=b`, `ENV A=b C=d`).
pub(crate) fn assignments(text: &str) -> Vec<(String, String)> {
    text.split_whitespace()
        .filter_map(|w| {
            let w = w.trim_matches(|c| c == '"' || c == '\'' || c == ';' || c == '&');
            let (k, v) = w.split_once('=')?;
            let k = k.trim_start_matches("--");
            let valid = !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
            valid.then(|| {
                (
                    k.to_string(),
                    v.trim_matches(|c| c == '"' || c == '\'').to_string(),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<SecretKind> {
        find_in_text(text).into_iter().map(|m| m.kind).collect()
    }

    #[test]
    fn value_shapes() {
        assert_eq!(
            kinds("key AKIAIOSFODNN7REALKEY used"),
            vec![SecretKind::AwsAccessKeyId]
        );
        assert_eq!(
            kinds(&format!("ghp_{}", "a1".repeat(18))),
            vec![SecretKind::GithubToken]
        );
        assert_eq!(
            kinds("glpat-abcdefghij0123456789"),
            vec![SecretKind::GitlabToken]
        );
        assert_eq!(
            kinds("xoxb-1234567890-abcdef"),
            vec![SecretKind::SlackToken]
        );
        assert_eq!(
            kinds(&format!("AIza{}", "b".repeat(35))),
            vec![SecretKind::GoogleApiKey]
        );
        assert_eq!(
            kinds("sk_live_0123456789abcdefXYZ"),
            vec![SecretKind::StripeLiveKey]
        );
        assert_eq!(
            kinds("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl"),
            vec![SecretKind::PrivateKey]
        );
        assert_eq!(kinds("-----BEGIN CERTIFICATE-----\nMIIB"), vec![]);
        assert_eq!(kinds("-----BEGIN PUBLIC KEY-----"), vec![]);
        assert_eq!(
            kinds("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz"),
            vec![SecretKind::Jwt]
        );
        assert_eq!(
            kinds("https://deploy:s3cr3tpw@git.example.org/x"),
            vec![SecretKind::UrlCredentials]
        );
        assert_eq!(kinds("https://user:${PASSWORD}@host/"), vec![]);
        assert_eq!(
            kinds("AKIAIOSFODNN7EXAMPLE"),
            vec![],
            "AWS's documented example key"
        );
    }

    #[test]
    fn names_need_real_values() {
        assert!(check_assignment("DB_PASSWORD", "hunter2-prod").is_some());
        assert!(check_assignment("GITHUB_TOKEN", "t0ken-value").is_some());
        assert!(check_assignment("GPG_KEY", "B42F6819007F00F88E364FD4036A9C25BF357DD4").is_none());
        assert!(check_assignment("PASSWORD_FILE", "/run/secrets/db").is_none());
        assert!(check_assignment("OAUTH_TOKEN_URL", "https://auth/token").is_none());
        assert!(check_assignment("NODE_VERSION", "20.1").is_none());
        assert!(check_assignment("DB_PASSWORD", "").is_none());
        assert!(check_assignment("DB_PASSWORD", "${DB_PASSWORD}").is_none());
        assert!(check_assignment("DB_PASSWORD", "changeme").is_none());
        assert!(check_assignment("API_KEY", "<your key>").is_none());
        assert!(check_assignment("SECRET_SHA256", &"a".repeat(64)).is_none());
        assert!(check_assignment("API_TOKEN", &format!("sha256:{}", "b".repeat(64))).is_none());
    }

    #[test]
    fn hex_values_are_checksums_only_when_named_so() {
        // Datadog-style API keys are 32 hex digits; a 40-hex token looks like a SHA-1.
        let hex32 = "9f8e7d6c5b4a39281706152a3b4c5d6e";
        assert!(check_assignment("DD_API_KEY", hex32).is_some());
        assert!(check_assignment("SERVICE_TOKEN", &"c0ffee".repeat(7)[..40]).is_some());
        assert!(check_assignment("TOKEN_CHECKSUM", hex32).is_none());
        assert!(check_assignment("API_KEY_MD5", hex32).is_none());
        assert!(check_assignment("PGP_TOKEN_FINGERPRINT", &"A".repeat(40)).is_none());
        assert!(
            check_assignment(
                "AWS_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz"
            )
            .is_some()
        );
    }

    #[test]
    fn redaction_keeps_four_characters() {
        assert_eq!(redact("AKIAIOSFODNN7REALKEY"), "AKIA…(20 chars)");
    }

    #[test]
    fn assignments_in_shell_text() {
        assert_eq!(
            assignments("export TOKEN=abc && ./configure --password=\"p w\" X"),
            vec![
                ("TOKEN".to_string(), "abc".to_string()),
                ("password".to_string(), "p".to_string())
            ]
        );
    }
}
