//! apk's installed database.

use super::Package;

/// apk's `installed` database: `P:` name, `V:` version, `I:` installed size in bytes.
pub(super) fn parse_apk(text: &str) -> Vec<Package> {
    let mut out = Vec::new();
    for stanza in text.split("\n\n") {
        let mut name = None;
        let mut version = String::new();
        let mut size = None;
        for line in stanza.lines() {
            match line.split_once(':') {
                Some(("P", v)) => name = Some(v.to_string()),
                Some(("V", v)) => version = v.to_string(),
                Some(("I", v)) => size = v.parse().ok(),
                _ => {}
            }
        }
        if let Some(name) = name {
            out.push(Package {
                name,
                version,
                installed_size: size,
            });
        }
    }
    out
}
