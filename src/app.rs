//! The commands, from parsed arguments to an exit code. `main` only maps errors to exit 2.

use crate::cli::{
    Command, ConfigArgs, ContainersArgs, DaemonArgs, HookCommand, HookPrePushArgs, ImageArgs,
    LiveArgs, ReportArgs, RulesArgs, ServeArgs,
};
use crate::engine::{CliPolicy, Policy, Report, Target};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::project_config::ProjectConfig;
use crate::report::{self, Format, RenderOptions};
use crate::{engine, source};
use std::io::{IsTerminal, Write};

/// Exit codes: 0 nothing at or above `--fail-on`; 1 findings at or above it; 2 usage or input error.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn run(command: Command) -> Result<u8> {
    match command {
        Command::Image(args) => image_command(*args),
        Command::Config(args) => config_command(*args),
        Command::Daemon(args) => daemon_command(*args),
        Command::Containers(args) => containers_command(*args),
        Command::Node(args) => node_command(*args),
        Command::Serve(args) => serve_command(*args),
        Command::Migrate(args) => migrate_command(args),
        Command::Rules(args) => rules_command(args),
        Command::Hook(command) => hook_command(command),
        Command::Completions(args) => completions(args),
        Command::Man(args) => man_page(args),
    }
}

fn hook_command(command: HookCommand) -> Result<u8> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    match command {
        HookCommand::Install(args) => {
            let path = crate::hook::install(&cwd, args.fail_on, args.force)?;
            println!(
                "installed {} (skip it once with `git push --no-verify`)",
                path.display()
            );
        }
        HookCommand::Uninstall => match crate::hook::uninstall(&cwd)? {
            Some(path) => println!("removed {}", path.display()),
            None => println!("no pre-push hook to remove"),
        },
        HookCommand::PrePush(args) => return pre_push(&cwd, *args),
    }
    Ok(EXIT_OK)
}

/// Lints, per pushed ref, the configuration files its new commits change, as committed.
fn pre_push(repo: &std::path::Path, args: HookPrePushArgs) -> Result<u8> {
    let refs = crate::hook::parse_push_lines(std::io::stdin().lock())?;
    // The scan runs inside a private copy of the pushed files: paths the user gave are
    // resolved against the repository first.
    let mut report = args.report;
    report.config = report.config.map(|p| repo.join(p));
    report.baseline = report.baseline.map(|p| repo.join(p));
    report.output = report
        .output
        .iter()
        .map(|o| match o.split_once('=') {
            Some((format, file)) => format!("{format}={}", repo.join(file).display()),
            None => repo.join(o).display().to_string(),
        })
        .collect();
    let mut worst = EXIT_OK;
    for pushed in refs {
        let Some(changed) = crate::hook::changed_files(repo, &pushed)? else {
            continue; // a deleted ref pushes no content
        };
        let files: Vec<String> = changed
            .into_iter()
            .filter(|f| crate::hook::may_be_config(f))
            .collect();
        if files.is_empty() {
            eprintln!(
                "stevedore: {}: no configuration files changed",
                pushed.remote_ref
            );
            continue;
        }
        let dir = tempfile::tempdir().map_err(|e| Error::io("temporary directory", e))?;
        crate::hook::materialise(repo, &pushed.local_sha, &files, dir.path())?;
        eprintln!(
            "stevedore: linting {} file(s) pushed to {}",
            files.len(),
            pushed.remote_ref
        );
        let changed = files.clone();
        let files = crate::hook::with_compose_mains(files, dir.path());
        let code = config_command(ConfigArgs {
            paths: files,
            changed_files: Some(changed),
            root: Some(dir.path().to_path_buf()),
            compose_file: Vec::new(),
            kind: None,
            dockerd_args: None,
            target: None,
            // The hook sees the pushed files, not the ignored ones beside them (`.env`): what it
            // cannot read is listed, not a reason to block the push.
            allow_partial: true,
            max_file_size: 8 << 20,
            report: report.clone(),
        });
        worst = worst.max(code?);
    }
    if worst == EXIT_FINDINGS {
        eprintln!(
            "stevedore: push blocked by the findings above (push once without the check: git push --no-verify)"
        );
    }
    Ok(worst)
}

