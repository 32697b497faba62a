//! Compose files → container specs, as `docker compose` would run them: the override file next
//! to the main one merged in, `extends` and `include` followed, `${VAR}` / `${VAR:-default}`
//! interpolated from the environment and `.env`. Every value keeps the file and line that set it.

use super::doc::{Key, Node, Value};
use super::yaml;
use crate::model::Loc;
use crate::model::container::{
    ContainerSpec, Mount, Namespace, Platform, Port, Restart, SeccompMode, Val, capability_name,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::suppress::COMPOSE_KEY as IGNORE_KEY;

/// How deep `extends` and `include` may nest before it is treated as a loop.
const MAX_DEPTH: usize = 8;

/// Files a project was read from; `Node::src` indexes into it.
pub struct Files {
    pub names: Vec<Arc<str>>,
    /// Where the project's relative paths are read from.
    pub root: super::Root,
    /// Strings that held a `${VAR}` reference before interpolation.
    pub interpolated: super::compose_env::Interpolated,
    /// Parts of the project that could not be read, `(path, reason)`, listed as skipped: an
    /// include, extends file or `.env` only with `allow_partial` (an error otherwise), an
    /// `env_file` always.
    pub gaps: Vec<(String, String)>,
    pub allow_partial: bool,
}

impl Files {
    pub fn new(root: super::Root, allow_partial: bool) -> Files {
        Files {
            names: Vec::new(),
            root,
            interpolated: Default::default(),
            gaps: Vec::new(),
            allow_partial,
        }
    }

    /// A part of the project that cannot be read: recorded when partial coverage is allowed,
    /// the project's error otherwise.
    pub(super) fn gap(&mut self, path: String, reason: String) -> Result<(), String> {
        if self.allow_partial {
            self.gaps.push((
                path,
                format!("{reason}; the project was graded without it (--allow-partial)"),
            ));
            Ok(())
        } else {
            Err(format!(
                "{reason} (part of the compose project cannot be read; --allow-partial grades the rest)"
            ))
        }
    }

    fn add(&mut self, name: Arc<str>) -> u16 {
        if let Some(i) = self.names.iter().position(|n| *n == name) {
            return i as u16;
        }
        self.names.push(name);
        (self.names.len() - 1) as u16
    }

    pub(super) fn loc(&self, node: &Node, pos: super::doc::Pos, field: impl Into<String>) -> Loc {
        let file = self
            .names
            .get(node.src as usize)
            .cloned()
            .unwrap_or_else(|| Arc::from("compose.yaml"));
        Loc::new(&file, pos, field)
    }
}

/// The variables interpolation sees: the process environment over the project's `.env`.
pub fn environment(dir: &Path, root: &super::Root) -> BTreeMap<String, String> {
    let mut env = dotenv(dir, root);
    env.extend(std::env::vars());
    env
}

/// `COMPOSE_FILE` in a directory's `.env`: the files `docker compose` runs there, in order
/// (separated by `COMPOSE_PATH_SEPARATOR`, `:` by default). Only the directory's own `.env`
/// counts: a `COMPOSE_FILE` in the shell belongs to whatever project the shell was set up for.
pub fn compose_file_list(dir: &Path, root: &super::Root) -> Option<Vec<PathBuf>> {
    let env = dotenv(dir, root);
    let list = env.get("COMPOSE_FILE")?;
    let separator = env
        .get("COMPOSE_PATH_SEPARATOR")
        .map_or(":", String::as_str);
    if separator.is_empty() {
        return None;
    }
    let files: Vec<PathBuf> = list
        .split(separator)
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| dir.join(f))
        .collect();
    (!files.is_empty()).then_some(files)
}

/// A `.env` that is there but cannot be read: the project's variables are unknown.
pub fn dotenv_problem(dir: &Path, root: &super::Root) -> Option<(String, String)> {
    let path = dir.join(".env");
    if !root.at(&path).exists() {
        return None;
    }
    let error = std::fs::read_to_string(root.at(&path)).err()?;
    let display = path.display().to_string();
    Some((display.clone(), format!("{display}: {error}")))
}

