//! Docker on a node: where systemd finds its units and drop-ins, the command the daemon starts
//! with (environment files expanded), `daemon.json`, and the owner and mode of each file CIS
//! Docker Benchmark section 3 names.

use super::{Accounts, Scan};
use crate::inputs::systemd::expand;
use crate::model::daemon::DaemonConfig;
use crate::model::node::{
    CommandDrift, DOCKER_AUDIT_PATHS, DockerFile, FileKind, NodeConfig, NodeFile,
};
use crate::model::{Loc, Pos};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where systemd looks for units, most important first.
const UNIT_DIRS: [&str; 4] = [
    "/etc/systemd/system",
    "/run/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
];

pub(super) fn pos(line: usize) -> Pos {
    Pos {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: 1,
    }
}

/// The unit file systemd would load for `name`, and its drop-ins (`name.d/*.conf`, a name in an
/// earlier directory hiding the same name in a later one), in the order systemd applies them.
pub(super) fn unit_files(scan: &mut Scan, name: &str) -> (Option<String>, Vec<String>) {
    let unit = UNIT_DIRS
        .iter()
        .map(|d| format!("{d}/{name}"))
        .find(|p| scan.exists(p));
    let mut drop_ins: BTreeMap<String, String> = BTreeMap::new();
    for dir in UNIT_DIRS.iter().rev() {
        let d = format!("{dir}/{name}.d");
        for file in scan.root.list(&d) {
            if file.ends_with(".conf") {
                drop_ins.insert(file.clone(), format!("{d}/{file}"));
            }
        }
    }
    (unit, drop_ins.into_values().collect())
}

/// The unit's effective `ExecStart=` across the unit and its drop-ins (an empty `ExecStart=`
/// resets it), with `EnvironmentFile=` variables expanded: (file, line, command).
pub(super) fn exec_start(scan: &mut Scan, files: &[(String, String)]) -> Option<Command> {
    let mut vars = BTreeMap::new();
    let mut found = None;
    for (path, text) in files {
        let file: Arc<str> = Arc::from(path.as_str());
        for line in text.lines() {
            if let Some(env) = line.trim().strip_prefix("EnvironmentFile=") {
                // `-` marks an optional file; a missing one adds nothing either way here.
                let env = env.trim().trim_start_matches('-');
                if let Some(text) = scan.read(env, "environment-file") {
                    let env_path: Arc<str> = Arc::from(env);
                    crate::inputs::systemd::env_file_located(&text, &env_path, &mut vars);
                }
            }
        }
        crate::inputs::systemd::environment_located(text, &file, &mut vars);
        if text.lines().any(|l| l.trim().starts_with("ExecStart=")) {
            found = crate::inputs::systemd::exec_start(text)
                .map(|(line, command)| (path.clone(), line as usize, command));
        }
    }
    found.map(|(path, line, command)| {
        let file: Arc<str> = Arc::from(path.as_str());
        let at = Loc::new(&file, pos(line), "ExecStart");
        let words = crate::inputs::systemd::expand_words(&command, &vars, &at);
        let plain: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect();
        Command {
            path,
            line,
            text: expand(&command, &plain),
            words,
        }
    })
}

/// A unit's effective command: where it is written, as text, and word by word with where each
/// word came from (the `ExecStart=` line or the line that set a variable it uses).
pub(super) struct Command {
    pub(super) path: String,
    pub(super) line: usize,
    pub(super) text: String,
    pub(super) words: Vec<(String, Loc)>,
}

/// Runs of consecutive words written at the same place.
pub(super) fn by_place(words: &[(String, Loc)]) -> Vec<(Loc, Vec<String>)> {
    let mut groups: Vec<(Loc, Vec<String>)> = Vec::new();
    for (w, loc) in words {
        match groups.last_mut() {
            Some((l, ws)) if l.file == loc.file && l.pos == loc.pos => ws.push(w.clone()),
            _ => groups.push((loc.clone(), vec![w.clone()])),
        }
    }
    groups
}

/// What a `[Socket]` section declares for the socket it creates (systemd's defaults: root,
/// root, 0666), with the lines that set the owner and the mode.
struct DeclaredSocket {
    user: String,
    group: String,
    mode: u32,
    owner_loc: Loc,
    mode_loc: Loc,
}