fn policy(args: &ReportArgs) -> Result<Policy> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    policy_for(args, &cwd, None, None)
}

/// [`policy`], with the directory the project config is found from, the pre-push hook's
/// changed files (findings outside them are suppressed) and the image command's `--as-of`.
fn policy_for(
    args: &ReportArgs,
    cwd: &std::path::Path,
    changed_files: Option<Vec<String>>,
    as_of: Option<String>,
) -> Result<Policy> {
    let config = ProjectConfig::discover(args.config.as_deref(), cwd)?;
    let mut select = args.select.clone();
    if let Some(profile) = &args.profile {
        select.extend(
            crate::pss::profile_rules(profile)
                .unwrap_or_default()
                .into_iter()
                .map(str::to_string),
        );
    }
    let cli = CliPolicy {
        select,
        ignore: args.ignore.clone(),
        fail_on: args.fail_on,
        severity: args.severity.clone(),
        accept_keys: args.accept_key.clone(),
        accept_files: args.accept_file.clone(),
        trust_image_labels: !args.ignore_image_labels && !args.no_inline_ignores,
        trust_inline_ignores: !args.no_inline_ignores,
        baseline: args
            .baseline
            .as_deref()
            .map(crate::baseline::Baseline::load)
            .transpose()?,
        changed_files,
        as_of,
    };
    Policy::new(&cli, config)
}

fn image_command(args: ImageArgs) -> Result<u8> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let policy = policy_for(&args.report, &cwd, None, args.as_of.clone())?;
    let outputs = parse_outputs(&args.report)?;
    // Read before the scan: a wrong path should not cost a pull.
    let dockerfile = match &args.dockerfile {
        Some(path) => {
            let display = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            let text =
                String::from_utf8(bytes).map_err(|_| Error::input(&display, "not UTF-8 text"))?;
            Some((display, text))
        }
        None => None,
    };
    let limits = Limits {
        max_image_bytes: args.max_image_size,
        max_json_bytes: args.max_json_size,
        max_layers: args.max_layers,
        max_file_bytes: args.max_file_size,
    };
    let resolved = source::open(
        &args.image,
        &source::OpenOptions {
            platform: args.platform.clone(),
            limits: limits.clone(),
            docker_host: args.live.host.clone(),
            timeout: std::time::Duration::from_secs(args.live.timeout),
            registry: args
                .registry
                .options(std::time::Duration::from_secs(args.live.timeout))?,
        },
    )?;
    let bar = progress_bar(&resolved, args.report.no_progress);
    let tick = |n: u64| bar.inc(n);
    let read = engine::ImageRead {
        input: args.image.clone(),
        limits,
        threads: args.threads,
        inventory: !args.no_inventory,
        config_only: args.config_only,
        progress: &tick,
    };
    let scanned = engine::scan_image(&policy, resolved, &read);
    bar.finish_and_clear();
    let engine::ScannedImage {
        image: scanned,
        report,
    } = scanned?;
    let mut report = report;
    if let Some((display, text)) = &dockerfile {
        let map =
            crate::locate::DockerfileMap::new(&scanned, display, text, args.target.as_deref())?;
        for finding in &mut report.findings {
            if let Some((source, note)) = map.locate(&finding.subject) {
                if let Some(note) = note {
                    finding.message = format!("{} ({note})", finding.message);
                }
                finding.source = Some(source);
            }
        }
    }
    finish(report, &args.report, &outputs)
}

