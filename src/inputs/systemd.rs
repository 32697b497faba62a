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

/// The variables a unit file sets itself (`Environment="A=b" C=d`).
pub fn environment(text: &str) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for line in text.lines() {
        if let Some(env) = line.trim().strip_prefix("Environment=") {
            for word in super::shell_words::split_command_line(env) {
                if let Some((k, v)) = word.split_once('=') {
                    vars.insert(k.to_string(), v.to_string());
                }
            }
        }
    }
    vars
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
