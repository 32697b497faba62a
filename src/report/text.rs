//! Readable text: findings grouped by rule, most severe first, then a one-line summary.
//! Styles are ANSI; the caller's stream strips them when colour is off (`NO_COLOR`, no tty).

use crate::catalog::Severity;
use crate::engine::{ConfigTarget, Finding, ImageTarget, LiveTarget, Report, Target};
use anstyle::{AnsiColor, Style};
use std::fmt::Write;

fn severity_style(s: Severity) -> Style {
    let color = match s {
        Severity::Critical => AnsiColor::BrightMagenta,
        Severity::High => AnsiColor::BrightRed,
        Severity::Medium => AnsiColor::Yellow,
        Severity::Low => AnsiColor::Cyan,
        Severity::Info => AnsiColor::BrightBlack,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

pub fn render(report: &Report, show_baselined: bool) -> String {
    let mut out = String::new();
    match &report.target {
        Target::Image(t) => image_header(&mut out, t),
        Target::Config(t) => config_header(&mut out, t),
        Target::Live(t) => live_header(&mut out, t),
    }
    let _ = writeln!(
        out,
        "{DIM}  project config: {}{DIM:#}",
        report
            .project_config
            .as_deref()
            .unwrap_or("none found (defaults)")
    );
    out.push('\n');

    let active: Vec<&Finding> = report.active().collect();
    let mut i = 0;
    while i < active.len() {
        let check = active[i].check;
        let sev = active[i].severity;
        let group: Vec<&Finding> = active[i..]
            .iter()
            .take_while(|f| f.check.id == check.id && f.severity == sev)
            .copied()
            .collect();
        let style = severity_style(sev);
        let _ = writeln!(
            out,
            "{style}{:<8}{style:#} {BOLD}{} {}{BOLD:#} — {}",
            sev.name().to_uppercase(),
            check.id,
            check.name,
            check.title
        );
        for f in &group {
            let _ = write!(out, "  • {}", f.message);
            if let crate::catalog::Subject::File {
                path, line, column, ..
            } = &f.subject
            {
                let _ = write!(out, " {DIM}[{path}:{line}:{column}]{DIM:#}");
            }
            if let Some(source) = &f.source {
                let _ = write!(out, " {DIM}[{}:{}]{DIM:#}", source.path, source.line);
            }
            if let Some(image) = &f.image {
                let _ = write!(out, " {DIM}[image {image}]{DIM:#}");
            }
            if let Some(layer) = f.subject.layer() {
                let _ = write!(out, " {DIM}[layer {layer}]{DIM:#}");
            }
            out.push('\n');
        }
        out.push('\n');
        i += group.len();
    }

    let suppressed: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.suppression.is_some())
        .collect();
    let baselined = suppressed
        .iter()
        .filter(|f| f.suppression.as_ref().is_some_and(|s| s.baseline))
        .count();
    // A baseline suppresses what was there before, often hundreds of findings: counted, and
    // listed only when asked for. Suppressions someone wrote a reason for are always listed.
    let listed: Vec<&&Finding> = suppressed
        .iter()
        .filter(|f| show_baselined || f.suppression.as_ref().is_some_and(|s| !s.baseline))
        .collect();
    if !listed.is_empty() || baselined > 0 {
        let _ = writeln!(out, "{DIM}Suppressed:{DIM:#}");
        for f in &listed {
            let reason = f
                .suppression
                .as_ref()
                .map_or("", |s| s.justification.as_str());
            let _ = writeln!(
                out,
                "{DIM}  • {} {}: {} ({reason}){DIM:#}",
                f.check.id, f.check.name, f.message
            );
        }
        if baselined > 0 && !show_baselined {
            let _ = writeln!(
                out,
                "{DIM}  • {} already in the baseline (list them with --show-suppressed){DIM:#}",
                plural(baselined, "finding")
            );
        }
        out.push('\n');
    }
    if !report.unmatched.is_empty() {
        let s = severity_style(Severity::Medium);
        let _ = writeln!(
            out,
            "{s}Suppressions that match nothing{s:#} (stale, misspelt or on the wrong line):"
        );
        for u in &report.unmatched {
            let _ = writeln!(out, "  • {}: {} names {}", u.at, u.how, u.rule);
        }
        out.push('\n');
    }

    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| format!("{} {}", report.count(*s), s.name()))
        .collect();
    let verdict = if report.errors() > 0 {
        let s = severity_style(Severity::High);
        format!(
            "{s}ERROR{s:#} ({} could not be read)",
            plural(report.errors(), "file")
        )
    } else if report.failed() {
        let s = severity_style(Severity::High);
        format!("{s}FAIL{s:#}")
    } else {
        let s = Style::new().fg_color(Some(AnsiColor::Green.into())).bold();
        format!("{s}PASS{s:#}")
    };
    let skipped = match &report.target {
        Target::Config(t) if !t.skipped.is_empty() => {
            format!(" · {} skipped", plural(t.skipped.len(), "file"))
        }
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "{} ({}), {} suppressed{skipped} · fail-on {}: {verdict}",
        plural(active.len(), "finding"),
        counts.join(", "),
        suppressed.len(),
        report.fail_on
    );
    out
}