fn config_command(args: ConfigArgs) -> Result<u8> {
    let cwd = match &args.root {
        Some(root) => root.clone(),
        None => std::env::current_dir().map_err(|e| Error::io(".", e))?,
    };
    let policy = policy_for(&args.report, &cwd, args.changed_files.clone(), None)?;
    let outputs = parse_outputs(&args.report)?;
    let options = crate::inputs::load::LoadOptions {
        kind: args.kind,
        dockerd_args: args.dockerd_args.clone(),
        target: args.target.clone(),
        max_file_bytes: args.max_file_size,
        compose_files: args.compose_file.clone(),
        allow_partial: args.allow_partial,
        root: args
            .root
            .clone()
            .map(crate::inputs::Root::dir)
            .unwrap_or_default(),
    };
    let report = engine::scan_configs(&policy, &args.paths, &options)?;
    let errors: Vec<(String, String)> = match &report.target {
        Target::Config(t) => t
            .errors
            .iter()
            .map(|e| (e.path.clone(), e.error.clone()))
            .collect(),
        _ => Vec::new(),
    };
    let code = finish(report, &args.report, &outputs)?;
    first_file_error(&errors)?;
    Ok(code)
}

/// A file that did not parse or could not be read is an input error (exit 2), reported after
/// the findings of the others: the first one, and how many more.
fn first_file_error(errors: &[(String, String)]) -> Result<()> {
    match errors.first() {
        Some((path, error)) => {
            let more = match errors.len() {
                1 => String::new(),
                n => format!(" (and {} more files could not be read)", n - 1),
            };
            Err(Error::input(path.clone(), format!("{error}{more}")))
        }
        None => Ok(()),
    }
}

fn connect(live: &LiveArgs) -> Result<crate::docker_api::Connection> {
    let endpoint = crate::docker_api::resolve_endpoint(live.host.as_deref())?;
    crate::docker_api::Connection::open(endpoint, std::time::Duration::from_secs(live.timeout))
}

fn live_target(
    conn: &crate::docker_api::Connection,
    scanned: Vec<String>,
    notes: Vec<String>,
) -> Target {
    Target::Live(crate::engine::LiveTarget {
        endpoint: conn.endpoint.url.clone(),
        engine: conn.engine.clone(),
        server_version: conn.server_version.clone(),
        api_version: conn.api_version.clone(),
        scanned,
        notes,
    })
}

