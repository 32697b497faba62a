//! Facts about an image's base: the OS (os-release and friends) and its packages (dpkg, apk,
//! rpm). Judging them — how minimal the base is, whether it is supported — is the OS rules' work
//! (`checks/os/`).

mod apk;
pub(crate) mod dpkg;
pub(crate) mod os;
mod rpm;

use super::fs::{Fs, Kind};
use apk::parse_apk;
use dpkg::parse_dpkg;
pub use os::detect_os;
use rpm::parse_rpm_sqlite;
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct OsInfo {
    pub id: String,
    pub version_id: String,
    pub pretty_name: String,
    /// `debian`, `alpine`, `rhel`, `suse`, `busybox`… (from `ID_LIKE`, else the id).
    pub family: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version_codename: String,
    /// The file the identification came from.
    pub source: String,
    /// The layer that wrote it: the base's top layer, as far as the image tells.
    pub layer: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Package {
    pub name: String,
    pub version: String,
    /// Bytes, where the database records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_size: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Packages {
    /// `dpkg`, `apk`, `rpm`.
    pub manager: String,
    /// `None` where the database format cannot be read (rpm Berkeley DB / NDB): unknown, not 0.
    pub count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub list: Vec<Package>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    pub os: Option<OsInfo>,
    pub packages: Option<Packages>,
    /// Uncompressed bytes of the layers up to the one that wrote the OS identification.
    pub base_bytes: u64,
    /// Whether the inventory was taken (not for a config-only read, nor with `--no-inventory`):
    /// without it the base rules have nothing to judge.
    #[serde(skip)]
    pub built: bool,
}

/// Files inventory reads, and the database files that may be large.
pub const OS_FILES: [&str; 5] = [
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/alpine-release",
    "/etc/debian_version",
    "/etc/redhat-release",
];
pub const PACKAGE_DBS: [&str; 4] = [
    "/var/lib/dpkg/status",
    "/lib/apk/db/installed",
    "/var/lib/rpm/rpmdb.sqlite",
    "/usr/lib/sysimage/rpm/rpmdb.sqlite",
];
/// distroless writes one dpkg stanza per file here.
pub const DPKG_STATUS_D: &str = "/var/lib/dpkg/status.d/";

/// Adds what inventory reads to the pass's wants.
pub fn add_wants(wants: &mut super::wants::WantSet) {
    use super::wants::Want;
    for p in OS_FILES {
        wants.add(Want::Path(p));
    }
    for p in PACKAGE_DBS {
        wants.add(Want::Database(p));
    }
    wants.add(Want::Database(DPKG_STATUS_D));
}

/// Builds the inventory of a read image.
pub fn build(fs: &Fs, layers: &[super::Layer]) -> Inventory {
    let os = detect_os(fs);
    let packages = packages(fs);
    let top = os.as_ref().map_or(0, |o| o.layer);
    let base_bytes = if os.is_some() {
        layers
            .iter()
            .take(top + 1)
            .map(|l| l.uncompressed_size)
            .sum()
    } else {
        0
    };
    Inventory {
        os,
        packages,
        base_bytes,
        built: true,
    }
}

impl Inventory {
    /// No inventory (not built).
    pub fn none() -> Inventory {
        Inventory {
            os: None,
            packages: None,
            base_bytes: 0,
            built: false,
        }
    }
}

pub(crate) fn text(fs: &Fs, path: &str) -> Option<String> {
    fs.read(path)
        .map(|c| String::from_utf8_lossy(&c.bytes).into_owned())
}

pub fn packages(fs: &Fs) -> Option<Packages> {
    let mut dpkg = Vec::new();
    let mut found_dpkg = false;
    if let Some(t) = text(fs, "/var/lib/dpkg/status") {
        found_dpkg = true;
        parse_dpkg(&t, &mut dpkg);
    }
    for e in fs.under("/var/lib/dpkg/status.d") {
        if e.kind == Kind::File && !e.path.ends_with(".md5sums") {
            if let Some(c) = &e.content {
                found_dpkg = true;
                parse_dpkg(&String::from_utf8_lossy(&c.bytes), &mut dpkg);
            }
        }
    }
    if found_dpkg {
        return Some(Packages {
            manager: "dpkg".into(),
            count: Some(dpkg.len()),
            note: None,
            list: dpkg,
        });
    }
    if let Some(t) = text(fs, "/lib/apk/db/installed") {
        let list = parse_apk(&t);
        return Some(Packages {
            manager: "apk".into(),
            count: Some(list.len()),
            note: None,
            list,
        });
    }
    for path in [
        "/var/lib/rpm/rpmdb.sqlite",
        "/usr/lib/sysimage/rpm/rpmdb.sqlite",
    ] {
        if let Some(c) = fs.read(path) {
            return Some(match parse_rpm_sqlite(&c.bytes) {
                Ok(list) if !c.truncated => Packages {
                    manager: "rpm".into(),
                    count: Some(list.len()),
                    note: None,
                    list,
                },
                Ok(_) => Packages {
                    manager: "rpm".into(),
                    count: None,
                    note: Some("rpm database larger than the read limit".into()),
                    list: Vec::new(),
                },
                Err(e) => Packages {
                    manager: "rpm".into(),
                    count: None,
                    note: Some(format!("rpm database unreadable: {e}")),
                    list: Vec::new(),
                },
            });
        }
    }
    for (path, format) in [
        ("/var/lib/rpm/Packages", "Berkeley DB"),
        ("/var/lib/rpm/Packages.db", "NDB"),
    ] {
        if fs.get(path).is_some() {
            return Some(Packages {
                manager: "rpm".into(),
                count: None,
                note: Some(format!(
                    "rpm {format} database: the package count is unknown"
                )),
                list: Vec::new(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::rpm::parse_rpm_header;
    use super::*;

    #[test]
    fn package_databases() {
        let mut dpkg = Vec::new();
        parse_dpkg(
            "Package: a\nStatus: install ok installed\nVersion: 1\nInstalled-Size: 2\n\nPackage: b\nStatus: deinstall ok config-files\nVersion: 2\n",
            &mut dpkg,
        );
        assert_eq!(dpkg.len(), 1);
        assert_eq!(dpkg[0].installed_size, Some(2048));
        let apk = parse_apk("C:Q1\nP:musl\nV:1.2.5-r0\nI:600000\n\nP:busybox\nV:1.36.1-r29\n");
        assert_eq!(
            apk.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            vec!["musl", "busybox"]
        );
        assert!(parse_rpm_header(&[0, 0, 0, 1]).is_none());
    }
}