/// The `KEY=value` lines of a directory's `.env`.
fn dotenv(dir: &Path, root: &super::Root) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    if let Ok(text) = std::fs::read_to_string(root.at(&dir.join(".env"))) {
        for line in text.lines() {
            let line = line.trim().trim_start_matches("export ");
            if line.starts_with('#') {
                continue;
            }
            if let Some((k, v)) = line.split_once('=') {
                env.insert(
                    k.trim().to_string(),
                    v.trim().trim_matches(|c| c == '"' || c == '\'').to_string(),
                );
            }
        }
    }
    env
}

/// `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR:+alternative}`, `$VAR`,
/// and `$$` for a literal `$`. Unset variables become empty, as compose does (with a warning).
pub fn interpolate(text: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let Some(end) = matching_brace(body) else {
                out.push_str(&rest[i..]);
                return out;
            };
            out.push_str(&expand(&body[..end], env));
            rest = &body[end + 1..];
        } else {
            let name_len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if name_len == 0 {
                out.push('$');
            } else {
                out.push_str(env.get(&after[..name_len]).map_or("", String::as_str));
            }
            rest = &after[name_len..];
        }
    }
    out.push_str(rest);
    out
}

fn matching_brace(body: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn expand(expr: &str, env: &BTreeMap<String, String>) -> String {
    let name_len = expr
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(expr.len());
    let (name, op) = expr.split_at(name_len);
    let value = env.get(name).map(String::as_str);
    let set_nonempty = value.is_some_and(|v| !v.is_empty());
    if let Some(default) = op.strip_prefix(":-") {
        return if set_nonempty {
            value.unwrap_or_default().to_string()
        } else {
            interpolate(default, env)
        };
    }
    if let Some(default) = op.strip_prefix('-') {
        return value.map_or_else(|| interpolate(default, env), str::to_string);
    }
    if let Some(alt) = op.strip_prefix(":+") {
        return if set_nonempty {
            interpolate(alt, env)
        } else {
            String::new()
        };
    }
    if let Some(alt) = op.strip_prefix('+') {
        return if value.is_some() {
            interpolate(alt, env)
        } else {
            String::new()
        };
    }
    value.unwrap_or_default().to_string()
}

/// Keys whose sequences an override extends rather than replaces.
const CONCAT: [&str; 9] = [
    "ports",
    "expose",
    "volumes",
    "devices",
    "cap_add",
    "cap_drop",
    "security_opt",
    "dns",
    "tmpfs",
];

/// Merges `over` into `base`: mappings key by key, the sequences above appended, the rest
/// replaced — compose's merge rules, simplified where they only reorder.
pub fn merge(base: &mut Node, over: Node, key: &str) {
    match (&mut base.value, over.value) {
        (Value::Map(b), Value::Map(o)) => {
            for (k, v) in o {
                match b.iter_mut().find(|(bk, _)| bk.name == k.name) {
                    Some((bk, bv)) => {
                        // A value the override replaces is written in the override: so is its
                        // key, which locations point at. Merged maps and sequences keep theirs.
                        let both_maps =
                            matches!((&bv.value, &v.value), (Value::Map(_), Value::Map(_)));
                        let concatenated = CONCAT.contains(&k.name.as_str())
                            && matches!((&bv.value, &v.value), (Value::Seq(_), Value::Seq(_)));
                        let replaced = !both_maps && !concatenated;
                        if replaced {
                            *bk = k.clone();
                        }
                        merge(bv, v, &k.name);
                    }
                    None => b.push((k, v)),
                }
            }
        }
        (Value::Seq(b), Value::Seq(o)) if CONCAT.contains(&key) => b.extend(o),
        (_, value) => {
            base.value = value;
            base.pos = over.pos;
            base.src = over.src;
        }
    }
}

/// Reads, interpolates and tags one compose file.
fn read(
    path: &Path,
    display: &Arc<str>,
    files: &mut Files,
    env: &BTreeMap<String, String>,
) -> Result<Node, String> {
    let text =
        std::fs::read_to_string(files.root.at(path)).map_err(|e| format!("{display}: {e}"))?;
    parse_text(&text, display, files, env)
}

pub fn parse_text(
    text: &str,
    display: &Arc<str>,
    files: &mut Files,
    env: &BTreeMap<String, String>,
) -> Result<Node, String> {
    let mut doc = yaml::parse(text)?
        .into_iter()
        .next()
        .ok_or_else(|| "empty compose file".to_string())?;
    let src = files.add(Arc::clone(display));
    files.interpolated.mark(&doc, src);
    doc.map_strings(&|s| interpolate(s, env));
    doc.set_source(src);
    Ok(doc)
}

/// The override files `docker compose` merges by default: `compose.override.yaml` next to
/// `compose.yaml` (and the `docker-compose` spellings).
pub fn default_override(main: &Path, root: &super::Root) -> Option<PathBuf> {
    let name = main.file_name()?.to_str()?;
    let (stem, ext) = name.rsplit_once('.')?;
    if stem.ends_with(".override") {
        return None;
    }
    let candidate = main.with_file_name(format!("{stem}.override.{ext}"));
    root.at(&candidate).is_file().then_some(candidate)
}

/// The main file an override is merged into by default (`compose.override.yaml` →
/// `compose.yaml`), when it exists.
pub fn main_of_override(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let (stem, ext) = name.rsplit_once('.')?;
    let main = path.with_file_name(format!("{}.{ext}", stem.strip_suffix(".override")?));
    main.is_file().then_some(main)
}

pub fn is_override(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.contains(".override."))
}