/// Renders, writes and turns the result into an exit code.
fn finish(report: Report, args: &ReportArgs, outputs: &[Output]) -> Result<u8> {
    let render = RenderOptions {
        sarif_category: args.sarif_category.clone(),
        show_suppressed: args.show_suppressed,
        relative_to: std::env::current_dir().ok(),
    };
    write_outputs(&report, outputs, &render)?;
    Ok(if report.failed() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

fn daemon_command(args: DaemonArgs) -> Result<u8> {
    let policy = policy(&args.report)?;
    let outputs = parse_outputs(&args.report)?;
    let conn = connect(&args.live)?;
    let (info, version) = conn.info()?;
    let mut daemon = crate::live::daemon::from_info(&info, &version);
    let mut scanned = vec![crate::live::daemon::LOCATION.to_string()];
    if let Some(path) = &args.daemon_config {
        let display: std::sync::Arc<str> =
            std::sync::Arc::from(path.display().to_string().as_str());
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let doc = crate::inputs::json::parse(&text)
            .map_err(|e| Error::input(path.display().to_string(), e))?;
        daemon.file_settings =
            crate::model::daemon::DaemonConfig::from_json(&display, &doc).file_settings;
        // With the daemon's own config file, what it leaves out is at dockerd's defaults.
        daemon.not_visible.clear();
        scanned.push(display.to_string());
    }
    if let Some(flags) = &args.dockerd_args {
        let file: std::sync::Arc<str> = std::sync::Arc::from("dockerd-args");
        let pos = crate::inputs::doc::Pos { line: 1, column: 1 };
        daemon.add_flags(
            &file,
            pos,
            &crate::inputs::shell_words::split_command_line(flags),
        );
        scanned.push("dockerd-args".into());
    }
    let notes = crate::live::daemon::notes(&daemon, &version);
    let daemons = [daemon];
    let models = crate::engine::Models {
        daemons: &daemons,
        ..Default::default()
    };
    let report = engine::judge(
        &policy,
        &models,
        &Default::default(),
        live_target(&conn, scanned, notes),
        |c| {
            c.runs
                .iter()
                .any(|r| matches!(r, crate::catalog::Run::Daemon(_)))
        },
    );
    finish(report, &args.report, &outputs)
}

fn node_command(args: crate::cli::NodeArgs) -> Result<u8> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let policy = policy_for(&args.report, &cwd, None, args.as_of.clone())?;
    let proc = args.proc.clone().or_else(|| {
        (args.root.canonicalize().ok().as_deref() == Some(std::path::Path::new("/")))
            .then(|| std::path::PathBuf::from("/proc"))
    });
    if let Some(every) = args.interval {
        let poster = args
            .report_to
            .as_deref()
            .map(|url| NodePoster::new(url, &args))
            .transpose()?;
        // A DaemonSet's loop: one JSON report per line on stdout, errors on stderr, never exit.
        loop {
            match node_report(&policy, &args.root, proc.as_deref()) {
                Ok((report, errors)) => {
                    let line = crate::report::json::render_line(&report);
                    if let Some(p) = &poster {
                        if let Err(e) = p.post(&line) {
                            eprintln!("stevedore: posting the report: {e}");
                        }
                    }
                    let mut out = std::io::stdout().lock();
                    use std::io::Write;
                    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                        return Ok(EXIT_OK); // the reader went away
                    }
                    for (path, error) in errors {
                        eprintln!("stevedore: {path}: {error}");
                    }
                }
                Err(e) => eprintln!("stevedore: {e}"),
            }
            std::thread::sleep(every);
        }
    }
    let outputs = parse_outputs(&args.report)?;
    let scan = match &args.image {
        Some(reference) => node_image(&args, reference)?,
        None => crate::node::read(&args.root, proc.as_deref())?,
    };
    let (report, errors) = node_judge(&policy, scan);
    let code = finish(report, &args.report, &outputs)?;
    first_file_error(&errors)?;
    Ok(code)
}

/// Posts a node's reports to `stevedore serve`, authorised by the node's projected token.
struct NodePoster {
    url: String,
    token_file: std::path::PathBuf,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl NodePoster {
    fn new(base: &str, args: &crate::cli::NodeArgs) -> Result<NodePoster> {
        let node = args
            .node_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                Error::usage("--report-to needs the node's name (--node-name or NODE_NAME)")
            })?;
        let token_file = args
            .token_file
            .clone()
            .ok_or_else(|| Error::usage("--report-to needs --token-file"))?;
        let base = base.trim_end_matches('/');
        let url = reqwest::Url::parse(base)
            .map_err(|e| Error::usage(format!("--report-to `{base}`: {e}")))?;
        let loopback =
            crate::source::registry::egress::is_loopback_host(url.host_str().unwrap_or(""));
        if !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
            return Err(Error::usage(
                "--report-to must be https:// (the token is a credential), or http:// on loopback",
            ));
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(60))
            .user_agent(concat!("stevedore/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &args.report_ca {
            let pem = std::fs::read(ca).map_err(|e| Error::io(ca, e))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| Error::input(ca.display().to_string(), e.to_string()))?;
            builder = builder.add_root_certificate(cert);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::input("runtime", e.to_string()))?;
        // The client's connector belongs to the runtime that drives it.
        let client = {
            let _guard = runtime.enter();
            builder
                .build()
                .map_err(|e| Error::input("--report-to", e.to_string()))?
        };
        Ok(NodePoster {
            url: format!("{base}/api/v1/nodes/{node}/reports"),
            token_file,
            client,
            runtime,
        })
    }

    fn post(&self, report: &str) -> std::result::Result<(), String> {
        let token = std::fs::read_to_string(&self.token_file)
            .map_err(|e| format!("{}: {e}", self.token_file.display()))?;
        let response = self
            .runtime
            .block_on(async {
                self.client
                    .post(&self.url)
                    .bearer_auth(token.trim())
                    .header("content-type", "application/json")
                    .body(report.to_string())
                    .send()
                    .await
            })
            .map_err(|e| format!("{}: {e}", self.url))?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            code => Err(format!("{}: HTTP {code}", self.url)),
        }
    }
}

