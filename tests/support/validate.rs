//! Validation the tests apply to every report they produce, inside the project (no Python, no
//! network): JSON Schema through `boon`, and the SARIF upload rules GitHub code scanning enforces
//! that a schema cannot express.

use serde_json::Value;
use std::sync::OnceLock;

/// A compiled schema from the repository.
struct Compiled {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

fn compile(rel: &str) -> Compiled {
    let path = super::repo().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let url = format!("file:///stevedore/{rel}");
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource(&url, doc)
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    let index = compiler
        .compile(&url, &mut schemas)
        .unwrap_or_else(|e| panic!("{rel} is not a valid schema: {e:#}"));
    Compiled { schemas, index }
}

fn schema_errors(compiled: &Compiled, doc: &Value) -> Vec<String> {
    match compiled.schemas.validate(doc, compiled.index) {
        Ok(()) => Vec::new(),
        Err(e) => vec![format!("{e:#}")],
    }
}

/// Problems of a JSON report against `docs/json-report.schema.json`.
pub fn json_report_schema_errors(doc: &Value) -> Vec<String> {
    static SCHEMA: OnceLock<Compiled> = OnceLock::new();
    schema_errors(
        SCHEMA.get_or_init(|| compile("docs/json-report.schema.json")),
        doc,
    )
}

/// Everything GitHub code scanning would refuse in a SARIF document, one line each: the SARIF
/// 2.1.0 schema (`tests/schemas/`), then its upload rules.
pub fn sarif_problems(text: &str) -> Vec<String> {
    static SCHEMA: OnceLock<Compiled> = OnceLock::new();
    let doc: Value = match serde_json::from_str(text) {
        Ok(doc) => doc,
        Err(e) => return vec![format!("not JSON: {e}")],
    };
    let mut problems = schema_errors(
        SCHEMA.get_or_init(|| compile("tests/schemas/sarif-2.1.0.json")),
        &doc,
    );
    problems.extend(github_upload_rules(&doc, text.len()));
    problems
}

/// Fails with every problem listed.
#[track_caller]
pub fn assert_sarif(text: &str) {
    let problems = sarif_problems(text);
    assert!(
        problems.is_empty(),
        "SARIF GitHub would refuse:\n{}",
        problems.join("\n")
    );
}

// GitHub's hard limits ("SARIF results exceed hard limit").
const MAX_RUNS: usize = 20;
const MAX_RESULTS_PER_RUN: usize = 25_000;
const MAX_RULES_PER_RUN: usize = 25_000;
const MAX_LOCATIONS_PER_RESULT: usize = 1_000;
const MAX_TAGS_PER_RULE: usize = 20;
/// Uploads are gzip-compressed and refused above 10 MB; an uncompressed document this size is
/// already suspicious for one scan.
const MAX_UNCOMPRESSED: usize = 10 << 20;

fn github_upload_rules(doc: &Value, size: usize) -> Vec<String> {
    let mut out = Vec::new();
    if doc["version"] != "2.1.0" {
        out.push(format!("version is {}, not \"2.1.0\"", doc["version"]));
    }
    if size > MAX_UNCOMPRESSED {
        out.push(format!("{size} bytes"));
    }
    let runs = doc["runs"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if runs.len() > MAX_RUNS {
        out.push(format!("{} runs (at most {MAX_RUNS})", runs.len()));
    }
    for (r, run) in runs.iter().enumerate() {
        let rules = run["tool"]["driver"]["rules"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if rules.len() > MAX_RULES_PER_RUN {
            out.push(format!("runs[{r}]: {} rules", rules.len()));
        }
        for (i, rule) in rules.iter().enumerate() {
            let at = format!("runs[{r}].tool.driver.rules[{i}]");
            for field in ["shortDescription", "fullDescription", "help"] {
                if rule[field]["text"].as_str().is_none_or(str::is_empty) {
                    out.push(format!("{at}: no {field}.text"));
                }
            }
            let props = &rule["properties"];
            if let Some(sev) = props.get("security-severity") {
                match sev.as_str().map(str::parse::<f64>) {
                    Some(Ok(x)) if x > 0.0 && x <= 10.0 => {}
                    Some(Ok(x)) => out.push(format!("{at}: security-severity {x} outside 0.1..10")),
                    _ => out.push(format!(
                        "{at}: security-severity {sev} is not a string holding a number"
                    )),
                }
            }
            let tags = props["tags"].as_array().map_or(0, Vec::len);
            if tags > MAX_TAGS_PER_RULE {
                out.push(format!("{at}: {tags} tags"));
            }
        }
        let results = run["results"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if results.len() > MAX_RESULTS_PER_RUN {
            out.push(format!("runs[{r}]: {} results", results.len()));
        }
        for (i, result) in results.iter().enumerate() {
            let at = format!("runs[{r}].results[{i}]");
            match result["ruleId"].as_str() {
                None => out.push(format!("{at}: no ruleId")),
                Some(id) if !rules.iter().any(|rule| rule["id"] == id) => {
                    out.push(format!("{at}: rule {id} is not in tool.driver.rules"))
                }
                Some(_) => {}
            }
            if result["message"]["text"].as_str().is_none_or(str::is_empty) {
                out.push(format!("{at}: no message.text"));
            }
            let locations = result["locations"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            if locations.len() > MAX_LOCATIONS_PER_RESULT {
                out.push(format!("{at}: {} locations", locations.len()));
            }
            let Some(first) = locations.first() else {
                out.push(format!("{at}: no location"));
                continue;
            };
            let physical = &first["physicalLocation"];
            match physical["artifactLocation"]["uri"].as_str() {
                None => out.push(format!("{at}: no artifactLocation.uri")),
                Some(uri) if !uri_maps_to_a_file(uri) => out.push(format!(
                    "{at}: uri {uri:?} is neither a relative path nor a file: URI"
                )),
                Some(_) => {}
            }
            if physical["region"]["startLine"]
                .as_u64()
                .is_none_or(|l| l < 1)
            {
                out.push(format!("{at}: no region.startLine of 1 or more"));
            }
        }
    }
    out
}

/// GitHub maps a result to a file of the repository from a relative path or a `file:` URI; any
/// other scheme (`docker:`, `oci:`, `https:`) is not a file it can show.
fn uri_maps_to_a_file(uri: &str) -> bool {
    let scheme = uri.split_once(':').map(|(s, _)| s).filter(|s| {
        s.len() > 1
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    match scheme {
        None => !uri.is_empty(),
        Some(s) => s.eq_ignore_ascii_case("file"),
    }
}