/// All services of a project, `include` and `extends` resolved, as container specs. `files`
/// afterwards lists every file the project read.
pub fn project(
    main: Node,
    main_path: Option<&Path>,
    files: &mut Files,
    env: &BTreeMap<String, String>,
    depth: usize,
) -> Result<Vec<ContainerSpec>, String> {
    let dir = main_path
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut specs = Vec::new();
    if depth < MAX_DEPTH {
        for inc in main.get("include").map(Node::as_seq).unwrap_or_default() {
            let rel = inc
                .as_str()
                .or_else(|| inc.get("path").and_then(Node::as_str))
                .unwrap_or("");
            if rel.is_empty() {
                continue;
            }
            let path = dir.join(rel);
            let display: Arc<str> = Arc::from(path.display().to_string().as_str());
            if !files.root.at(&path).is_file() {
                files.gap(
                    display.to_string(),
                    format!("include: {display}: no such file"),
                )?;
                continue;
            }
            let doc = read(&path, &display, files, env)?;
            specs.extend(project(doc, Some(&path), files, env, depth + 1)?);
        }
    }
    for (key, service) in main.get("services").map(Node::as_map).unwrap_or_default() {
        let resolved = resolve_extends(service.clone(), &main, &dir, files, env, 0)?;
        let mut spec = spec(&key.name, key, service.src, &resolved, files);
        let (vars, gaps) = super::compose_env::env_files(&resolved, files);
        spec.env.extend(vars);
        // Env files are often kept out of version control: one that is not there is listed, and
        // the rest of the project is graded.
        for (path, reason) in gaps {
            files.gaps.push((
                path,
                format!(
                    "service {}: {reason}; its variables were not judged",
                    key.name
                ),
            ));
        }
        specs.push(spec);
    }
    Ok(specs)
}

fn resolve_extends(
    mut service: Node,
    doc: &Node,
    dir: &Path,
    files: &mut Files,
    env: &BTreeMap<String, String>,
    depth: usize,
) -> Result<Node, String> {
    let Some(ext) = service.get("extends").cloned() else {
        return Ok(service);
    };
    if depth >= MAX_DEPTH {
        return Err("`extends` nests too deep (a loop?)".into());
    }
    let (name, file) = match ext.as_str() {
        Some(n) => (n.to_string(), None),
        None => (
            ext.get("service")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string(),
            ext.get("file").and_then(Node::as_str).map(|f| dir.join(f)),
        ),
    };
    let (base_doc, base_dir) = match &file {
        Some(path) => {
            let display: Arc<str> = Arc::from(path.display().to_string().as_str());
            if !files.root.at(path).is_file() {
                files.gap(
                    display.to_string(),
                    format!("extends: {display}: no such file"),
                )?;
                if let Value::Map(entries) = &mut service.value {
                    entries.retain(|(k, _)| k.name != "extends");
                }
                return Ok(service);
            }
            (
                read(path, &display, files, env)?,
                path.parent().map(Path::to_path_buf).unwrap_or_default(),
            )
        }
        None => (doc.clone(), dir.to_path_buf()),
    };
    let base = base_doc
        .at(&["services", &name])
        .cloned()
        .ok_or_else(|| format!("`extends` names service `{name}`, which does not exist"))?;
    let mut merged = resolve_extends(base, &base_doc, &base_dir, files, env, depth + 1)?;
    if let Value::Map(entries) = &mut service.value {
        entries.retain(|(k, _)| k.name != "extends");
    }
    merge(&mut merged, service, "");
    Ok(merged)
}