/// A node OS image read in one pass into the flattened filesystem a node scan reads.
fn node_image(args: &crate::cli::NodeArgs, reference: &str) -> Result<crate::node::NodeScan> {
    let limits = Limits::default();
    let timeout = std::time::Duration::from_secs(args.live.timeout);
    let resolved = source::open(
        reference,
        &source::OpenOptions {
            platform: None,
            limits: limits.clone(),
            docker_host: args.live.host.clone(),
            timeout,
            registry: args.registry.options(timeout)?,
        },
    )?;
    let options = crate::image::ScanOptions {
        limits,
        wants: crate::node::image_wants(),
        input: reference.to_string(),
        progress: &|_| {},
        threads: 0,
        inventory: false,
        config_only: false,
    };
    let image = crate::image::scan(resolved, &options)?;
    Ok(crate::node::read_image(image.fs, reference))
}

/// One scan of a node: the report, and the files that could not be read.
fn node_report(
    policy: &Policy,
    root: &std::path::Path,
    proc: Option<&std::path::Path>,
) -> Result<(Report, Vec<(String, String)>)> {
    Ok(node_judge(policy, crate::node::read(root, proc)?))
}

/// The node's models through the node, daemon, runtime, kubelet and seccomp rules.
fn node_judge(policy: &Policy, scan: crate::node::NodeScan) -> (Report, Vec<(String, String)>) {
    let nodes = [scan.node];
    let models = crate::engine::Models {
        daemons: &scan.daemons,
        nodes: &nodes,
        runtimes: &scan.runtimes,
        seccomp: &scan.seccomp,
        kubelets: &scan.kubelets,
        ..Default::default()
    };
    let errors: Vec<(String, String)> = scan
        .target
        .errors
        .iter()
        .map(|e| (e.path.clone(), e.error.clone()))
        .collect();
    let report = engine::judge(
        policy,
        &models,
        &Default::default(),
        Target::Config(scan.target),
        crate::catalog::Check::reads_node,
    );
    (report, errors)
}

/// One image out of the daemon, read like any other (default limits).
fn scan_daemon_image(
    conn: &crate::docker_api::Connection,
    id: &str,
    policy: &Policy,
) -> Result<engine::ScannedImage> {
    let resolved = source::open_from_daemon(id, conn, &Limits::default())?;
    engine::scan_image(
        policy,
        resolved,
        &engine::ImageRead::quiet(format!("docker-daemon:{id}"), 0),
    )
}

