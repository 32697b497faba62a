//! systemd units and drop-ins: the command a service starts with.

use std::collections::BTreeMap;

/// `KEY=value` lines of an `EnvironmentFile=` (quotes stripped).
pub fn env_file(text: &str, vars: &mut BTreeMap<String, String>) {
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            vars.insert(k.trim().to_string(), v.to_string());
        }
    }
}

/// `$VAR` and `${VAR}` replaced as systemd does in `ExecStart=` (unset: empty).
pub fn expand(command: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = command;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        if name.is_empty() {
            out.push('$');
            rest = after;
            continue;
        }
        out.push_str(vars.get(name).map_or("", String::as_str));
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// A variable a unit's command line may use, with the line that set it (an `Environment=` line
/// or a line of an `EnvironmentFile=`).
#[derive(Debug, Clone)]
pub struct UnitVar {
    pub value: String,
    pub loc: crate::model::Loc,
}

/// [`env_file`], remembering where each variable was set.
pub fn env_file_located(
    text: &str,
    file: &std::sync::Arc<str>,
    vars: &mut BTreeMap<String, UnitVar>,
) {
    for (i, line) in text.lines().enumerate() {
        let mut one = BTreeMap::new();
        env_file(line, &mut one);
        for (k, v) in one {
            let pos = crate::model::Pos {
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                column: 1,
            };
            let loc = crate::model::Loc::new(file, pos, k.clone());
            vars.insert(k, UnitVar { value: v, loc });
        }
    }
}

/// The `Environment=` lines of a unit or drop-in, remembering where each variable was set.
pub fn environment_located(
    text: &str,
    file: &std::sync::Arc<str>,
    vars: &mut BTreeMap<String, UnitVar>,
) {
    for (i, line) in text.lines().enumerate() {
        if let Some(env) = line.trim().strip_prefix("Environment=") {
            for word in super::shell_words::split_command_line(env) {
                if let Some((k, v)) = word.split_once('=') {
                    let pos = crate::model::Pos {
                        line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                        column: 1,
                    };
                    let loc = crate::model::Loc::new(file, pos, k.to_string());
                    vars.insert(
                        k.to_string(),
                        UnitVar {
                            value: v.to_string(),
                            loc,
                        },
                    );
                }
            }
        }
    }
}

/// The words of a command line after systemd's expansion, each with where it was written: a
/// whole-word `$VAR` splits into words at whitespace and `${VAR}` stays one word, both pointing at
/// the line that set the variable; any other word points at the `ExecStart=` line `at`.
pub fn expand_words(
    command: &str,
    vars: &BTreeMap<String, UnitVar>,
    at: &crate::model::Loc,
) -> Vec<(String, crate::model::Loc)> {
    let plain: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect();
    let mut out = Vec::new();
    for word in super::shell_words::split_command_line(command) {
        let whole = |name: &str| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if let Some(name) = word.strip_prefix("${").and_then(|w| w.strip_suffix('}')) {
            if whole(name) {
                if let Some(v) = vars.get(name) {
                    out.push((v.value.clone(), v.loc.clone()));
                }
                continue;
            }
        }
        if let Some(name) = word.strip_prefix('$').filter(|n| whole(n)) {
            if let Some(v) = vars.get(name) {
                for w in super::shell_words::split_command_line(&v.value) {
                    out.push((w, v.loc.clone()));
                }
            }
            continue;
        }
        out.push((expand(&word, &plain), at.clone()));
    }
    out
}

/// The effective `ExecStart=` of a systemd unit or drop-in: (line, command). An empty
/// `ExecStart=` resets the list, as in drop-ins that replace the command.
pub fn exec_start(text: &str) -> Option<(u32, String)> {
    let mut found: Option<(u32, String)> = None;
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim();
        let Some(rest) = trimmed.strip_prefix("ExecStart=") else {
            continue;
        };
        let mut command = rest
            .trim_start_matches(['-', '@', '+', '!', ':'])
            .to_string();
        while command.ends_with('\\') {
            command.pop();
            match lines.next() {
                Some((_, next)) => {
                    command.push(' ');
                    command.push_str(next.trim());
                }
                None => break,
            }
        }
        found = if command.trim().is_empty() {
            None
        } else {
            Some((i as u32 + 1, command))
        };
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expanded_words_point_at_where_they_were_written() {
        use std::sync::Arc;
        let unit: Arc<str> = Arc::from("10-kubeadm.conf");
        let env: Arc<str> = Arc::from("/etc/default/kubelet");
        let mut vars = BTreeMap::new();
        environment_located(
            "[Service]\nEnvironment=\"CONFIG=--config=/var/lib/kubelet/config.yaml\"\n",
            &unit,
            &mut vars,
        );
        env_file_located(
            "# extra\nEXTRA=--read-only-port=10255 --v=2\n",
            &env,
            &mut vars,
        );
        let at =
            crate::model::Loc::new(&unit, crate::model::Pos { line: 4, column: 1 }, "ExecStart");
        let words = expand_words(
            "/usr/bin/kubelet ${CONFIG} $EXTRA $UNSET --x=$EXTRA",
            &vars,
            &at,
        );
        let got: Vec<(String, String)> = words
            .iter()
            .map(|(w, l)| (w.clone(), format!("{}:{}", l.file, l.pos.line)))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "/usr/bin/kubelet".to_string(),
                    "10-kubeadm.conf:4".to_string()
                ),
                (
                    "--config=/var/lib/kubelet/config.yaml".into(),
                    "10-kubeadm.conf:2".into()
                ),
                (
                    "--read-only-port=10255".into(),
                    "/etc/default/kubelet:2".into()
                ),
                ("--v=2".into(), "/etc/default/kubelet:2".into()),
                (
                    "--x=--read-only-port=10255 --v=2".into(),
                    "10-kubeadm.conf:4".into()
                ),
            ]
        );
    }

    #[test]
    fn environment_expansion_follows_systemd() {
        let mut vars = BTreeMap::new();
        env_file(
            "# options\nDOCKER_OPTS=\"--icc=false --iptables=false\"\n",
            &mut vars,
        );
        assert_eq!(
            expand("/usr/sbin/dockerd -H fd:// $DOCKER_OPTS ${MISSING}", &vars),
            "/usr/sbin/dockerd -H fd:// --icc=false --iptables=false "
        );
        assert_eq!(expand("cost $ 5", &vars), "cost $ 5");
    }

    use crate::inputs::shell_words::split_command_line;
    use crate::model::daemon::DaemonConfig;
    use crate::model::{Loc, Pos};
    use std::sync::Arc;

    #[test]
    fn units_and_flags() {
        let unit = "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// \\\n  --containerd=/run/containerd/containerd.sock --icc=false -H tcp://0.0.0.0:2375 --bogus\n";
        let (line, cmd) = exec_start(unit).unwrap();
        assert_eq!(line, 3);
        let file: Arc<str> = Arc::from("docker.service");
        let mut cfg = DaemonConfig::empty(Loc::new(&file, Pos { line: 1, column: 1 }, ""));
        cfg.add_flags(&file, Pos { line, column: 1 }, &split_command_line(&cmd));
        assert_eq!(
            cfg.list("hosts")
                .into_iter()
                .map(|(h, _)| h)
                .collect::<Vec<_>>(),
            vec!["fd://", "tcp://0.0.0.0:2375"]
        );
        assert_eq!(cfg.bool("icc").map(|(b, _)| b), Some(false));
        assert_eq!(
            cfg.str("containerd").map(|(s, _)| s),
            Some("/run/containerd/containerd.sock")
        );
        assert_eq!(cfg.unknown_flags.len(), 1);
    }
}
