//! `--security-opt` values, one reader for every place they are written: `docker run`, compose's
//! `security_opt`, and the Engine API's `HostConfig.SecurityOpt` (where the CLI has already
//! replaced `seccomp=FILE` with the profile's JSON). Docker accepts `=` and the older `:`.

/// What one value sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityOpt {
    Seccomp(Seccomp),
    /// `apparmor=unconfined`.
    AppArmorUnconfined,
    /// `no-new-privileges` (`:true`, `=false`).
    NoNewPrivileges(bool),
    /// `systempaths=unconfined` (Docker), `unmask=ALL` or `unmask=PATHS` (Podman): masked or
    /// read-only paths under `/proc` and `/sys` opened.
    SystemPathsUnconfined,
    /// `label=…`: SELinux labelling. `disable`, or the `type`, `user`, `role` or `level` given.
    Label(String),
    /// Anything else (`label=…`, another AppArmor profile): nothing a rule judges.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seccomp {
    Unconfined,
    /// `seccomp=default`, `builtin`, or no value: Docker's default profile.
    Default,
    /// A profile file.
    File(String),
    /// A profile's JSON, inline (what the API holds).
    Inline(String),
}

/// SELinux types a container may run as under the Pod Security Standards' baseline level.
pub const ALLOWED_SELINUX_TYPES: [&str; 4] = [
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// What a `label=…` value does to SELinux separation, in words, when it weakens it: `disable`,
/// a type outside the allowed ones (`spc_t`, the "super privileged container"), or a user or
/// role of its own. `None` for what keeps separation (`level:s0:c1,c2`, `type:container_t`).
pub fn label_weakens(value: &str) -> Option<String> {
    let (key, v) = value.split_once(':').unwrap_or((value, ""));
    match key {
        "disable" => Some("label=disable".into()),
        "type" if !ALLOWED_SELINUX_TYPES.contains(&v) => Some(format!("type {v}")),
        "user" | "role" => Some(format!("{key} {v}")),
        _ => None,
    }
}

pub fn parse(text: &str) -> SecurityOpt {
    let (key, value) = text
        .split_once(['=', ':'])
        .map_or((text, ""), |(k, v)| (k, v));
    match key {
        "seccomp" => SecurityOpt::Seccomp(match value {
            "unconfined" => Seccomp::Unconfined,
            "" | "default" | "builtin" => Seccomp::Default,
            v if v.trim_start().starts_with('{') => Seccomp::Inline(v.to_string()),
            path => Seccomp::File(path.to_string()),
        }),
        "apparmor" if value == "unconfined" => SecurityOpt::AppArmorUnconfined,
        "no-new-privileges" => SecurityOpt::NoNewPrivileges(value != "false"),
        "systempaths" if value == "unconfined" => SecurityOpt::SystemPathsUnconfined,
        "unmask" if !value.is_empty() => SecurityOpt::SystemPathsUnconfined,
        "label" => SecurityOpt::Label(value.to_string()),
        _ => SecurityOpt::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling() {
        assert_eq!(
            parse("seccomp=unconfined"),
            SecurityOpt::Seccomp(Seccomp::Unconfined)
        );
        assert_eq!(
            parse("seccomp:unconfined"),
            SecurityOpt::Seccomp(Seccomp::Unconfined)
        );
        assert_eq!(
            parse("seccomp=builtin"),
            SecurityOpt::Seccomp(Seccomp::Default)
        );
        assert_eq!(
            parse("seccomp=/etc/p.json"),
            SecurityOpt::Seccomp(Seccomp::File("/etc/p.json".into()))
        );
        assert_eq!(
            parse("seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}"),
            SecurityOpt::Seccomp(Seccomp::Inline(
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}".into()
            ))
        );
        assert_eq!(
            parse("apparmor:unconfined"),
            SecurityOpt::AppArmorUnconfined
        );
        assert_eq!(parse("apparmor=docker-default"), SecurityOpt::Other);
        assert_eq!(
            parse("no-new-privileges"),
            SecurityOpt::NoNewPrivileges(true)
        );
        assert_eq!(
            parse("no-new-privileges:false"),
            SecurityOpt::NoNewPrivileges(false)
        );
        assert_eq!(parse("label=disable"), SecurityOpt::Label("disable".into()));
        assert_eq!(parse("label:disable"), SecurityOpt::Label("disable".into()));
        assert_eq!(
            parse("label=type:spc_t"),
            SecurityOpt::Label("type:spc_t".into())
        );
        assert_eq!(
            parse("systempaths=unconfined"),
            SecurityOpt::SystemPathsUnconfined
        );
        assert_eq!(parse("systempaths=default"), SecurityOpt::Other);
        assert_eq!(parse("unmask=ALL"), SecurityOpt::SystemPathsUnconfined);
        assert_eq!(
            parse("unmask=/proc/kcore:/proc/sys"),
            SecurityOpt::SystemPathsUnconfined
        );
    }
}