fn containers_command(args: ContainersArgs) -> Result<u8> {
    let policy = policy(&args.report)?;
    let outputs = parse_outputs(&args.report)?;
    let conn = connect(&args.live)?;
    let inspected =
        conn.inspect_containers(&args.containers, args.all || !args.containers.is_empty())?;
    let mut specs = Vec::new();
    let mut profiles = Vec::new();
    let mut scanned = Vec::new();
    for c in &inspected {
        let (spec, profile) = crate::live::containers::from_inspect(c);
        scanned.push(spec.loc.file.to_string());
        specs.push(spec);
        profiles.extend(profile);
    }
    let models = crate::engine::Models {
        containers: &specs,
        seccomp: &profiles,
        ..Default::default()
    };
    let mut report = engine::judge(
        &policy,
        &models,
        &Default::default(),
        live_target(&conn, Vec::new(), Vec::new()),
        |c| {
            c.runs.iter().any(|r| {
                matches!(
                    r,
                    crate::catalog::Run::Container(_) | crate::catalog::Run::Seccomp(_)
                )
            })
        },
    );
    if args.images {
        for (id, name) in crate::live::containers::distinct_images(&inspected) {
            let image = scan_daemon_image(&conn, &name, &policy)?;
            let repo = image.image.repository_path();
            scanned.push(format!(
                "image {repo} ({})",
                id.chars().take(19).collect::<String>()
            ));
            report
                .findings
                .extend(image.report.findings.into_iter().map(|mut f| {
                    f.image = Some(repo.clone());
                    f
                }));
            report.unmatched.extend(image.report.unmatched);
        }
        report
            .checks
            .extend(policy.checks().iter().copied().filter(|c| c.reads_images()));
    }
    report.target = live_target(&conn, scanned, Vec::new());
    finish(report, &args.report, &outputs)
}

/// An API key from a file: at least 16 characters.
fn read_key(path: &std::path::Path) -> Result<String> {
    let key = std::fs::read_to_string(path)
        .map_err(|e| Error::io(path, e))?
        .trim()
        .to_string();
    if key.len() < 16 {
        return Err(Error::usage(format!(
            "{}: the API key must be at least 16 characters",
            path.display()
        )));
    }
    Ok(key)
}

/// `--allow-registry` entries as the puller will read references: a name docker would take for
/// a Docker Hub namespace is refused, not silently matched against another spelling.
fn allow_list(entries: &[String]) -> Result<Vec<String>> {
    use crate::source::registry::egress::{canonical_registry, looks_like_registry};
    entries
        .iter()
        .map(|e| {
            if looks_like_registry(e) {
                Ok(canonical_registry(e))
            } else {
                Err(Error::usage(format!(
                    "--allow-registry `{e}`: docker reads a name without `.` or `:` (other than localhost) as a Docker Hub namespace, so `{e}/app` would be pulled from docker.io; write the registry host as it appears in image references, with a domain or a port (`{e}.example.com`, `{e}:5000`)"
                )))
            }
        })
        .collect()
}

/// The database URL from `--database-url-file` or `STEVEDORE_DATABASE_URL`; `None` for neither.
fn database_url(
    file: Option<&std::path::Path>,
) -> Result<Option<crate::serve::store_pg::DatabaseUrl>> {
    let text = match file {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?),
        None => std::env::var("STEVEDORE_DATABASE_URL").ok(),
    };
    text.filter(|t| !t.trim().is_empty())
        .map(|t| crate::serve::store_pg::DatabaseUrl::parse(&t))
        .transpose()
}

fn migrate_command(args: crate::cli::MigrateArgs) -> Result<u8> {
    let Some(url) = database_url(args.database_url_file.as_deref())? else {
        return Err(Error::usage(
            "stevedore migrate needs --database-url-file FILE or STEVEDORE_DATABASE_URL",
        ));
    };
    let versions = crate::serve::store_pg::migrate(&url)?;
    println!(
        "schema at version {} ({} migrations applied)",
        versions.last().copied().unwrap_or(0),
        versions.len()
    );
    Ok(EXIT_OK)
}