fn declared_socket(text: &str, path: &str) -> DeclaredSocket {
    let file: Arc<str> = Arc::from(path);
    let unit = Loc::new(&file, pos(1), "");
    let mut d = DeclaredSocket {
        user: "root".into(),
        group: "root".into(),
        mode: 0o666,
        owner_loc: unit.clone(),
        mode_loc: unit,
    };
    let (mut user_line, mut group_line) = (None, None);
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("SocketUser=") {
            d.user = v.trim().to_string();
            user_line = Some(i + 1);
        } else if let Some(v) = line.strip_prefix("SocketGroup=") {
            d.group = v.trim().to_string();
            group_line = Some(i + 1);
        } else if let Some(v) = line.strip_prefix("SocketMode=") {
            if let Ok(m) = u32::from_str_radix(v.trim(), 8) {
                d.mode = m;
                d.mode_loc = Loc::new(&file, pos(i + 1), "SocketMode");
            }
        }
    }
    // The owner finding points at the user line unless only the group is wrong.
    let owner_line = match (user_line, d.user.as_str()) {
        (Some(l), u) if u != "root" => Some((l, "SocketUser")),
        _ => group_line
            .map(|l| (l, "SocketGroup"))
            .or(user_line.map(|l| (l, "SocketUser"))),
    };
    if let Some((line, key)) = owner_line {
        d.owner_loc = Loc::new(&file, pos(line), key);
    }
    d
}

impl Scan {
    /// A file's facts, when it exists.
    pub(super) fn node_file(
        &mut self,
        role: DockerFile,
        path: &str,
        accounts: &Accounts,
    ) -> Option<NodeFile> {
        let stat = match self.root.stat(path) {
            Ok(Some(s)) => s,
            Ok(None) => return None,
            Err(error) => {
                self.target.errors.push(crate::inputs::files::FileError {
                    path: path.to_string(),
                    error,
                });
                return None;
            }
        };
        let kind = if stat.is_file() {
            FileKind::File
        } else if stat.is_dir() {
            FileKind::Dir
        } else if stat.is_socket() {
            FileKind::Socket
        } else {
            FileKind::Other
        };
        let file: Arc<str> = Arc::from(path);
        Some(NodeFile {
            role,
            path: path.to_string(),
            kind,
            uid: stat.uid,
            gid: stat.gid,
            owner: accounts.users.get(&stat.uid).cloned(),
            group: accounts.groups.get(&stat.gid).cloned(),
            mode: stat.mode & 0o7777,
            loc: Loc::new(&file, pos(1), ""),
            mode_loc: Loc::new(&file, pos(1), ""),
            declared_by: None,
        })
    }
}

