//! HOW it is said. Reporters render a [`Report`]; they decide nothing.

pub mod admission;
pub mod harbor;
pub mod json;
pub mod markdown;
pub mod rules;
pub mod sarif;
pub mod text;

use crate::engine::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    /// A summary for a CI run page (GitHub's `$GITHUB_STEP_SUMMARY`).
    Markdown,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "markdown" => Ok(Format::Markdown),
            _ => Err(format!(
                "`{s}` is not an output format (text, json, sarif, markdown)"
            )),
        }
    }
}

/// Options that change how, not what, is rendered.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// SARIF `automationDetails.id`.
    pub sarif_category: Option<String>,
    /// Text: list the findings the baseline suppresses one by one (otherwise they are counted).
    pub show_suppressed: bool,
    /// SARIF: absolute paths below this directory (the working directory) become relative, as
    /// code scanning needs them.
    pub relative_to: Option<std::path::PathBuf>,
}

/// Renders a report. Text carries ANSI styles; the writer strips them where colour is off.
pub fn render(report: &Report, format: Format, options: &RenderOptions) -> String {
    match format {
        Format::Text => text::render(report, options.show_suppressed),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, options),
        Format::Markdown => markdown::render(report),
    }
}

/// Where rule documentation lives; SARIF `helpUri` and the README link here.
pub const RULES_DOC_URL: &str =
    "https://github.com/stevedore-scanner/stevedore/blob/main/docs/rules.md";

pub fn help_uri(check: &crate::catalog::Check) -> String {
    format!("{RULES_DOC_URL}#{}", check.id.to_ascii_lowercase())
}