fn serve_command(args: ServeArgs) -> Result<u8> {
    use std::time::Duration;
    let secs = Duration::from_secs;
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let config = ProjectConfig::discover(args.config.as_deref(), &cwd)?;
    let cli = CliPolicy {
        trust_image_labels: args.trust_image_ignores,
        trust_inline_ignores: args.trust_workload_ignores,
        ..Default::default()
    };
    let policy = Policy::new(&cli, config)?;
    let access = crate::serve::auth::Access {
        any_key: args.api_key_file.as_deref().map(read_key).transpose()?,
        role_keys: args
            .role_key_file
            .iter()
            .map(|(role, file)| Ok((*role, read_key(std::path::Path::new(file))?)))
            .collect::<Result<_>>()?,
        subjects: args.client_subject.clone(),
    };
    let registry = crate::source::registry::RegistryOptions {
        insecure: args.insecure_registry.clone(),
        sources: crate::source::credentials::Sources {
            no_global_env: true,
            files: args.registry_auth_file.clone(),
        },
        timeout: secs(args.scan_timeout),
        egress: crate::source::registry::egress::Egress {
            registries: Some(allow_list(&args.allow_registry)?),
            realms: args.allow_auth_realm.clone(),
            redirects: args.allow_blob_redirect.clone(),
            no_defaults: false,
        },
        ..Default::default()
    };
    let database = database_url(args.database_url_file.as_deref())?;
    let node_tokens = match &args.node_token_jwks {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let jwks = crate::serve::jwt::Jwks::parse(&text)
                .map_err(|e| Error::input(path.display().to_string(), e))?;
            let (ns, name) = args
                .node_service_account
                .split_once('/')
                .filter(|(n, s)| !n.is_empty() && !s.is_empty())
                .ok_or_else(|| Error::usage("--node-service-account is NAMESPACE/NAME"))?;
            Some(crate::serve::nodes::NodeTokens {
                jwks,
                audience: args.node_token_audience.clone(),
                issuer: args.node_token_issuer.clone(),
                service_account: (ns.to_string(), name.to_string()),
                keep: args.node_reports_keep,
                expiry_days: args.node_expiry_days,
            })
        }
        None => None,
    };
    let serve = crate::serve::ServeConfig {
        database,
        node_tokens,
        lease: secs(args.lease_seconds),
        listen: args.listen,
        admission_listen: args.admission_listen,
        access,
        state_dir: args.state_dir,
        workers: args.workers,
        admission_workers: args.admission_workers,
        queue: args.queue,
        scan_timeout: secs(args.scan_timeout),
        shutdown_timeout: secs(args.shutdown_timeout.unwrap_or(args.scan_timeout)),
        http: crate::serve::http::HttpLimits {
            max_connections: crate::serve::http::connection_cap(args.max_connections),
            tls_handshake: secs(args.tls_handshake_timeout),
            header: secs(args.header_timeout),
            body: secs(args.body_timeout),
            idle: secs(args.idle_timeout),
            body_limit: usize::try_from(args.body_limit).unwrap_or(usize::MAX),
        },
        registry,
        deny_on: args.deny_on,
        deny_pod_security: args
            .deny_pod_security
            .as_deref()
            .and_then(crate::pss::Level::parse),
        fail_open: args.fail_open,
        admission_config_only: args.admission_config_only,
        admission_deadline: args.admission_deadline,
        webhook_timeout: secs(args.webhook_timeout),
        require_digest: args.require_digest,
        workload_verdict: if args.workload_verdict == "warn" {
            crate::serve::admission::WorkloadVerdict::Warn
        } else {
            crate::serve::admission::WorkloadVerdict::Deny
        },
        exempt_namespaces: args.exempt_namespace,
        tls: args
            .tls_cert
            .zip(args.tls_key)
            .map(|(cert, key)| crate::serve::TlsFiles {
                cert,
                key,
                client_ca: args.client_ca,
            }),
    };
    crate::serve::run(serve, policy)?;
    Ok(EXIT_OK)
}

/// Where each rendering goes; `None` is standard output.
struct Output {
    format: Format,
    file: Option<std::path::PathBuf>,
}