/// Docker's files on the node and its daemon view (none when Docker is not installed).
pub(super) fn read(
    scan: &mut Scan,
    node: &mut NodeConfig,
    accounts: &Accounts,
    proc: Option<&std::path::Path>,
) -> Vec<DaemonConfig> {
    for (_, candidates) in DOCKER_AUDIT_PATHS {
        for path in candidates {
            if scan.exists(path) {
                node.present
                    .push((path.to_string(), scan.root.canonical(path)));
            }
        }
    }
    let (service, service_drop_ins) = unit_files(scan, "docker.service");
    let (socket, _) = unit_files(scan, "docker.socket");
    let dockerd = ["/usr/bin/dockerd", "/usr/sbin/dockerd"]
        .iter()
        .any(|p| scan.exists(p));
    node.docker = dockerd || service.is_some();
    if !node.docker {
        return Vec::new();
    }
    let push = |scan: &mut Scan, node: &mut NodeConfig, role, path: &str| {
        if let Some(f) = scan.node_file(role, path, accounts) {
            node.files.push(f);
        }
    };
    if let Some(unit) = &service {
        push(scan, node, DockerFile::ServiceUnit, unit);
    }
    if let Some(unit) = &socket {
        push(scan, node, DockerFile::SocketUnit, unit);
    }
    push(scan, node, DockerFile::ConfigDir, "/etc/docker");
    for host in scan.root.list("/etc/docker/certs.d") {
        let dir = format!("/etc/docker/certs.d/{host}");
        for cert in scan.root.list(&dir) {
            if cert.ends_with(".crt") {
                push(
                    scan,
                    node,
                    DockerFile::RegistryCert,
                    &format!("{dir}/{cert}"),
                );
            }
        }
    }
    push(scan, node, DockerFile::DefaultFile, "/etc/default/docker");
    push(
        scan,
        node,
        DockerFile::SysconfigFile,
        "/etc/sysconfig/docker",
    );

    // The daemon view: the unit's effective command line over daemon.json.
    let mut unit_texts = Vec::new();
    for path in service.iter().chain(&service_drop_ins) {
        if let Some(text) = scan.read(path, "systemd-unit") {
            unit_texts.push((path.clone(), text));
        }
    }
    let command = exec_start(scan, &unit_texts);
    let words: Vec<String> = command
        .as_ref()
        .map(|c| c.words.iter().map(|(w, _)| w.clone()).collect())
        .unwrap_or_default();
    let config_file = words
        .iter()
        .position(|w| w == "--config-file")
        .and_then(|i| words.get(i + 1).cloned())
        .or_else(|| {
            words
                .iter()
                .find_map(|w| w.strip_prefix("--config-file=").map(str::to_string))
        })
        .unwrap_or_else(|| "/etc/docker/daemon.json".to_string());
    let mut daemon = None;
    if let Some(text) = scan.read(&config_file, "daemon-json") {
        let file: Arc<str> = Arc::from(config_file.as_str());
        match crate::inputs::json::parse(&text) {
            Ok(doc) => daemon = Some(DaemonConfig::from_json(&file, &doc)),
            Err(error) => scan.target.errors.push(crate::inputs::files::FileError {
                path: config_file.clone(),
                error,
            }),
        }
        push(scan, node, DockerFile::DaemonJson, &config_file);
    }
    let mut daemon = daemon.unwrap_or_else(|| {
        let anchor: Arc<str> = Arc::from(service.as_deref().unwrap_or("/"));
        let mut cfg = DaemonConfig::empty(Loc::new(&anchor, pos(1), ""));
        cfg.sources.clear();
        cfg
    });
    // What runs wins over what the unit says; where they differ, that is a finding of its own.
    let running = proc.and_then(|p| super::proc::find(p, "dockerd", "docker.service"));
    match (&running, &command) {
        (Some(p), _) => scan.target.found.push(format!(
            "dockerd running (pid {}): {}",
            p.pid,
            p.argv.join(" ")
        )),
        (None, Some(c)) => scan.target.found.push(format!(
            "dockerd as {}:{} starts it: {}",
            c.path,
            c.line,
            c.text.trim()
        )),
        (None, None) => scan
            .target
            .found
            .push("dockerd installed, no unit or process found to say how it starts".into()),
    }
    match (&running, &command) {
        (Some(process), _) => {
            let file: Arc<str> = Arc::from(format!("/proc/{}/cmdline", process.pid).as_str());
            daemon.add_flags(&file, pos(1), &process.argv);
            scan.target.files.push(crate::inputs::files::ScannedFile {
                path: file.to_string(),
                kind: "process",
            });
            if let Some(c) = &command {
                let drift = drift(&process.argv, &words);
                if !drift.0.is_empty() || !drift.1.is_empty() {
                    let unit: Arc<str> = Arc::from(c.path.as_str());
                    node.drift.push(CommandDrift {
                        program: "dockerd".into(),
                        pid: process.pid,
                        only_running: drift.0,
                        only_unit: drift.1,
                        loc: Loc::new(&unit, pos(c.line), "ExecStart"),
                    });
                }
            }
        }
        (None, Some(c)) => {
            for (loc, group) in by_place(&c.words) {
                daemon.add_flags(&loc.file, loc.pos, &group);
            }
        }
        (None, None) => {}
    }
    for (key, role) in [
        ("tlscacert", DockerFile::TlsCa),
        ("tlscert", DockerFile::TlsCert),
        ("tlskey", DockerFile::TlsKey),
    ] {
        if let Some((path, _)) = daemon.str(key) {
            let path = path.to_string();
            push(scan, node, role, &path);
        }
    }
    // The API socket: the file when the daemon runs, else what docker.socket would create.
    let live = ["/run/docker.sock", "/var/run/docker.sock"]
        .into_iter()
        .find(|p| matches!(scan.root.stat(p), Ok(Some(s)) if s.is_socket()));
    match (live, &socket) {
        (Some(path), _) => push(scan, node, DockerFile::ApiSocket, path),
        (None, Some(unit)) => {
            if let Some(text) = scan.read(unit, "systemd-unit") {
                let d = declared_socket(&text, unit);
                let uid = accounts
                    .users
                    .iter()
                    .find(|(_, n)| **n == d.user)
                    .map_or(u32::MAX, |(id, _)| *id);
                let gid = accounts
                    .group_ids
                    .get(&d.group)
                    .copied()
                    .unwrap_or(u32::MAX);
                node.files.push(NodeFile {
                    role: DockerFile::ApiSocket,
                    path: "/run/docker.sock".to_string(),
                    kind: FileKind::Socket,
                    uid,
                    gid,
                    owner: Some(d.user),
                    group: Some(d.group),
                    mode: d.mode,
                    loc: d.owner_loc,
                    mode_loc: d.mode_loc,
                    declared_by: Some(unit.clone()),
                });
            }
        }
        (None, None) => {}
    }
    let containerd_sock = "/run/containerd/containerd.sock";
    if matches!(scan.root.stat(containerd_sock), Ok(Some(s)) if s.is_socket()) {
        push(scan, node, DockerFile::ContainerdSocket, containerd_sock);
    }
    vec![daemon]
}

