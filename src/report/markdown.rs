//! Markdown for a CI run's summary page (`$GITHUB_STEP_SUMMARY`): the verdict, counts by
//! severity and the most severe findings with links to their rules.

use crate::catalog::{Severity, Subject};
use crate::engine::{Finding, Report, Target};
use std::fmt::Write;

/// Findings listed before "and N more".
const TOP: usize = 10;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let what = match &report.target {
        Target::Image(t) => format!("image `{}`", code(&t.input)),
        Target::Config(t) => format!(
            "configuration ({} file{})",
            t.files.len(),
            if t.files.len() == 1 { "" } else { "s" }
        ),
        Target::Live(t) => format!("Docker at `{}`", code(&t.endpoint)),
    };
    let verdict = if report.errors() > 0 {
        "⚠️ error: files could not be read"
    } else if report.failed() {
        "❌ fail"
    } else {
        "✅ pass"
    };
    let active: Vec<&Finding> = report.active().collect();
    let _ = writeln!(out, "### stevedore: {what}\n");
    let _ = writeln!(
        out,
        "**{verdict}** at fail-on `{}` · {} finding{} · {} suppressed\n",
        report.fail_on,
        active.len(),
        if active.len() == 1 { "" } else { "s" },
        report.suppressed()
    );
    let _ = writeln!(out, "| {} |", Severity::ALL.map(|s| s.name()).join(" | "));
    let _ = writeln!(out, "|{}", "---:|".repeat(Severity::ALL.len()));
    let _ = writeln!(
        out,
        "| {} |\n",
        Severity::ALL
            .map(|s| report.count(s).to_string())
            .join(" | ")
    );
    if active.is_empty() {
        return out;
    }
    let _ = writeln!(out, "| severity | rule | finding | where |");
    let _ = writeln!(out, "|---|---|---|---|");
    for f in active.iter().take(TOP) {
        let _ = writeln!(
            out,
            "| {} | [{}]({}) {} | {} | {} |",
            f.severity.name(),
            f.check.id,
            super::help_uri(f.check),
            f.check.name,
            cell(&f.message),
            cell(&place(f)),
        );
    }
    if active.len() > TOP {
        let _ = writeln!(
            out,
            "\n…and {} more in the SARIF and JSON reports.",
            active.len() - TOP
        );
    }
    out
}

fn place(f: &Finding) -> String {
    if let Some(s) = &f.source {
        return format!("`{}:{}`", code(&s.path), s.line);
    }
    match &f.subject {
        Subject::File { path, line, .. } => format!("`{}:{line}`", code(path)),
        Subject::ImageFile { path, layer, .. } => format!("`{}` (layer {layer})", code(path)),
        Subject::ImageConfig { field, key: None } => format!("`{}`", code(field)),
        Subject::ImageConfig {
            field,
            key: Some(k),
        } => format!("`{}` `{}`", code(field), code(k)),
        Subject::ImageHistory { index, .. } => format!("history step {index}"),
    }
}

/// Text inside a table cell: no line breaks, pipes or raw HTML.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace(['\n', '\r'], " ")
}

/// Text inside a code span within a cell.
fn code(text: &str) -> String {
    text.replace('`', "'")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\nc <script>"), "a\\|b c &lt;script>");
        assert_eq!(code("x`y|z"), "x'y\\|z");
    }
}