fn parse_outputs(args: &ReportArgs) -> Result<Vec<Output>> {
    let mut outputs = Vec::new();
    let mut stdout_taken = false;
    for spec in &args.output {
        match spec.split_once('=') {
            // `WORD=FILE` names a format: a misspelt one is an error, not a file name.
            Some((fmt, file))
                if !fmt.is_empty()
                    && fmt.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
            {
                let format = fmt
                    .parse::<Format>()
                    .map_err(|e| Error::usage(format!("--output {spec}: {e}")))?;
                if file.is_empty() {
                    return Err(Error::usage(format!("--output {spec}: missing file name")));
                }
                outputs.push(Output {
                    format,
                    file: Some(file.into()),
                });
            }
            _ => {
                stdout_taken = true;
                outputs.push(Output {
                    format: args.format,
                    file: Some(spec.into()),
                });
            }
        }
    }
    if !stdout_taken {
        outputs.push(Output {
            format: args.format,
            file: None,
        });
    }
    Ok(outputs)
}

fn write_outputs(report: &Report, outputs: &[Output], options: &RenderOptions) -> Result<()> {
    for out in outputs {
        let text = report::render(report, out.format, options);
        match &out.file {
            Some(path) => {
                let plain = anstream::adapter::strip_str(&text).to_string();
                std::fs::write(path, plain).map_err(|e| Error::io(path, e))?;
            }
            None => write_stdout(&text)?,
        }
    }
    Ok(())
}

/// Writes to standard output; a reader that went away (`| head`) ends the output quietly.
fn write_stdout(text: &str) -> Result<()> {
    let mut stdout = anstream::stdout();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io("standard output", e))
        }
        _ => Ok(()),
    }
}

/// A byte progress bar on stderr, only on a terminal and only for images worth waiting for.
fn progress_bar(resolved: &source::Resolved, disabled: bool) -> indicatif::ProgressBar {
    const WORTH_A_BAR: u64 = 64 << 20;
    let total: Option<u64> = resolved.layers.iter().map(|l| l.size).sum();
    // Layer sizes a `docker save` archive does not record: the archive's own size says enough.
    let estimate = total.or_else(|| {
        std::fs::metadata(&resolved.path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len())
    });
    let big = estimate.is_none_or(|t| t >= WORTH_A_BAR);
    if disabled || !big || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = match total {
        Some(t) => indicatif::ProgressBar::new(t),
        None => indicatif::ProgressBar::no_length(),
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} scanning layers {bytes}/{total_bytes} {wide_bar} {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

fn completions(args: crate::cli::CompletionsArgs) -> Result<u8> {
    use clap::CommandFactory;
    let mut command = crate::cli::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "stevedore", &mut out);
    write_stdout(&String::from_utf8_lossy(&out))?;
    Ok(EXIT_OK)
}

fn man_page(args: crate::cli::ManArgs) -> Result<u8> {
    use clap::CommandFactory;
    let top = crate::cli::Cli::command();
    let page = match &args.command {
        None => top,
        Some(name) => {
            let sub = top.find_subcommand(name).cloned().ok_or_else(|| {
                Error::usage(format!("no subcommand `{name}` (see `stevedore --help`)"))
            })?;
            // Named like the page `man` looks for: stevedore-image(1). clap names are 'static;
            // this process prints one page and exits.
            let title: &'static str = Box::leak(format!("stevedore-{name}").into_boxed_str());
            sub.name(title)
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .map_err(|e| Error::io("man page", e))?;
    write_stdout(&String::from_utf8_lossy(&out))?;
    Ok(EXIT_OK)
}

fn rules_command(args: RulesArgs) -> Result<u8> {
    let text = match (&args.rule, args.format.as_str()) {
        (None, "markdown") => report::rules::markdown_table(),
        (None, "docs") => report::rules::rules_document(),
        (None, _) => report::rules::list(),
        (Some(token), format) => {
            let check = report::rules::find(token).ok_or_else(|| {
                Error::usage(format!("unknown rule `{token}` (see `stevedore rules`)"))
            })?;
            let md = report::rules::explain_markdown(check);
            if format == "text" {
                report::rules::markdown_to_terminal(&md)
            } else {
                md
            }
        }
    };
    write_stdout(&text)?;
    Ok(EXIT_OK)
}
