//! The one place policy lives: which checks run, which findings are suppressed (the project
//! config, the operator's namespace sections and exceptions, inline suppressions where trusted,
//! the baseline), what severity they carry and whether the run fails. Checks only emit raw
//! findings; reporters only render.

use super::report::Finding;
use crate::catalog::{Check, RawFinding, Run, Settings, Severity, Sink, Subject};
use crate::checks::CATALOG;
use crate::error::{Error, Result};
use crate::image::Image;
use crate::image::wants::WantSet;
use crate::oci::digest::hex;
use crate::project_config::{FailOn, ProjectConfig};
use sha2::{Digest as _, Sha256};

/// The default `--fail-on`.
pub const DEFAULT_FAIL_ON: FailOn = FailOn::Severity(Severity::Medium);

/// Policy given on the command line; it wins over the project config.
#[derive(Debug, Default, Clone)]
pub struct CliPolicy {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<FailOn>,
    /// `RULE=LEVEL` pairs.
    pub severity: Vec<(String, Severity)>,
    /// `--accept-key NAME`: env or label names accepted for every rule.
    pub accept_keys: Vec<String>,
    /// `--accept-file GLOB`: in-image paths accepted for every rule.
    pub accept_files: Vec<String>,
    /// Whether an image's own `stevedore.ignore` label may suppress rules. True for the CLI
    /// (the user chose the image); a registry-facing server must not trust it by default.
    pub trust_image_labels: bool,
    /// Whether suppressions written inside the scanned files may suppress rules: `# stevedore:ignore`
    /// comments, the `stevedore.dev/ignore` annotation, compose `x-stevedore-ignore`. True for the
    /// CLI (the author is the one asking) unless `--no-inline-ignores`; false in admission, where
    /// the object under review would otherwise exempt itself.
    pub trust_inline_ignores: bool,
    /// `--baseline`: findings of an earlier report, suppressed.
    pub baseline: Option<crate::baseline::Baseline>,
    /// The pre-push hook: the files the push changes. Findings located in other files (a main
    /// compose file read for context) are suppressed: they are not what this push brings.
    pub changed_files: Option<Vec<String>>,
    /// `--as-of`: the day end-of-life data is judged against (image scans).
    pub as_of: Option<String>,
}

impl InlineIgnores {
    /// The image's own label, when it is trusted.
    fn label_suppression(&self, check: &Check, subject: &Subject) -> Option<Suppression> {
        (matches!(
            subject,
            Subject::ImageConfig { .. } | Subject::ImageFile { .. } | Subject::ImageHistory { .. }
        ) && self.image_label.iter().any(|t| selects(t, check)))
        .then(|| Suppression {
            baseline: false,
            kind: "inSource",
            justification: format!("the image's {IGNORE_LABEL} label suppresses {}", check.id),
        })
    }

    fn suppression(&self, check: &Check, subject: &Subject) -> Option<Suppression> {
        if let Some(s) = self.label_suppression(check, subject) {
            return Some(s);
        }
        let Subject::File { path, line, .. } = subject else {
            return None;
        };
        self.entries
            .iter()
            .find(|e| {
                e.file == *path
                    && e.lines.contains(line)
                    && e.rules.iter().any(|t| t == "all" || selects(t, check))
            })
            .map(|e| Suppression {
                baseline: false,
                kind: "inSource",
                justification: format!("suppressed by {} in {path}", e.how),
            })
    }
}

pub use crate::suppress::{IMAGE_LABEL as IGNORE_LABEL, InlineIgnore, InlineIgnores};

