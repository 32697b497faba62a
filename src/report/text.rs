//! Readable text: findings grouped by rule, most severe first, then a one-line summary.
//! Styles are ANSI; the caller's stream strips them when colour is off (`NO_COLOR`, no tty).

use crate::catalog::Severity;
use crate::engine::{Finding, Report};
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

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let t = &report.target;
    let _ = writeln!(
        out,
        "{BOLD}stevedore {}{BOLD:#} · image {}",
        crate::VERSION,
        t.input
    );
    let _ = writeln!(
        out,
        "{DIM}  {} · {} · {} · {}{} · config {}{DIM:#}",
        t.repository,
        t.platform,
        plural(t.layers.len(), "layer"),
        plural(t.entries, "path"),
        if t.shadowed_files > 0 {
            format!(
                " ({} deleted or replaced but still shipped)",
                t.shadowed_files
            )
        } else {
            String::new()
        },
        short(&t.config_digest)
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
    if !suppressed.is_empty() {
        let _ = writeln!(out, "{DIM}Suppressed:{DIM:#}");
        for f in &suppressed {
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
        out.push('\n');
    }

    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| format!("{} {}", report.count(*s), s.name()))
        .collect();
    let verdict = if report.failed() {
        let s = severity_style(Severity::High);
        format!("{s}FAIL{s:#}")
    } else {
        let s = Style::new().fg_color(Some(AnsiColor::Green.into())).bold();
        format!("{s}PASS{s:#}")
    };
    let _ = writeln!(
        out,
        "{} findings ({}), {} suppressed · fail-on {}: {verdict}",
        active.len(),
        counts.join(", "),
        suppressed.len(),
        report.fail_on
    );
    out
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
