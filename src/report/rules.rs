//! The catalog as documentation: `stevedore rules`, `stevedore rules ID`, and the README table.

use crate::catalog::Check;
use crate::checks::CATALOG;
use std::fmt::Write;

/// One line per rule, for the terminal.
pub fn list() -> String {
    let mut out = String::new();
    for c in CATALOG {
        let _ = writeln!(
            out,
            "{:<7} {:<22} {:<9} {:<8} {}",
            c.id,
            c.name,
            c.severity.name(),
            if c.cis_labels().is_empty() {
                "-".to_string()
            } else {
                c.cis_labels().join(",")
            },
            c.title
        );
    }
    out
}

/// The rule table in the README, between its markers.
pub fn markdown_table() -> String {
    let mut out = String::from("| id | name | severity | CIS | title |\n|---|---|---|---|---|\n");
    for c in CATALOG {
        let _ = writeln!(
            out,
            "| [{}]({}) | `{}` | {} | {} | {} |",
            c.id,
            format_args!("docs/rules.md#{}", c.id.to_ascii_lowercase()),
            c.name,
            c.severity.name(),
            if c.cis_labels().is_empty() {
                "—".to_string()
            } else {
                c.cis_labels().join(", ")
            },
            c.title
        );
    }
    out
}

/// Full documentation of one rule in markdown (SARIF help, `docs/rules.md`, `stevedore rules ID`).
pub fn explain_markdown(c: &Check) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## {} {} — {}\n", c.id, c.name, c.title);
    // Docker's benchmark where the rule has a section in it (or nothing else), Kubernetes' too.
    let mut benchmarks = Vec::new();
    if !c.cis.is_empty() || c.cis_kubernetes.is_empty() {
        benchmarks.push(format!(
            "CIS Docker Benchmark v1.6.0: {}",
            if c.cis.is_empty() {
                "—".to_string()
            } else {
                c.cis.join(", ")
            }
        ));
    }
    if !c.cis_kubernetes.is_empty() {
        benchmarks.push(format!(
            "CIS Kubernetes Benchmark v1.12.0: {}",
            c.cis_kubernetes.join(", ")
        ));
    }
    let benchmark = benchmarks.join(" · ");
    let pss = crate::pss::control_of(c.id).map_or(String::new(), |(control, level)| {
        format!(" · Pod Security: {control} ({})", level.name())
    });
    let _ = writeln!(
        out,
        "Severity: **{}** · {benchmark}{pss}\n",
        c.severity.name()
    );
    let _ = writeln!(out, "### Why\n\n{}\n", c.rationale);
    let _ = writeln!(out, "### Fix\n\n{}\n", c.remediation);
    if !c.references.is_empty() {
        let _ = writeln!(out, "### References\n");
        for r in c.references {
            let _ = writeln!(out, "- <{r}>");
        }
    }
    out
}

/// The whole `docs/rules.md`.
pub fn rules_document() -> String {
    let mut out = String::from(
        "# stevedore rules\n\n<!-- generated from checks/ by `stevedore rules --format docs`; a test keeps it current -->\n\n",
    );
    for c in CATALOG {
        let _ = writeln!(out, "<a id=\"{}\"></a>\n", c.id.to_ascii_lowercase());
        out.push_str(&explain_markdown(c));
        out.push('\n');
    }
    out
}

/// Finds a rule by id (any case) or name.
pub fn find(token: &str) -> Option<&'static Check> {
    CATALOG
        .iter()
        .copied()
        .find(|c| c.id.eq_ignore_ascii_case(token) || c.name == token)
}

/// Markdown made readable on a terminal: headings bold, fences and link brackets dropped.
pub fn markdown_to_terminal(md: &str) -> String {
    let bold = anstyle::Style::new().bold();
    let mut out = String::new();
    for line in md.lines() {
        if line.starts_with("```") {
            continue;
        }
        if let Some(h) = line
            .trim_start_matches('#')
            .strip_prefix(' ')
            .filter(|_| line.starts_with('#'))
        {
            let _ = writeln!(out, "{bold}{h}{bold:#}");
        } else {
            let _ = writeln!(out, "{}", line.replace("**", "").replace(['<', '>'], ""));
        }
    }
    out
}