/// Everything one scan produced for the rules to read.
#[derive(Default)]
pub struct Models<'a> {
    pub image: Option<&'a Image>,
    pub daemons: &'a [crate::model::daemon::DaemonConfig],
    pub seccomp: &'a [crate::model::seccomp::SeccompProfile],
    pub containers: &'a [crate::model::container::ContainerSpec],
    pub recipes: &'a [crate::model::recipe::BuildRecipe],
    pub nodes: &'a [crate::model::node::NodeConfig],
    pub runtimes: &'a [crate::model::runtime::RuntimeConfig],
    pub kubelets: &'a [crate::model::kubelet::KubeletConfig],
    /// Kubernetes objects beyond their containers.
    pub cluster: Option<&'a crate::model::kube::Cluster>,
}

/// Whether `token` (an id, a name or a family prefix such as `FS`) names `check`.
pub fn selects(token: &str, check: &Check) -> bool {
    let t = token.trim();
    t.eq_ignore_ascii_case(check.id) || t == check.name || t.eq_ignore_ascii_case(check.family())
}

fn validate(tokens: &[String], origin: &str) -> Result<()> {
    for t in tokens {
        if !CATALOG.iter().any(|c| selects(t, c)) {
            return Err(Error::usage(format!(
                "{origin}: unknown rule `{t}` (see `stevedore rules`; ids, names and families such as IMG or FS work)"
            )));
        }
    }
    Ok(())
}

/// Why a finding is suppressed. Suppressed findings stay in JSON and SARIF.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suppression {
    /// Whether it is `--baseline` that suppresses (text output counts those rather than list
    /// them, unless `--show-suppressed`).
    pub baseline: bool,
    /// SARIF suppression kind: `external` (config file) or `inSource` (inline comment).
    pub kind: &'static str,
    pub justification: String,
}

pub struct Policy {
    checks: Vec<&'static Check>,
    fail_on: FailOn,
    severity: Vec<(&'static str, Severity)>,
    config: ProjectConfig,
    accept_keys: Vec<String>,
    accept_files: Vec<globset::GlobMatcher>,
    trust_image_labels: bool,
    trust_inline_ignores: bool,
    exceptions: Vec<CompiledException>,
    cli_as_of: Option<String>,
    baseline: Option<crate::baseline::Baseline>,
    changed_files: Option<Vec<String>>,
}

/// Where a Kubernetes object lives: what the operator's namespace sections and exceptions match.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    pub namespace: Option<&'a str>,
    /// The object's name, its owners' names, and the Deployment behind a ReplicaSet's pod.
    pub workloads: &'a [String],
}

impl<'a> Scope<'a> {
    pub fn of(spec: &'a crate::model::container::ContainerSpec) -> Scope<'a> {
        Scope {
            namespace: spec.namespace.as_deref(),
            workloads: &spec.workloads,
        }
    }
}

/// The object a batch of findings is about: what it asks to ignore, and what an operator's
/// exception may name it by.
#[derive(Clone)]
struct Owner<'a> {
    ignores: &'a [String],
    ignore_how: &'a str,
    file: &'a str,
    object: String,
    scope: Scope<'a>,
}