fn image_header(out: &mut String, t: &ImageTarget) {
    let _ = writeln!(
        out,
        "{BOLD}stevedore {}{BOLD:#} · image {}",
        crate::VERSION,
        t.input
    );
    let shadowed = if t.shadowed_files > 0 {
        format!(
            " ({} deleted or replaced but still shipped)",
            t.shadowed_files
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{DIM}  {} · {} · {} · {}{shadowed} · config {}{DIM:#}",
        t.repository,
        t.platform,
        plural(t.layers.len(), "layer"),
        if t.config_only {
            "config only: layers not read".to_string()
        } else {
            plural(t.entries, "path")
        },
        short(&t.config_digest)
    );
}

/// Files shown by name in the header before the rest are counted.
const LISTED: usize = 10;

fn config_header(out: &mut String, t: &ConfigTarget) {
    let _ = writeln!(
        out,
        "{BOLD}stevedore {}{BOLD:#} · config {}",
        crate::VERSION,
        t.inputs.join(" ")
    );
    let files: Vec<String> = t
        .files
        .iter()
        .map(|f| format!("{} ({})", f.path, f.kind))
        .collect();
    let _ = writeln!(
        out,
        "{DIM}  scanned {}: {}{DIM:#}",
        plural(files.len(), "file"),
        list(&files)
    );
    if !t.skipped.is_empty() {
        let skipped: Vec<String> = t
            .skipped
            .iter()
            .map(|s| format!("{} ({})", s.path, s.reason))
            .collect();
        let _ = writeln!(
            out,
            "{DIM}  skipped {}: {}{DIM:#}",
            plural(skipped.len(), "file"),
            list(&skipped)
        );
    }
    for f in &t.found {
        let _ = writeln!(out, "{DIM}  found: {f}{DIM:#}");
    }
    for p in &t.pod_security {
        let _ = writeln!(out, "{DIM}  pod security: {}{DIM:#}", pod_security_line(p));
    }
    for e in &t.errors {
        let style = severity_style(Severity::High);
        let _ = writeln!(out, "  {style}error{style:#} {}: {}", e.path, e.error);
    }
}

/// `Deployment/api (k8s/api.yaml:1): baseline (v1.34); not restricted: Seccomp, Capabilities`.
fn pod_security_line(p: &crate::pss::PodSecurity) -> String {
    use crate::pss::Level;
    let e = &p.evaluation;
    let controls = |level: Level| {
        let mut names: Vec<&str> = Vec::new();
        for f in e.failures.iter().filter(|f| f.level == level) {
            if !names.contains(&f.control) {
                names.push(f.control);
            }
        }
        names.join(", ")
    };
    let mut line = format!(
        "{} ({}:{}): {} ({})",
        p.object,
        p.file,
        p.line,
        e.level.name(),
        e.version
    );
    match e.level {
        Level::Privileged => {
            line.push_str(&format!("; fails baseline: {}", controls(Level::Baseline)))
        }
        Level::Baseline => line.push_str(&format!(
            "; not restricted: {}",
            controls(Level::Restricted)
        )),
        Level::Restricted => {}
    }
    if let Some(enforced) = p.enforced {
        let verdict = if e.level >= enforced {
            "admitted"
        } else {
            "rejected"
        };
        line.push_str(&format!(
            "; namespace {} enforces {}: {verdict}",
            p.namespace.as_deref().unwrap_or("?"),
            enforced.name()
        ));
    }
    line
}

fn live_header(out: &mut String, t: &LiveTarget) {
    let _ = writeln!(
        out,
        "{BOLD}stevedore {}{BOLD:#} · {} ({} {}, API {})",
        crate::VERSION,
        t.endpoint,
        if t.engine == "podman" {
            "Podman"
        } else {
            "Docker"
        },
        t.server_version,
        t.api_version
    );
    let _ = writeln!(
        out,
        "{DIM}  judged {}: {}{DIM:#}",
        plural(t.scanned.len(), "item"),
        list(&t.scanned)
    );
    for note in &t.notes {
        let _ = writeln!(out, "{DIM}  note: {note}{DIM:#}");
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "none".into();
    }
    let mut shown: Vec<&str> = items.iter().take(LISTED).map(String::as_str).collect();
    let more = items.len().saturating_sub(LISTED);
    let extra = format!("and {more} more");
    if more > 0 {
        shown.push(&extra);
    }
    shown.join(", ")
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn short(digest: &str) -> &str {
    digest.get(..("sha256:".len() + 12)).unwrap_or(digest)
}