fn seq_strings<'a>(node: &'a Node, key: &str) -> Vec<(&'a Node, String)> {
    node.get(key)
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| Some((n, n.scalar_text()?)))
        .collect()
}

/// One service as a container spec.
fn spec(name: &str, key: &Key, key_src: u16, svc: &Node, files: &Files) -> ContainerSpec {
    let field = format!("services.{name}");
    // The service is where its key is written (in the file that declares it, not its base).
    let anchor = Node {
        pos: key.pos,
        value: Value::Null,
        src: key_src,
    };
    let mut s = ContainerSpec::new(
        Platform::Compose,
        format!("service {name}"),
        files.loc(&anchor, key.pos, field.clone()),
    );
    s.workloads = vec![name.to_string()];
    let loc_of = |k: &str| {
        svc.entry(k)
            .map(|(key, v)| files.loc(v, key.pos, format!("{field}.{k}")))
    };
    let item_loc = |n: &Node, k: &str| files.loc(n, n.pos, format!("{field}.{k}"));

    s.image = svc
        .get("image")
        .and_then(Node::as_str)
        .zip(loc_of("image"))
        .map(|(i, l)| Val::new(i.to_string(), l));
    s.build = loc_of("build");
    s.env = super::compose_env::environment(svc, &field, files);
    if svc.at(&["logging", "driver"]).and_then(Node::as_str) == Some("none") {
        s.logging_disabled = svc
            .get("logging")
            .and_then(|l| l.entry("driver"))
            .map(|(k, v)| files.loc(v, k.pos, format!("{field}.logging.driver")));
    }
    // `tmpfs: /run` or a list; `target:options` in both.
    if let Some(node) = svc.get("tmpfs") {
        let items: Vec<&Node> = match node.as_str() {
            Some(_) => vec![node],
            None => node.as_seq().iter().collect(),
        };
        for item in items {
            if let Some(text) = item.scalar_text() {
                s.tmpfs.push(Val::new(text, item_loc(item, "tmpfs")));
            }
        }
    }
    s.privileged = svc
        .get("privileged")
        .and_then(Node::as_bool)
        .zip(loc_of("privileged"))
        .map(|(b, l)| Val::new(b, l));
    s.read_only_root = svc
        .get("read_only")
        .and_then(Node::as_bool)
        .zip(loc_of("read_only"))
        .map(|(b, l)| Val::new(b, l));
    for (n, cap) in seq_strings(svc, "cap_add") {
        s.cap_add
            .push(Val::new(capability_name(&cap), item_loc(n, "cap_add")));
    }
    for (n, cap) in seq_strings(svc, "cap_drop") {
        s.cap_drop
            .push(Val::new(capability_name(&cap), item_loc(n, "cap_drop")));
    }
    for (n, opt) in seq_strings(svc, "security_opt") {
        use super::security_opt::{Seccomp, SecurityOpt};
        let loc = item_loc(n, "security_opt");
        match super::security_opt::parse(&opt) {
            SecurityOpt::Seccomp(seccomp) => {
                let mode = match seccomp {
                    Seccomp::Unconfined => SeccompMode::Unconfined,
                    Seccomp::Default => SeccompMode::RuntimeDefault,
                    Seccomp::File(path) | Seccomp::Inline(path) => SeccompMode::Localhost(path),
                };
                s.seccomp = Some(Val::new(mode, loc));
            }
            SecurityOpt::AppArmorUnconfined => s.apparmor_unconfined = Some(loc),
            SecurityOpt::NoNewPrivileges(on) => s.no_new_privileges = Some(Val::new(on, loc)),
            SecurityOpt::SystemPathsUnconfined => s.system_paths_unmasked = Some(loc),
            SecurityOpt::Label(value) => {
                if let Some(words) = super::security_opt::label_weakens(&value) {
                    s.selinux_weakened.push(Val::new(words, loc));
                }
            }
            SecurityOpt::Other => {}
        }
    }
    for (k, ns) in [
        ("network_mode", Namespace::Network),
        ("pid", Namespace::Pid),
        ("ipc", Namespace::Ipc),
        ("uts", Namespace::Uts),
        ("userns_mode", Namespace::User),
    ] {
        if svc.get(k).and_then(Node::as_str) == Some("host") {
            if let Some(l) = loc_of(k) {
                s.host_namespaces.push((ns, l));
            }
        }
    }
    for v in svc.get("volumes").map(Node::as_seq).unwrap_or_default() {
        if let Some(m) = volume(v, &item_loc(v, "volumes")) {
            s.mounts.push(m);
        }
    }
    // `sysctls:` as a map (`net.core.somaxconn: 1024`) or a list (`- net.core.somaxconn=1024`).
    if let Some(node) = svc.get("sysctls") {
        for (name, value) in node.as_map() {
            let value = value.scalar_text().unwrap_or_default();
            let loc = files.loc(node, name.pos, format!("{field}.sysctls.{}", name.name));
            s.sysctls
                .push(Val::new(format!("{}={value}", name.name), loc));
        }
        for item in node.as_seq() {
            if let Some(text) = item.scalar_text() {
                let name = text
                    .split_once('=')
                    .map_or(text.as_str(), |(n, _)| n)
                    .trim();
                let loc = files.loc(item, item.pos, format!("{field}.sysctls.{name}"));
                s.sysctls.push(Val::new(text.clone(), loc));
            }
        }
    }
    let limits = svc.at(&["deploy", "resources", "limits"]);
    // `pids_limit: -1` (or 0), `mem_limit: 0`, `cpus: 0`: no limit at all, as Docker reads them.
    let limiting = |v: &Node| {
        v.scalar_text()
            .and_then(|t| t.trim().parse::<f64>().ok())
            .is_none_or(|n| n > 0.0)
    };
    let limit = |flat: &[&str], nested: &str| -> Option<Loc> {
        flat.iter()
            .find_map(|k| {
                svc.entry(k)
                    .filter(|(_, v)| limiting(v))
                    .and_then(|_| loc_of(k))
            })
            .or_else(|| {
                limits
                    .and_then(|l| l.entry(nested))
                    .filter(|(_, v)| limiting(v))
                    .map(|(k, v)| {
                        files.loc(
                            v,
                            k.pos,
                            format!("{field}.deploy.resources.limits.{nested}"),
                        )
                    })
            })
    };
    s.memory_limit = limit(&["mem_limit"], "memory");
    s.cpu_limit = limit(&["cpus", "cpu_quota"], "cpus");
    s.pids_limit = limit(&["pids_limit"], "pids");
    s.user = svc
        .get("user")
        .and_then(Node::scalar_text)
        .zip(loc_of("user"))
        .map(|(u, l)| Val::new(u, l));
    for (n, d) in seq_strings(svc, "devices") {
        s.devices.push(Val::new(d, item_loc(n, "devices")));
    }
    for d in svc.get("devices").map(Node::as_seq).unwrap_or_default() {
        if let Some(src) = d.get("source").and_then(Node::as_str) {
            s.devices
                .push(Val::new(src.to_string(), item_loc(d, "devices")));
        }
    }
    for p in svc.get("ports").map(Node::as_seq).unwrap_or_default() {
        let loc = item_loc(p, "ports");
        let port = match p.scalar_text() {
            Some(text) => short_port(&text),
            // Long syntax: no `published` means an ephemeral host port, still published.
            None => Some(ShortPort {
                host_ip: p.get("host_ip").and_then(Node::scalar_text),
                host: p
                    .get("published")
                    .and_then(Node::scalar_text)
                    .and_then(|h| first_port(&h)),
                container: p.get("target").and_then(Node::as_i64),
            }),
        };
        if let Some(port) = port {
            s.ports.push(Port {
                host_port: port.host.unwrap_or(0),
                container_port: port.container.and_then(|c| u16::try_from(c).ok()),
                host_ip: port.host_ip,
                loc,
            });
        }
    }
    // `deploy.restart_policy` wins over `restart:` when both are there, as `docker compose up`
    // applies them.
    let restart_key = svc
        .get("restart")
        .and_then(Node::scalar_text)
        .zip(loc_of("restart"))
        .map(|(text, loc)| Val::new(Restart::parse(&text), loc));
    s.restart = svc
        .get("deploy")
        .and_then(|d| d.entry("restart_policy"))
        .map(|(key, rp)| {
            let condition = rp
                .get("condition")
                .and_then(Node::scalar_text)
                .unwrap_or_else(|| "any".into());
            let policy = match condition.as_str() {
                "any" => "always".to_string(),
                "none" => "no".to_string(),
                other => other.to_string(),
            };
            let max_retries = rp.get("max_attempts").and_then(Node::as_i64);
            Val::new(
                Restart {
                    policy,
                    max_retries: max_retries.and_then(|n| u64::try_from(n).ok()),
                },
                files.loc(rp, key.pos, format!("{field}.deploy.restart_policy")),
            )
        })
        .or(restart_key);
    s.ignores = seq_strings(svc, IGNORE_KEY)
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    s.ignore_how = format!("`{IGNORE_KEY}` on the service");
    s
}