impl<'a> Owner<'a> {
    fn spec(spec: &'a crate::model::container::ContainerSpec) -> Owner<'a> {
        Owner {
            ignores: &spec.ignores,
            ignore_how: &spec.ignore_how,
            file: &spec.loc.file,
            object: super::unmatched::object_of(spec),
            scope: Scope::of(spec),
        }
    }

    fn object(o: &'a crate::model::kube::KubeObject) -> Owner<'a> {
        Owner {
            ignores: &o.ignores,
            ignore_how: &o.ignore_how,
            file: &o.loc.file,
            object: o.title(),
            scope: Scope {
                namespace: o.namespace.as_deref(),
                workloads: &o.workloads,
            },
        }
    }
}

/// An operator exception, ready to match.
struct CompiledException {
    rule: String,
    namespace: Option<globset::GlobMatcher>,
    workload: Option<globset::GlobMatcher>,
    reason: String,
    expires: Option<String>,
    scope: String,
}

impl CompiledException {
    fn matches(&self, check: &Check, scope: &Scope) -> bool {
        selects(&self.rule, check)
            && self
                .namespace
                .as_ref()
                .is_none_or(|g| scope.namespace.is_some_and(|ns| g.is_match(ns)))
            && self
                .workload
                .as_ref()
                .is_none_or(|g| scope.workloads.iter().any(|w| g.is_match(w)))
    }

    fn expired(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|e| e < today)
    }
}

/// A name glob (`team-*`) for namespaces and workloads.
fn name_glob(pattern: &str) -> std::result::Result<globset::GlobMatcher, globset::Error> {
    Ok(globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()?
        .compile_matcher())
}

/// A path glob where `*` stays within one path component and `**` crosses them.
fn path_glob(pattern: &str) -> std::result::Result<globset::GlobMatcher, globset::Error> {
    Ok(globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()?
        .compile_matcher())
}

impl Policy {
    pub fn new(cli: &CliPolicy, config: ProjectConfig) -> Result<Policy> {
        validate(&cli.select, "--select")?;
        validate(&cli.ignore, "--ignore")?;
        let config_name = config
            .path
            .as_ref()
            .map_or(".stevedore.yaml".to_string(), |p| p.display().to_string());
        let ignored: Vec<String> = config.ignore.iter().map(|i| i.rule().to_string()).collect();
        validate(&ignored, &config_name)?;
        if let Some(p) = config.kubernetes.provider.as_deref() {
            let known = crate::checks::exposure::PROVIDERS;
            if !known.contains(&p) {
                return Err(config.error(format!(
                    "kubernetes.provider: unknown provider `{p}` (one of {})",
                    known.join(", ")
                )));
            }
        }
        validate(
            &config.accept.keys().cloned().collect::<Vec<_>>(),
            &config_name,
        )?;
        for items in config.accept.values() {
            for item in items {
                if let Some(p) = item.path() {
                    path_glob(p)
                        .map_err(|e| config.error(format!("accept: bad pattern `{p}`: {e}")))?;
                } else if item.key().is_none() {
                    return Err(config.error("accept: an entry needs a path or a key".into()));
                }
            }
        }
        let accept_files = cli
            .accept_files
            .iter()
            .map(|p| path_glob(p).map_err(|e| Error::usage(format!("--accept-file `{p}`: {e}"))))
            .collect::<Result<Vec<_>>>()?;

        let checks = CATALOG
            .iter()
            .copied()
            .filter(|c| cli.select.is_empty() || cli.select.iter().any(|t| selects(t, c)))
            .filter(|c| !cli.ignore.iter().any(|t| selects(t, c)))
            // Rules that are not about security run only when named (by id or name).
            .filter(|c| {
                !crate::checks::OPT_IN.contains(&c.id)
                    || cli
                        .select
                        .iter()
                        .any(|t| t.trim().eq_ignore_ascii_case(c.id) || t.trim() == c.name)
            })
            .collect();

        // Later entries win: catalog < file < command line.
        let file_overrides = config.severity_overrides()?;
        validate(
            &file_overrides
                .iter()
                .map(|(r, _)| r.clone())
                .collect::<Vec<_>>(),
            &config_name,
        )?;
        let cli_rules: Vec<String> = cli.severity.iter().map(|(r, _)| r.clone()).collect();
        validate(&cli_rules, "--severity")?;
        let mut severity = Vec::new();
        for (rule, sev) in file_overrides.iter().chain(cli.severity.iter()) {
            for c in CATALOG.iter().filter(|c| selects(rule, c)) {
                severity.push((c.id, *sev));
            }
        }
        let fail_on = cli.fail_on.or(config.fail_on()?).unwrap_or(DEFAULT_FAIL_ON);
        for (ns, section) in &config.namespaces {
            let rules: Vec<String> = section
                .ignore
                .iter()
                .map(|i| i.rule().to_string())
                .collect();
            validate(&rules, &format!("{config_name}: namespaces.{ns}"))?;
        }
        let exceptions = compile_exceptions(&config, &config_name)?;
        Ok(Policy {
            checks,
            fail_on,
            severity,
            config,
            accept_keys: cli.accept_keys.clone(),
            accept_files,
            trust_image_labels: cli.trust_image_labels,
            trust_inline_ignores: cli.trust_inline_ignores,
            exceptions,
            cli_as_of: cli.as_of.clone(),
            baseline: cli.baseline.clone(),
            changed_files: cli.changed_files.clone(),
        })
    }

