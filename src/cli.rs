//! Command-line definitions only.

use crate::catalog::Severity;
use crate::project_config::FailOn;
use crate::report::Format;
use crate::source::Platform;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "stevedore",
    version,
    about = "Static security linter for containers: images, daemon and runtime settings, seccomp profiles",
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan an image: an archive, an OCI layout, the local daemon's image or a registry's.
    #[command(after_long_help = IMAGE_FORMS)]
    Image(Box<ImageArgs>),
    /// Lint configuration files: daemon.json, dockerd units, seccomp profiles, compose files,
    /// Kubernetes manifests, Dockerfiles. Directories are searched (honouring .gitignore);
    /// `-` reads one document from standard input (with --kind).
    Config(Box<ConfigArgs>),
    /// Audit the running Docker daemon's settings through its API (the DMN rules).
    Daemon(Box<DaemonArgs>),
    /// Audit containers' runtime settings through the Docker API (the CTR rules).
    Containers(Box<ContainersArgs>),
    /// Audit a node from its root filesystem, without running anything on it: Docker's host
    /// files, audit rules and daemon configuration (the NODE and DMN rules).
    Node(Box<NodeArgs>),
    /// Serve the Harbor scanner API, registry push events and Kubernetes admission.
    Serve(Box<ServeArgs>),
    /// Bring a PostgreSQL result store's schema up to date (run with a role that may change
    /// it; replicas then need data rights only).
    Migrate(MigrateArgs),
    /// List the rules, or explain one (`stevedore rules IMG001`).
    Rules(RulesArgs),
    /// Install or remove the git pre-push hook that lints the configuration files being pushed.
    #[command(subcommand)]
    Hook(HookCommand),
    /// Print a shell completion script: `stevedore completions bash > /etc/bash_completion.d/stevedore`.
    Completions(CompletionsArgs),
    /// Print the man page (roff): `stevedore man | man -l -`, or `stevedore man image`.
    Man(ManArgs),
}

/// Where the shared database is: a file holding its URL, or `STEVEDORE_DATABASE_URL` (never the
/// command line: `/proc/PID/cmdline` is readable by every user).
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// File holding the PostgreSQL URL (`postgres://user:password@host/db?sslmode=verify-full`).
    #[arg(long, value_name = "FILE")]
    pub database_url_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A subcommand's own page (`image`, `config`, …); default: the main page.
    pub command: Option<String>,
}

/// Every form `stevedore image` accepts, with an example each (`image --help`).
const IMAGE_FORMS: &str = "\
Images:
  docker-archive:PATH[:REPO:TAG|:@N]   a `docker save` archive, plain or gzip
                                       stevedore image docker-archive:app.tar
  oci:DIR[:REF]                        an OCI image layout directory
                                       stevedore image oci:build/app-oci:1.0
  oci-archive:PATH[:REF]               an OCI image layout as a tar
                                       stevedore image oci-archive:app-oci.tar
  docker-daemon:NAME[:TAG|@DIGEST]     an image in the local Docker daemon (or --host)
                                       stevedore image docker-daemon:nginx:1.27
  docker://REGISTRY/REPO[:TAG|@DIGEST] straight from a registry
                                       stevedore image docker://ghcr.io/org/app:1.4
  PATH                                 a file or directory, its kind detected; a path that does
                                       not exist is an error, never a registry lookup
                                       stevedore image ./app.tar
  NAME[:TAG]                           the local daemon first, then the registry
                                       stevedore image nginx:1.27\n";

#[derive(Debug, clap::Subcommand)]
pub enum HookCommand {
    /// Write the pre-push hook into this repository's hooks directory (core.hooksPath honoured).
    Install(HookInstallArgs),
    /// Remove a pre-push hook this command installed.
    Uninstall,
    /// What the installed hook runs: reads git's pre-push lines on standard input and lints the
    /// configuration files changed by the commits being pushed.
    PrePush(Box<HookPrePushArgs>),
}