fn first_port(text: &str) -> Option<u16> {
    text.split('-').next()?.trim().parse().ok()
}

/// A published port as compose writes it.
struct ShortPort {
    host_ip: Option<String>,
    host: Option<u16>,
    container: Option<i64>,
}

/// `"127.0.0.1:8080:80/tcp"`, `"[::1]:8080:80"`, `"8080:80"`, `"80"`.
fn short_port(text: &str) -> Option<ShortPort> {
    let spec = text.split('/').next()?;
    // `[v6]:host:container`: the bracketed address is always the first part, even before an
    // empty (ephemeral) host port.
    let parts: Vec<&str> = match spec.rfind(']') {
        Some(end) => std::iter::once(&spec[..=end])
            .chain(spec[end + 1..].strip_prefix(':').unwrap_or("").split(':'))
            .collect(),
        None => spec.split(':').collect(),
    };
    let (ip, host, container) = match parts.as_slice() {
        [container] => (None, None, *container),
        [host, container] => (None, Some(*host), *container),
        [ip, host, container] => (Some(*ip), Some(*host), *container),
        _ => return None,
    };
    Some(ShortPort {
        host_ip: ip.map(str::to_string),
        host: host.and_then(first_port),
        container: first_port(container).map(i64::from),
    })
}

/// A bind mount, short (`/src:/dst:ro,rshared`) or long syntax; named volumes are not host paths.
fn volume(v: &Node, loc: &Loc) -> Option<Mount> {
    if let Some(text) = v.as_str() {
        return Mount::from_bind(text, loc);
    }
    if v.get("type").and_then(Node::as_str) != Some("bind") {
        return None;
    }
    Some(Mount {
        source: v.get("source").and_then(Node::as_str)?.to_string(),
        target: v
            .get("target")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string(),
        read_only: v.get("read_only").and_then(Node::as_bool).unwrap_or(false),
        propagation: v
            .at(&["bind", "propagation"])
            .and_then(Node::as_str)
            .map(str::to_string),
        loc: loc.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_follows_compose() {
        let env: BTreeMap<String, String> = [
            ("A".to_string(), "1".to_string()),
            ("EMPTY".to_string(), String::new()),
        ]
        .into_iter()
        .collect();
        assert_eq!(interpolate("x${A}y$A", &env), "x1y1");
        assert_eq!(interpolate("${MISSING:-def}", &env), "def");
        assert_eq!(interpolate("${EMPTY:-def}|${EMPTY-def}", &env), "def|");
        assert_eq!(interpolate("${A:+alt}${MISSING:+alt}", &env), "alt");
        assert_eq!(interpolate("$$HOME ${MISSING:-${A}}", &env), "$HOME 1");
        assert_eq!(interpolate("${UNCLOSED", &env), "${UNCLOSED");
    }

    #[test]
    fn ports() {
        let parts = |text: &str| short_port(text).map(|p| (p.host_ip, p.host, p.container));
        let ip = |s: &str| Some(s.to_string());
        assert_eq!(
            parts("127.0.0.1:80:8080/tcp"),
            Some((ip("127.0.0.1"), Some(80), Some(8080)))
        );
        assert_eq!(
            parts("8000-8010:8000-8010"),
            Some((None, Some(8000), Some(8000)))
        );
        assert_eq!(parts("9090"), Some((None, None, Some(9090))));
        assert_eq!(
            parts("[::1]:443:443"),
            Some((ip("[::1]"), Some(443), Some(443)))
        );
        assert_eq!(
            parts("127.0.0.1::80"),
            Some((ip("127.0.0.1"), None, Some(80)))
        );
        assert_eq!(parts("[::1]::80"), Some((ip("[::1]"), None, Some(80))));
    }
}