    pub fn checks(&self) -> &[&'static Check] {
        &self.checks
    }

    /// The selected checks that `reads` a kind of input (a report lists what was judged).
    pub fn checks_for(&self, reads: impl Fn(&Check) -> bool) -> Vec<&'static Check> {
        self.checks.iter().copied().filter(|c| reads(c)).collect()
    }

    /// The policy results shared between replicas are produced under: every rule, the
    /// catalog's severities (and the facts' own), no suppression — only this policy's settings
    /// (the date end of life is judged against, the package count of a minimal base), which
    /// change what a rule finds. Each replica then judges a stored result by its own policy
    /// ([`Policy::judge_stored`]), so a configuration change, or two replicas configured
    /// differently, never answer from a verdict another policy made.
    pub fn neutral(&self) -> Result<Policy> {
        let config = ProjectConfig {
            minimal_max_packages: self.config.minimal_max_packages,
            as_of: self.cli_as_of.clone().or_else(|| self.config.as_of.clone()),
            ..ProjectConfig::default()
        };
        Policy::new(&CliPolicy::default(), config)
    }

    /// Whether this policy runs rule `id`.
    pub fn runs(&self, id: &str) -> bool {
        self.checks.iter().any(|c| c.id == id)
    }

    /// A stored finding as this policy judges it: `None` when the policy does not run its rule;
    /// else its severity (overrides applied) and the suppression the policy's own settings give
    /// it (`ignore`, `accept`, `--accept-key`/`--accept-file`). `stored` is what the finding
    /// said under the neutral policy.
    pub fn judge_stored(
        &self,
        rule_id: &str,
        stored: Severity,
        subject: &Subject,
    ) -> Option<(Severity, Option<Suppression>)> {
        let check = self.checks.iter().find(|c| c.id == rule_id)?;
        let severity = self
            .severity
            .iter()
            .rev()
            .find(|(id, _)| *id == check.id)
            .map_or(stored, |(_, s)| *s);
        Some((severity, self.suppression(check, subject)))
    }

    /// Whether suppressions written inside the scanned inputs count (`--no-inline-ignores`,
    /// `serve --trust-workload-ignores`).
    pub fn trusts_inline_ignores(&self) -> bool {
        self.trust_inline_ignores
    }

    pub(super) fn trusts_image_labels(&self) -> bool {
        self.trust_image_labels
    }

    pub(super) fn project(&self) -> &ProjectConfig {
        &self.config
    }

    /// The project config file that applies, if one does: relative to the working directory when
    /// it is below it, as the other paths of a report are.
    pub(super) fn config_path(&self) -> Option<String> {
        let path = self.config.path.as_ref()?;
        let relative = std::env::current_dir().ok().and_then(|cwd| {
            path.strip_prefix(cwd)
                .ok()
                .map(std::path::Path::to_path_buf)
        });
        Some(
            relative
                .unwrap_or_else(|| path.clone())
                .display()
                .to_string(),
        )
    }

    /// The project config as messages name it.
    pub(super) fn config_name(&self) -> String {
        self.config
            .path
            .as_ref()
            .map_or(".stevedore.yaml".to_string(), |p| p.display().to_string())
    }

    /// The operator's exceptions that have expired, as one line each: they no longer apply.
    pub fn expired_exceptions(&self) -> Vec<String> {
        let today = crate::date::today();
        self.exceptions
            .iter()
            .filter(|e| e.expired(&today))
            .map(expired_note)
            .collect()
    }