#[derive(Debug, Args)]
pub struct HookInstallArgs {
    /// Block the push at or above this level (critical, high, medium, low, info, none).
    /// Default: the project config's, else medium.
    #[arg(long, value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
    /// Replace a pre-push hook that stevedore did not write.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct HookPrePushArgs {
    /// The remote's name, as git passes it.
    pub remote: Option<String>,
    /// The remote's URL, as git passes it.
    pub url: Option<String>,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// How to reach registries; shared by `image` and `serve`.
#[derive(Debug, Args)]
pub struct RegistryArgs {
    /// Registry credentials USER:PASSWORD (else STEVEDORE_REGISTRY_USERNAME/_PASSWORD, the docker
    /// config or REGISTRY_AUTH_FILE, and its credential helpers; Harbor scan requests bring their
    /// own).
    #[arg(
        long,
        value_name = "USER:PASSWORD",
        env = "STEVEDORE_REGISTRY_CREDS",
        hide_env_values = true
    )]
    pub creds: Option<String>,
    /// Talk plain HTTP to every registry.
    #[arg(long)]
    pub plain_http: bool,
    /// Talk plain HTTP to this registry (HOST[:PORT]); repeatable. Loopback too must be named.
    #[arg(long, value_name = "HOST[:PORT]")]
    pub insecure_registry: Vec<String>,
    /// Send REGISTRY's credentials to its token realm on HOST (a realm on the registry's own
    /// host, and the public registries' token services, need no flag); repeatable.
    #[arg(long, value_name = "REGISTRY=HOST", value_parser = parse_pair)]
    pub allow_auth_realm: Vec<crate::source::registry::egress::Pair>,
}

impl RegistryArgs {
    pub fn options(
        &self,
        timeout: std::time::Duration,
    ) -> crate::error::Result<crate::source::registry::RegistryOptions> {
        Ok(crate::source::registry::RegistryOptions {
            plain_http: self.plain_http,
            insecure: self.insecure_registry.clone(),
            creds: self
                .creds
                .as_deref()
                .map(crate::source::credentials::parse_creds)
                .transpose()?,
            timeout,
            egress: crate::source::registry::egress::Egress {
                realms: self.allow_auth_realm.clone(),
                ..Default::default()
            },
            ..Default::default()
        })
    }
}

