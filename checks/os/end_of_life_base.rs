use crate::catalog::{Check, Run, Settings, Severity, Sink, Subject};
use crate::image::Image;

pub const CHECK: Check = Check {
    id: "OS002",
    name: "end-of-life-base",
    title: "Base OS release past its end of life",
    severity: Severity::High,
    cis: &["4.4"],
    cis_kubernetes: &[],
    rationale: "An OS release past its end of support gets no security fixes: every new \
vulnerability in its packages stays open for good, and rebuilding the image changes nothing. \
Past standard support but inside an extended (LTS/ELTS/ESM) period, fixes still come for some \
packages; the finding says so and is lower. The same table judges a node's own OS \
(`stevedore node`). Dates come from an embedded table \
(`checks/os/eol.csv`, updated 2026-11-29); `--as-of YYYY-MM-DD` judges against another day.",
    remediation: "Move to a supported release of the base (for Debian 12 bookworm, Debian 13 \
trixie; for Ubuntu 20.04, 24.04), rebuild, and rebuild regularly.",
    references: &[
        "https://wiki.debian.org/LTS",
        "https://ubuntu.com/about/release-cycle",
        "https://alpinelinux.org/releases/",
        "https://access.redhat.com/support/policy/updates/errata",
    ],
    runs: &[Run::ImageWithSettings(run), Run::NodeWithSettings(run_node)],
    wants: &[],
};

/// The embedded lifecycle table.
pub const TABLE: &str = include_str!("eol.csv");

#[derive(Debug, PartialEq, Eq)]
pub struct Lifecycle<'a> {
    pub id: &'a str,
    pub version: &'a str,
    pub name: &'a str,
    pub standard_end: &'a str,
    pub extended_end: Option<&'a str>,
}

pub fn table() -> impl Iterator<Item = Lifecycle<'static>> {
    TABLE
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').map(str::trim).collect();
            (f.len() == 5).then(|| Lifecycle {
                id: f[0],
                version: f[1],
                name: f[2],
                standard_end: f[3],
                extended_end: (!f[4].is_empty()).then_some(f[4]),
            })
        })
}

/// The table row for an OS: exact version, else `major.minor`, else `major`.
pub fn lookup(id: &str, version: &str) -> Option<Lifecycle<'static>> {
    // Rebuilds of RHEL follow its lifecycle.
    let id = match id {
        "rocky" | "almalinux" | "ol" => "rhel",
        other => other,
    };
    let mut parts = version.split('.');
    let major = parts.next().unwrap_or("");
    let minor = parts.next().map(|m| format!("{major}.{m}"));
    let candidates = [Some(version.to_string()), minor, Some(major.to_string())];
    candidates
        .into_iter()
        .flatten()
        .find_map(|v| table().find(|r| r.id == id && r.version == v))
}

/// A finding's severity, message and evidence.
type Verdict = (Severity, String, Vec<(&'static str, String)>);

/// What a release's lifecycle says on `today`: `None` while supported, else (the severity, what
/// to say, the evidence).
fn judge(name: &str, row: &Lifecycle<'_>, today: &str) -> Option<Verdict> {
    // ISO dates compare as strings.
    if today <= row.standard_end {
        return None;
    }
    Some(match row.extended_end {
        Some(ext) if today <= ext => (
            Severity::Medium,
            format!(
                "{name}: standard support ended {}; only extended support (until {ext}) remains, as of {today}",
                row.standard_end
            ),
            vec![
                ("standard_end", row.standard_end.into()),
                ("extended_end", ext.into()),
                ("as_of", today.into()),
            ],
        ),
        _ => (
            Severity::High,
            format!(
                "{name} is past end of life: support ended {}, as of {today}",
                row.extended_end.unwrap_or(row.standard_end)
            ),
            vec![
                (
                    "end_of_life",
                    row.extended_end.unwrap_or(row.standard_end).into(),
                ),
                ("as_of", today.into()),
            ],
        ),
    })
}

/// The release's name for a message and its lifecycle row, when the table has it.
fn release(id: &str, version: &str, pretty: &str) -> Option<(String, Lifecycle<'static>)> {
    let row = lookup(id, version)?;
    let name = if pretty.is_empty() {
        format!("{id} {version}")
    } else {
        pretty.to_string()
    };
    Some((name, row))
}

fn run_node(node: &crate::model::node::NodeConfig, settings: &Settings, sink: &mut Sink) {
    let Some(os) = &node.os else {
        return;
    };
    let Some((name, row)) = release(&os.id, &os.version_id, &os.pretty_name) else {
        return;
    };
    if let Some((severity, message, evidence)) =
        judge(&format!("the node's {name}"), &row, settings.as_of.as_str())
    {
        sink.report_at(severity, message, Subject::at(&os.loc), evidence);
    }
}

fn run(image: &Image, settings: &Settings, sink: &mut Sink) {
    let Some(os) = &image.inventory.os else {
        return;
    };
    let Some((name, row)) = release(&os.id, &os.version_id, &os.pretty_name) else {
        return;
    };
    let subject = Subject::ImageFile {
        path: os.source.clone(),
        layer: os.layer,
        deleted_in: None,
    };
    if let Some((severity, message, evidence)) = judge(&name, &row, settings.as_of.as_str()) {
        sink.report_at(severity, message, subject, evidence);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_looks_up() {
        assert!(table().count() > 20);
        assert_eq!(lookup("debian", "12").map(|r| r.name), Some("bookworm"));
        assert_eq!(lookup("alpine", "3.19.1").map(|r| r.version), Some("3.19"));
        assert_eq!(lookup("ubuntu", "22.04").map(|r| r.name), Some("jammy"));
        assert_eq!(lookup("rhel", "9.4").map(|r| r.version), Some("9"));
        assert!(lookup("plan9", "4").is_none());
        for r in table() {
            assert_eq!(r.standard_end.len(), 10, "{r:?}");
            assert!(r.extended_end.is_none_or(|e| e > r.standard_end), "{r:?}");
        }
    }

    /// The rationale names the table's date; keep them equal when refreshing the table.
    #[test]
    fn rationale_names_the_table_date() {
        let date = TABLE
            .lines()
            .find_map(|l| l.strip_prefix("# updated: "))
            .unwrap();
        assert!(
            CHECK.rationale.contains(&format!("updated {date}")),
            "update the OS002 rationale to {date}"
        );
    }
}