    /// The operator's namespace sections and exceptions for `check` in `scope`: the suppression,
    /// or, when only an expired exception matched, a note saying so.
    pub fn scoped_suppression(
        &self,
        check: &Check,
        scope: &Scope,
    ) -> (Option<Suppression>, Option<String>) {
        if let Some(ns) = scope.namespace {
            if let Some(section) = self.config.namespaces.get(ns) {
                if let Some(item) = section.ignore.iter().find(|i| selects(i.rule(), check)) {
                    let justification = item.reason().map_or_else(
                        || {
                            format!(
                                "{} is ignored in namespace {ns} by the policy file",
                                check.id
                            )
                        },
                        str::to_string,
                    );
                    return (
                        Some(Suppression {
                            baseline: false,
                            kind: "external",
                            justification,
                        }),
                        None,
                    );
                }
            }
        }
        let today = crate::date::today();
        let mut expired = None;
        for e in self.exceptions.iter().filter(|e| e.matches(check, scope)) {
            if e.expired(&today) {
                expired.get_or_insert_with(|| expired_note(e));
                continue;
            }
            let until = e
                .expires
                .as_deref()
                .map(|d| format!(" until {d}"))
                .unwrap_or_default();
            let justification = format!("{} (exception for {}{until})", e.reason, e.scope);
            return (
                Some(Suppression {
                    baseline: false,
                    kind: "external",
                    justification,
                }),
                None,
            );
        }
        (None, expired)
    }

    /// What the rules that judge against a setting are handed: the `full` threshold (the
    /// project config's, else the default) and the day end-of-life data is judged against (the
    /// command line's, the project config's, else today). An error for a date that is not one;
    /// only image scans ask.
    pub fn settings(&self) -> Result<Settings> {
        let as_of = match self.cli_as_of.as_deref().or(self.config.as_of.as_deref()) {
            Some(d) if crate::date::valid_date(d) => d.to_string(),
            Some(d) => return Err(Error::usage(format!("`{d}` is not a date (YYYY-MM-DD)"))),
            None => crate::date::today(),
        };
        Ok(Settings {
            minimal_max_packages: self
                .config
                .minimal_max_packages
                .unwrap_or(crate::checks::os::base::MINIMAL_MAX_PACKAGES),
            as_of,
            provider: self.config.kubernetes.provider.clone(),
            aws_load_balancer_controller: self.config.kubernetes.aws_load_balancer_controller,
            ingress_namespaces: self.config.kubernetes.ingress_namespaces.clone(),
        })
    }

    pub fn fail_on(&self) -> FailOn {
        self.fail_on
    }

    /// The file contents the selected checks need from the image pass.
    pub fn wants(&self) -> WantSet {
        let mut set = WantSet::default();
        for c in &self.checks {
            for w in c.wants {
                set.add(*w);
            }
        }
        set
    }

    /// Runs every selected image check and applies the policy.
    pub fn check_image(&self, image: &Image) -> Vec<Finding> {
        self.check_image_reporting(image).0
    }

    /// [`Policy::check_image`], and the suppressions that matched nothing.
    pub fn check_image_reporting(&self, image: &Image) -> (Vec<Finding>, Vec<super::Unmatched>) {
        let label_ignores: Vec<String> = match image.config.config.labels.get(IGNORE_LABEL) {
            Some(v) if self.trust_image_labels => crate::suppress::rule_list(v),
            _ => Vec::new(),
        };
        let inline = InlineIgnores {
            image_label: label_ignores,
            ..InlineIgnores::default()
        };
        let recipes = [crate::model::recipe::BuildRecipe::from_image(image)];
        let models = Models {
            image: Some(image),
            recipes: &recipes,
            ..Models::default()
        };
        self.check_reporting(&models, &inline)
    }