/// How to reach a Docker daemon.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Daemon socket: unix:///path or tcp://host:port. Default: DOCKER_HOST, the current docker
    /// context, the rootless socket, /var/run/docker.sock.
    #[arg(short = 'H', long, value_name = "URL")]
    pub host: Option<String>,
    /// Seconds to wait for the daemon on each call.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (keep to loopback unless behind TLS and a network policy).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// A second listener serving only the admission route, without API keys (the Kubernetes API
    /// server sends none): TLS unless loopback; let only the API server reach it.
    #[arg(long, value_name = "ADDR")]
    pub admission_listen: Option<std::net::SocketAddr>,
    /// File holding an API key accepted for every route, sent as `Authorization: Bearer KEY` or
    /// `X-ScannerAdapter-API-Key: KEY`. Prefer one key per role (--role-key-file).
    #[arg(long, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,
    /// File holding the API key of one role: harbor, events, admission or reports; repeatable.
    #[arg(long, value_name = "ROLE=FILE", value_parser = parse_role_value)]
    pub role_key_file: Vec<(crate::serve::auth::Role, String)>,
    /// A client certificate (signed by --client-ca) whose subjectAltName holds NAME may call
    /// ROLE's routes; repeatable. Other certificates the CA signed get 403.
    #[arg(long, value_name = "ROLE=NAME", value_parser = parse_role_value)]
    pub client_subject: Vec<(crate::serve::auth::Role, String)>,
    /// Where scan results and queued jobs are kept (SQLite).
    #[arg(long, default_value = "stevedore-state")]
    pub state_dir: PathBuf,
    /// Accept node reports (`POST /api/v1/nodes/NAME/reports`) from the node-scan DaemonSet,
    /// authorised by its projected ServiceAccount token checked against this JWKS (the API
    /// server's `/openid/v1/jwks`).
    #[arg(long, value_name = "FILE")]
    pub node_token_jwks: Option<PathBuf>,
    /// The audience the node-scan tokens are projected for.
    #[arg(long, default_value = "stevedore")]
    pub node_token_audience: String,
    /// The issuer node-scan tokens must name (`iss`: the API server's
    /// `--service-account-issuer`); when unset, any issuer whose key is in the JWKS passes.
    #[arg(long, value_name = "URL")]
    pub node_token_issuer: Option<String>,
    /// The node-scan DaemonSet's service account, NAMESPACE/NAME.
    #[arg(long, default_value = "stevedore-node/stevedore-node")]
    pub node_service_account: String,
    /// Reports kept per node (the newest).
    #[arg(long, default_value_t = 10)]
    pub node_reports_keep: usize,
    /// Nodes not seen for this many days are forgotten.
    #[arg(long, default_value_t = 14)]
    pub node_expiry_days: i64,
    /// Seconds a replica's claim on a scan holds without its heartbeat: when a replica dies,
    /// another takes its jobs after this.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub lease_seconds: u64,
    /// Keep results and jobs in PostgreSQL instead, shared by replicas: a file holding its URL
    /// (or set STEVEDORE_DATABASE_URL). `sslmode=verify-full` unless a Unix socket or loopback.
    #[arg(long, value_name = "FILE")]
    pub database_url_file: Option<PathBuf>,
    /// Scans run at once for Harbor, push events and admission together.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Further workers that run admission scans only (a flood of push events cannot starve them).
    #[arg(long, default_value_t = 1)]
    pub admission_workers: usize,
    /// Scans waiting at most, per lane; beyond, requests get 503 with Retry-After.
    #[arg(long, default_value_t = 64)]
    pub queue: usize,
    /// Seconds one scan may take, from the first byte asked to the stored result.
    #[arg(long, default_value_t = 300)]
    pub scan_timeout: u64,
    /// Seconds to finish requests and scans in progress after SIGTERM (default: --scan-timeout).
    #[arg(long)]
    pub shutdown_timeout: Option<u64>,
    /// Largest request body accepted.
    #[arg(long, default_value = "1MiB", value_parser = parse_size)]
    pub body_limit: u64,
    /// Connections open at once at most (lowered to fit the process's file limit); at the cap
    /// the connection idle the longest is closed.
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers.
    #[arg(long, default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, default_value_t = 30)]
    pub body_timeout: u64,
    /// Seconds an idle keep-alive connection stays open.
    #[arg(long, default_value_t = 60)]
    pub idle_timeout: u64,
    /// Seconds a client has to finish the TLS handshake.
    #[arg(long, default_value_t = 10)]
    pub tls_handshake_timeout: u64,
    /// Registries (HOST[:PORT]) the server may pull from; repeatable. Nothing else is contacted
    /// but their paired token realms and redirect hosts.
    #[arg(long, value_name = "HOST[:PORT]")]
    pub allow_registry: Vec<String>,
    /// Talk plain HTTP to this allowed registry (HOST[:PORT]); repeatable. Every other registry is
    /// reached over TLS, whatever a request asks.
    #[arg(long, value_name = "HOST[:PORT]")]
    pub insecure_registry: Vec<String>,
    /// Docker-config file (`auths`) with per-registry credentials; read before REGISTRY_AUTH_FILE
    /// and the docker config. Credentials never come from the command line.
    #[arg(long, value_name = "FILE")]
    pub registry_auth_file: Vec<PathBuf>,
    /// Pair a registry with the host of its token realm: the realm may be contacted and receives
    /// that registry's credentials; repeatable.
    #[arg(long, value_name = "REGISTRY=HOST", value_parser = parse_pair)]
    pub allow_auth_realm: Vec<crate::source::registry::egress::Pair>,
    /// Hosts a registry may redirect manifest and blob downloads to (object storage, CDNs):
    /// `*` matches within one DNS label, a leading `**.` any subdomains; repeatable.
    #[arg(long, value_name = "REGISTRY=HOST_PATTERN", value_parser = parse_pair)]
    pub allow_blob_redirect: Vec<crate::source::registry::egress::Pair>,
    /// Admission denies at or above this severity.
    #[arg(long, default_value = "high", value_parser = parse_severity)]
    pub deny_on: Severity,
    /// Deny pods (and workloads' pod templates) below this Pod Security level, judged by
    /// stevedore's evaluator at the newest version of the standard: baseline or restricted.
    #[arg(long, value_name = "LEVEL", value_parser = ["baseline", "restricted"])]
    pub deny_pod_security: Option<String>,
    /// Allow admission when stevedore cannot judge (default: deny).
    #[arg(long)]
    pub fail_open: bool,
    /// Let images' own `stevedore.ignore` labels suppress rules (they cannot by default).
    #[arg(long)]
    pub trust_image_ignores: bool,
    /// Let the `stevedore.dev/ignore` annotation of the object under admission review suppress
    /// rules (it cannot by default: the workload would exempt itself). Operator exceptions
    /// belong in --config (`namespaces:` and `exceptions:`).
    #[arg(long)]
    pub trust_workload_ignores: bool,
    /// Admission judges images without a full result by manifest and config only (faster, no
    /// file rules; a full scan is queued and the warning says so).
    #[arg(long)]
    pub admission_config_only: bool,
    /// Seconds admission may spend on a review (at least 2 s below --webhook-timeout).
    #[arg(long, default_value = "8", value_parser = parse_seconds)]
    pub admission_deadline: std::time::Duration,
    /// The `timeoutSeconds` of the ValidatingWebhookConfiguration (1–30; Kubernetes' default 10).
    #[arg(long, default_value_t = 10)]
    pub webhook_timeout: u64,
    /// Deny images named by tag: only `@sha256:` references are admitted.
    #[arg(long)]
    pub require_digest: bool,
    /// Workload objects (Deployment, StatefulSet, …) with findings at --deny-on: `deny` (the
    /// person applying sees why at once) or `warn` (their pods are denied later).
    #[arg(long, value_parser = ["deny", "warn"], default_value = "deny")]
    pub workload_verdict: String,
    /// Admit everything in this namespace (besides the webhook's namespaceSelector); repeatable.
    #[arg(long, value_name = "NAMESPACE")]
    pub exempt_namespace: Vec<String>,
    /// TLS certificate (PEM); with --tls-key, serve HTTPS.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// CA whose client certificates open the routes --client-subject allows them (mTLS).
    #[arg(long, requires = "tls_cert")]
    pub client_ca: Option<PathBuf>,
    /// The server's policy file (the .stevedore.yaml format): rule selection, severities,
    /// accepted paths, `namespaces:` and `exceptions:` for admission.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DaemonArgs {
    #[command(flatten)]
    pub live: LiveArgs,
    /// Also judge this daemon.json (settings the API does not show, such as icc).
    #[arg(long, value_name = "FILE")]
    pub daemon_config: Option<PathBuf>,
    /// Also judge these dockerd flags, e.g. "--icc=false --no-new-privileges".
    #[arg(long, value_name = "FLAGS", allow_hyphen_values = true)]
    pub dockerd_args: Option<String>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The node's root filesystem: `/` (the host), a host root mounted into a pod (`/host`), an
    /// unpacked machine image. Paths and symlinks are resolved inside it.
    #[arg(long, default_value = "/", value_name = "DIR")]
    pub root: PathBuf,
    /// The node's /proc, to read how its services were actually started (default: /proc when
    /// the root is /; none otherwise).
    #[arg(long, value_name = "DIR")]
    pub proc: Option<PathBuf>,
    /// Judge the OS's end of life as of this day (YYYY-MM-DD); default today.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Keep running (a DaemonSet cannot exit): scan every DURATION (`30s`, `15m`, `6h`) and
    /// print one JSON report per line.
    #[arg(long, value_name = "DURATION", value_parser = parse_interval)]
    pub interval: Option<std::time::Duration>,
    /// With --interval: also post each report to this `stevedore serve`
    /// (`https://stevedore.stevedore.svc`), as `POST /api/v1/nodes/NODE/reports`.
    #[arg(long, value_name = "URL", requires_all = ["interval", "token_file"])]
    pub report_to: Option<String>,
    /// The node's name for --report-to (the DaemonSet sets it from `spec.nodeName`).
    #[arg(long, env = "NODE_NAME", value_name = "NAME")]
    pub node_name: Option<String>,
    /// The projected ServiceAccount token that proves which node this is; read again for
    /// every report (the kubelet rotates it).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// The CA that signed the server's certificate, for --report-to (default: the system's).
    #[arg(long, value_name = "FILE")]
    pub report_ca: Option<PathBuf>,
    /// Judge a node OS image instead of a root directory: any reference `stevedore image`
    /// takes (an archive, an OCI layout, the daemon's image, a registry's), read in one pass
    /// into its flattened filesystem.
    #[arg(long, value_name = "REF", conflicts_with_all = ["proc", "interval"])]
    pub image: Option<String>,
    #[command(flatten)]
    pub live: LiveArgs,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct ContainersArgs {
    /// Container names or ids; default: every running container (with --all, every container).
    pub containers: Vec<String>,
    /// Include created and exited containers.
    #[arg(short, long)]
    pub all: bool,
    /// Also scan each distinct image the containers run (streamed out of the daemon).
    #[arg(long)]
    pub images: bool,
    #[command(flatten)]
    pub live: LiveArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Files or directories; `-` for standard input.
    #[arg(required_unless_present = "compose_file")]
    pub paths: Vec<String>,
    /// Compose files merged in order into one project, as `docker compose -f A -f B` runs them
    /// (repeat the flag; no default override is merged then).
    #[arg(long, value_name = "FILE")]
    pub compose_file: Vec<String>,
    /// What the inputs are, instead of detecting it.
    #[arg(long, value_parser = kind_parser())]
    pub kind: Option<crate::inputs::load::Kind>,
    /// dockerd command-line flags to lint with daemon.json, e.g. "-H tcp://0.0.0.0:2376 --tlsverify".
    #[arg(long, value_name = "FLAGS", allow_hyphen_values = true)]
    pub dockerd_args: Option<String>,
    /// The Dockerfile stage that ships (default: the last one).
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,
    /// Grade a compose project even when part of it cannot be read (a missing `include:`,
    /// `extends:` file or `env_file`, an unreadable `.env`); the parts left out are listed as
    /// skipped. Without it, such a project is an error: a partial view must not pass a gate.
    #[arg(long)]
    pub allow_partial: bool,
    /// Files larger than this are skipped.
    #[arg(long, default_value = "8MiB", value_parser = parse_size)]
    pub max_file_size: u64,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Set by the pre-push hook: only findings in these files count.
    #[arg(skip)]
    pub changed_files: Option<Vec<String>>,
    /// Set by the pre-push hook: relative paths (and the project config) are found below this
    /// directory instead of the working directory.
    #[arg(skip)]
    pub root: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImageArgs {
    /// The image: PATH, docker-archive:PATH, oci:DIR, oci-archive:PATH, docker-daemon:NAME,
    /// docker://REGISTRY/REPO:TAG or NAME[:TAG] (every form with an example: --help).
    pub image: String,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Platform to pick from a multi-platform image: os/arch[/variant]. Default: linux/<host arch>.
    #[arg(long, value_parser = parse_platform)]
    pub platform: Option<Platform>,
    /// Bytes read from a file whose contents a rule needs (e.g. 1MiB).
    #[arg(long, default_value = "1MiB", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Total uncompressed layer bytes per image.
    #[arg(long, default_value = "64GiB", value_parser = parse_size)]
    pub max_image_size: u64,
    /// Bytes of a manifest, index or config JSON document.
    #[arg(long, default_value = "8MiB", value_parser = parse_size)]
    pub max_json_size: u64,
    /// Layers per image.
    #[arg(long, default_value_t = 1000)]
    pub max_layers: usize,
    /// Judge end-of-life data as of this day (YYYY-MM-DD); default today.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub live: LiveArgs,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Read only the manifest and config, no layer: the rules that need no files (fast verdicts).
    #[arg(long)]
    pub config_only: bool,
    /// The Dockerfile the image was built from: each finding points at the instruction that
    /// caused it (SARIF then annotates that line).
    #[arg(long, value_name = "PATH")]
    pub dockerfile: Option<PathBuf>,
    /// With --dockerfile: the stage that was built (`docker build --target`); default the last.
    #[arg(long, value_name = "STAGE", requires = "dockerfile")]
    pub target: Option<String>,
    /// Skip the OS and package inventory (for measuring its cost; the OS rules then say nothing).
    #[arg(long, hide = true)]
    pub no_inventory: bool,
    /// Threads that read layers (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// Options shared by every scanning command.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Format written to standard output (or to a plain --output FILE).
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write a report to a file: FILE (in --format) or FORMAT=FILE; repeatable, e.g.
    /// `-o sarif=out.sarif -o json=out.json` while text still goes to standard output.
    #[arg(short, long, value_name = "[FORMAT=]FILE")]
    pub output: Vec<String>,
    /// Exit 1 when a finding is at or above this level: critical, high, medium, low, info, none.
    /// Default: the config file's, else medium.
    #[arg(long, value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
    /// Run only these rules (ids, names or families such as IMG, FS); comma-separated or repeated.
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Run exactly the rules of a Pod Security level: pss-baseline, or pss-restricted (baseline
    /// and restricted); combined with --select, either may select a rule.
    #[arg(long, value_parser = ["pss-baseline", "pss-restricted"])]
    pub profile: Option<String>,
    /// Do not run these rules (ids, names or families).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Override a rule's severity: RULE=LEVEL; repeatable.
    #[arg(long, value_name = "RULE=LEVEL", value_parser = parse_severity_override)]
    pub severity: Vec<(String, Severity)>,
    /// Accept an env or label name for every rule (e.g. a public DSN); repeatable.
    #[arg(long, value_name = "NAME")]
    pub accept_key: Vec<String>,
    /// Accept an in-image path (glob) for every rule; repeatable.
    #[arg(long, value_name = "PATH")]
    pub accept_file: Vec<String>,
    /// Report and fail only on findings not in this earlier JSON report (matched by rule and
    /// fingerprint); the others are listed as suppressed.
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// Do not let an image's own `stevedore.ignore` label suppress rules.
    #[arg(long)]
    pub ignore_image_labels: bool,
    /// Honour no suppression written inside the scanned inputs (`# stevedore:ignore` comments,
    /// the `stevedore.dev/ignore` annotation, compose `x-stevedore-ignore`, the image's label):
    /// only the project config and the command line suppress. For CI on pull requests, where
    /// the change under review could otherwise silence its own findings.
    #[arg(long)]
    pub no_inline_ignores: bool,
    /// Project config file. Default: the nearest .stevedore.yaml from the working directory up.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// SARIF automationDetails.id (GitHub's category), e.g. `stevedore/image`.
    #[arg(long)]
    pub sarif_category: Option<String>,
    /// Never draw a progress bar (it is only drawn on a terminal, for large images).
    #[arg(long)]
    pub no_progress: bool,
    /// Text output: list the findings the baseline suppresses one by one (they are counted
    /// either way; JSON and SARIF always carry them).
    #[arg(long)]
    pub show_suppressed: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule id or name to explain.
    pub rule: Option<String>,
    /// `markdown` prints the README table (or one rule's documentation); `docs` prints docs/rules.md.
    #[arg(long, value_parser = ["text", "markdown", "docs"], default_value = "text")]
    pub format: String,
}

fn parse_role_value(s: &str) -> Result<(crate::serve::auth::Role, String), String> {
    let (role, value) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected ROLE=VALUE"))?;
    Ok((role.parse()?, value.trim().to_string()))
}

fn parse_seconds(s: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = s
        .trim()
        .trim_end_matches('s')
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !(0.1..=3600.0).contains(&secs) {
        return Err(format!("`{s}`: between 0.1 and 3600 seconds"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// `30s`, `15m`, `6h`, `1d`: at least 10 seconds, at most a week.
fn parse_interval(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let (number, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{s}`: a number and a unit (s, m, h, d), e.g. 15m"))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => return Err(format!("`{s}`: a number and a unit (s, m, h, d), e.g. 15m")),
    };
    if !(10..=7 * 86_400).contains(&secs) {
        return Err(format!("`{s}`: between 10s and 7d"));
    }
    Ok(std::time::Duration::from_secs(secs))
}

fn parse_pair(s: &str) -> Result<crate::source::registry::egress::Pair, String> {
    crate::source::registry::egress::Pair::parse(s)
}

/// `--kind`: the names `Kind` knows, listed in `--help`.
fn kind_parser() -> impl clap::builder::TypedValueParser<Value = crate::inputs::load::Kind> {
    use crate::inputs::load::Kind;
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Kind::ALL.map(Kind::name))
        .map(|name: String| Kind::parse(&name).unwrap_or(Kind::Compose))
}

fn parse_platform(s: &str) -> Result<Platform, String> {
    s.parse()
}

fn parse_size(s: &str) -> Result<u64, String> {
    crate::limits::parse_size(s)
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    s.parse()
}

fn parse_severity_override(s: &str) -> Result<(String, Severity), String> {
    let (rule, level) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected RULE=LEVEL"))?;
    Ok((rule.trim().to_string(), level.parse()?))
}
