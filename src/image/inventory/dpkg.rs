//! dpkg's status database (and distroless's one-stanza-per-file `status.d/`).

use super::Package;

/// dpkg status stanzas: installed packages only (not `deinstall … config-files`).
pub(crate) fn parse_dpkg(text: &str, out: &mut Vec<Package>) {
    for stanza in text.split("\n\n") {
        let mut name = None;
        let mut version = String::new();
        let mut size = None;
        let mut installed = true;
        for line in stanza.lines() {
            if let Some(v) = line.strip_prefix("Package:") {
                name = Some(v.trim().to_string());
            } else if let Some(v) = line.strip_prefix("Version:") {
                version = v.trim().to_string();
            } else if let Some(v) = line.strip_prefix("Installed-Size:") {
                size = v.trim().parse::<u64>().ok().map(|k| k * 1024);
            } else if let Some(v) = line.strip_prefix("Status:") {
                installed = v.split_whitespace().last() == Some("installed");
            }
        }
        if let (Some(name), true) = (name, installed) {
            out.push(Package {
                name,
                version,
                installed_size: size,
            });
        }
    }
}