/// A command's options, program excluded, each with its value (`-H fd://` is one option:
/// dockerd takes no positional arguments).
fn options(argv: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut words = argv.iter().skip(1).peekable();
    while let Some(w) = words.next() {
        match words.peek() {
            Some(next) if w.starts_with('-') && !w.contains('=') && !next.starts_with('-') => {
                out.push(format!("{w} {next}"));
                words.next();
            }
            _ => out.push(w.clone()),
        }
    }
    out
}

/// Options only the running process has, and only the unit has, as multisets: order does not
/// matter, repetition does.
fn drift(running: &[String], unit: &[String]) -> (Vec<String>, Vec<String>) {
    let mut only_unit = options(unit);
    let mut only_running = Vec::new();
    for arg in options(running) {
        match only_unit.iter().position(|u| *u == arg) {
            Some(i) => {
                only_unit.remove(i);
            }
            None => only_running.push(arg),
        }
    }
    (only_running, only_unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_is_a_multiset_difference() {
        let w = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        let (running, unit) = drift(
            &w("/usr/sbin/dockerd --icc=false -H fd:// --iptables=false"),
            &w("dockerd -H fd:// --icc=false --containerd=/run/containerd/containerd.sock"),
        );
        assert_eq!(running, ["--iptables=false"]);
        assert_eq!(unit, ["--containerd=/run/containerd/containerd.sock"]);
        let (running, unit) = drift(
            &w("dockerd -H unix:///tmp/d.sock --data-root /tmp/d"),
            &w("dockerd -H fd://"),
        );
        assert_eq!(running, ["-H unix:///tmp/d.sock", "--data-root /tmp/d"]);
        assert_eq!(unit, ["-H fd://"]);
        assert_eq!(
            drift(&w("dockerd -H fd://"), &w("/usr/bin/dockerd -H fd://")),
            (vec![], vec![])
        );
    }

    #[test]
    fn socket_defaults_are_systemds() {
        let d = declared_socket("[Socket]\nListenStream=/run/docker.sock\n", "u");
        assert_eq!(
            (d.user.as_str(), d.group.as_str(), d.mode),
            ("root", "root", 0o666)
        );
        assert_eq!((d.owner_loc.pos.line, d.mode_loc.pos.line), (1, 1));
        let d = declared_socket(
            "[Socket]\nSocketMode=0660\nSocketUser=alice\nSocketGroup=docker\n",
            "u",
        );
        assert_eq!((d.group.as_str(), d.mode), ("docker", 0o660));
        assert_eq!((d.owner_loc.pos.line, d.mode_loc.pos.line), (3, 2));
    }
}