    /// Runs every selected check over whatever models a scan produced and applies the policy.
    pub fn check<'a>(&self, models: &Models<'a>, inline: &InlineIgnores) -> Vec<Finding> {
        self.check_tallied(models, inline).0
    }

    /// [`Policy::check`], and the suppressions that matched nothing.
    pub fn check_reporting<'a>(
        &self,
        models: &Models<'a>,
        inline: &InlineIgnores,
    ) -> (Vec<Finding>, Vec<super::Unmatched>) {
        let (findings, tally) = self.check_tallied(models, inline);
        let unmatched = self.unmatched(&findings, models, inline, &tally);
        (findings, unmatched)
    }

    fn check_tallied<'a>(
        &self,
        models: &Models<'a>,
        inline: &InlineIgnores,
    ) -> (Vec<Finding>, super::unmatched::Tally) {
        let mut tally = super::unmatched::Tally::default();
        let mut out = Vec::new();
        for check in &self.checks {
            for run in check.runs {
                // (findings, the object they are about, if any)
                let mut batches: Vec<(Vec<RawFinding>, Option<Owner<'a>>)> = Vec::new();
                let mut collect = |f: &dyn Fn(&mut Sink), owner| {
                    let mut sink = Sink::default();
                    f(&mut sink);
                    batches.push((sink.into_findings(), owner));
                };
                let ran = &mut tally.ran;
                let settings = || self.settings().ok();
                let cluster = models.cluster;
                match run {
                    Run::Image(f) => models
                        .image
                        .into_iter()
                        .for_each(|m| collect(&|s| f(m, s), None)),
                    Run::ImageWithSettings(f) => {
                        // Image pipelines ask for the settings first; an error stops them there.
                        if let (Some(m), Some(settings)) = (models.image, settings()) {
                            collect(&|s| f(m, &settings, s), None);
                        }
                    }
                    Run::Daemon(f) => models
                        .daemons
                        .iter()
                        .for_each(|m| collect(&|s| f(m, s), None)),
                    Run::Seccomp(f) => models
                        .seccomp
                        .iter()
                        .for_each(|m| collect(&|s| f(m, s), None)),
                    Run::Recipe(f) => models
                        .recipes
                        .iter()
                        .for_each(|m| collect(&|s| f(m, s), None)),
                    Run::Node(f) => models
                        .nodes
                        .iter()
                        .for_each(|m| collect(&|s| f(m, s), None)),
                    Run::NodeWithSettings(f) => {
                        if let Some(settings) = settings() {
                            models
                                .nodes
                                .iter()
                                .for_each(|m| collect(&|s| f(m, &settings, s), None));
                        }
                    }
                    Run::Runtime(f) => models
                        .runtimes
                        .iter()
                        .for_each(|m| collect(&|s| f(m, s), None)),
                    Run::Kubelet(f) => models
                        .kubelets
                        .iter()
                        .for_each(|m| collect(&|s| f(m, s), None)),
                    Run::Container(f) => models
                        .containers
                        .iter()
                        .for_each(|m| collect(&|s| f(m, s), Some(Owner::spec(m)))),
                    Run::Pod(f) => cluster
                        .iter()
                        .flat_map(|c| &c.pods)
                        .for_each(|m| collect(&|s| f(m, s), Some(Owner::object(&m.object)))),
                    Run::Service(f) => {
                        if let Some(settings) = settings() {
                            cluster.iter().flat_map(|c| &c.services).for_each(|m| {
                                collect(&|s| f(m, &settings, s), Some(Owner::object(&m.object)))
                            });
                        }
                    }
                    Run::Ingress(f) => {
                        if let Some(settings) = settings() {
                            cluster.iter().flat_map(|c| &c.ingresses).for_each(|m| {
                                collect(&|s| f(m, &settings, s), Some(Owner::object(&m.object)))
                            });
                        }
                    }
                    Run::Namespace(f) => cluster
                        .iter()
                        .flat_map(|c| &c.namespaces)
                        .for_each(|m| collect(&|s| f(m, s), Some(Owner::object(&m.object)))),
                    Run::Stored(f) => cluster
                        .iter()
                        .flat_map(|c| &c.stored)
                        .for_each(|m| collect(&|s| f(m, s), Some(Owner::object(&m.object)))),
                    Run::Cluster(f) => {
                        if let (Some(c), Some(settings)) = (cluster, settings()) {
                            collect(&|s| f(c, &settings, s), None);
                        }
                    }
                }
                if !batches.is_empty() {
                    ran.insert(check.id);
                }
                for (raws, owner) in batches {
                    let owner = owner.as_ref();
                    if let Some(o) = owner.filter(|o| !o.ignores.is_empty() && !raws.is_empty()) {
                        tally.spec_fired.insert((
                            o.object.clone(),
                            o.ignore_how.to_string(),
                            o.file.to_string(),
                            check.id,
                        ));
                    }
                    for raw in raws {
                        let mut finding = self.finish(check, raw);
                        if let Some(o) = owner.filter(|_| finding.suppression.is_none()) {
                            let (suppression, expired) = self.scoped_suppression(check, &o.scope);
                            finding.suppression = suppression;
                            if let Some(note) = expired {
                                finding.message = format!("{} ({note})", finding.message);
                            }
                        }
                        if let Some(o) = owner.filter(|o| {
                            self.trust_inline_ignores
                                && o.ignores.iter().any(|t| t == "all" || selects(t, check))
                        }) {
                            if finding.suppression.is_none() {
                                finding.suppression = Some(Suppression {
                                    baseline: false,
                                    kind: "inSource",
                                    justification: format!("suppressed by {}", o.ignore_how),
                                });
                            }
                        }
                        if finding.suppression.is_none() && self.trust_inline_ignores {
                            finding.suppression = inline.suppression(check, &finding.subject);
                        }
                        if finding.suppression.is_none()
                            && !self.trust_inline_ignores
                            && self.trust_image_labels
                        {
                            finding.suppression = inline.label_suppression(check, &finding.subject);
                        }
                        // The baseline comes last: a reason written down wins over "seen before".
                        if finding.suppression.is_none() {
                            finding.suppression = self.in_baseline(check, &finding.fingerprint);
                        }
                        if finding.suppression.is_none() {
                            finding.suppression = self.outside_the_change(&finding.subject);
                        }
                        out.push(finding);
                    }
                }
            }
        }
        sort(&mut out);
        (out, tally)
    }

    fn finish(&self, check: &'static Check, raw: RawFinding) -> Finding {
        let severity = self
            .severity
            .iter()
            .rev()
            .find(|(id, _)| *id == check.id)
            .map(|(_, s)| *s)
            .or(raw.severity)
            .unwrap_or(check.severity);
        let fingerprint = fingerprint(check.id, &raw.subject.key());
        let suppression = self.suppression(check, &raw.subject);
        Finding {
            check,
            severity,
            message: raw.message,
            subject: raw.subject,
            evidence: raw.evidence,
            fingerprint,
            suppression,
            image: None,
            source: None,
        }
    }

    /// Whether a project-config `accept` entry covers `subject` (an in-image path glob, or an env
    /// or label name).
    pub(super) fn accepts(
        &self,
        item: &crate::project_config::AcceptItem,
        subject: &Subject,
    ) -> bool {
        let path_ok = match (item.path(), subject.path()) {
            (Some(p), Some(path)) => path_glob(p).is_ok_and(|g| g.is_match(path)),
            _ => false,
        };
        let key_ok =
            matches!((item.key(), subject.config_key_name()), (Some(k), Some(name)) if k == name);
        path_ok || key_ok
    }

    fn outside_the_change(&self, subject: &Subject) -> Option<Suppression> {
        let changed = self.changed_files.as_ref()?;
        match subject {
            Subject::File { path, .. } if !changed.contains(path) => Some(Suppression {
                baseline: false,
                kind: "external",
                justification: "in a file this push does not change (read for context)".into(),
            }),
            _ => None,
        }
    }

    fn in_baseline(&self, check: &Check, fingerprint: &str) -> Option<Suppression> {
        let baseline = self.baseline.as_ref()?;
        baseline
            .contains(check.id, fingerprint)
            .then(|| Suppression {
                baseline: true,
                kind: "external",
                justification: format!("already in the baseline {}", baseline.name),
            })
    }

    fn suppression(&self, check: &Check, subject: &Subject) -> Option<Suppression> {
        if let Some(item) = self.config.ignore.iter().find(|i| selects(i.rule(), check)) {
            return Some(Suppression {
                baseline: false,
                kind: "external",
                justification: item.reason().map_or_else(
                    || format!("{} is ignored in the project config", check.id),
                    str::to_string,
                ),
            });
        }
        if let Some(key) = subject.config_key_name() {
            if self.accept_keys.iter().any(|k| k == key) {
                return Some(Suppression {
                    baseline: false,
                    kind: "external",
                    justification: format!("{key} is accepted with --accept-key"),
                });
            }
        }
        if let Some(path) = subject.path() {
            if self.accept_files.iter().any(|g| g.is_match(path)) {
                return Some(Suppression {
                    baseline: false,
                    kind: "external",
                    justification: format!("{path} is accepted with --accept-file"),
                });
            }
        }
        let item = self
            .config
            .accept
            .iter()
            .filter(|(rule, _)| selects(rule, check))
            .flat_map(|(_, items)| items)
            .find(|item| self.accepts(item, subject))?;
        let what = subject
            .path()
            .or(subject.config_key_name())
            .unwrap_or("this finding");
        Some(Suppression {
            baseline: false,
            kind: "external",
            justification: item.reason().map_or_else(
                || format!("{what} is accepted for {} in the project config", check.id),
                str::to_string,
            ),
        })
    }
}

