//! systemd units and drop-ins: the command a service starts with.

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