fn expired_note(e: &CompiledException) -> String {
    format!(
        "the exception for {} ({}) expired on {}",
        e.rule,
        e.scope,
        e.expires.as_deref().unwrap_or("?")
    )
}

/// The policy file's exceptions, checked: known rules, a reason, a scope, valid globs and dates.
fn compile_exceptions(config: &ProjectConfig, config_name: &str) -> Result<Vec<CompiledException>> {
    let mut out = Vec::new();
    for (i, e) in config.exceptions.iter().enumerate() {
        let at = format!("{config_name}: exceptions[{i}]");
        validate(std::slice::from_ref(&e.rule), &at)?;
        if e.reason.trim().is_empty() {
            return Err(Error::usage(format!("{at}: a reason is required")));
        }
        if e.namespace.is_none() && e.workload.is_none() {
            return Err(Error::usage(format!(
                "{at}: name a namespace or a workload (for every object, use `ignore:`)"
            )));
        }
        if let Some(d) = e.expires.as_deref().filter(|d| !crate::date::valid_date(d)) {
            return Err(Error::usage(format!(
                "{at}: expires `{d}` is not a date (YYYY-MM-DD)"
            )));
        }
        let glob = |p: &Option<String>| {
            p.as_deref()
                .map(|p| name_glob(p).map_err(|err| Error::usage(format!("{at}: `{p}`: {err}"))))
                .transpose()
        };
        out.push(CompiledException {
            rule: e.rule.clone(),
            namespace: glob(&e.namespace)?,
            workload: glob(&e.workload)?,
            reason: e.reason.trim().to_string(),
            expires: e.expires.clone(),
            scope: e.scope(),
        });
    }
    Ok(out)
}

fn fingerprint(rule: &str, key: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule.as_bytes());
    h.update([0]);
    h.update(key.as_bytes());
    hex(&h.finalize()[..16])
}

/// Most severe first, then by rule and subject, so every output is deterministic.
fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.check.id.cmp(b.check.id))
            .then_with(|| a.subject.key().cmp(&b.subject.key()))
            .then_with(|| a.message.cmp(&b.message))
    });
}
