//! What an image's base is: the OS (os-release and friends), its packages (dpkg, apk, rpm), the
//! tools a running service rarely needs (shells, package managers, network tools, compilers,
//! debuggers), and a classification from `scratch` to `full`.

use super::fs::{Entry, Fs, Kind};
use serde::Serialize;
use std::collections::BTreeMap;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolCategory {
    Shell,
    PackageManager,
    NetworkTool,
    Compiler,
    Debugger,
}

impl ToolCategory {
    pub fn describe(self) -> &'static str {
        match self {
            ToolCategory::Shell => "shells",
            ToolCategory::PackageManager => "package managers",
            ToolCategory::NetworkTool => "network tools",
            ToolCategory::Compiler => "compilers and interpreters",
            ToolCategory::Debugger => "debuggers",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub category: ToolCategory,
    pub name: String,
    pub path: String,
    pub layer: usize,
}

/// How far from minimal the base is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseClass {
    /// Nothing but the application: no OS, no shell, no package manager.
    Scratch,
    /// An OS userland without shell or package manager (distroless, chiseled, static).
    Distroless,
    /// A shell or a package manager, but few packages (alpine, busybox, wolfi).
    Minimal,
    /// Shell, package manager and many packages (debian, ubuntu, ubi, fedora…).
    Full,
}

#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    pub os: Option<OsInfo>,
    pub packages: Option<Packages>,
    pub tools: Vec<Tool>,
    pub class: BaseClass,
    /// Uncompressed bytes of the layers up to the one that wrote the OS identification.
    pub base_bytes: u64,
    /// The day lifecycle data is judged against (`YYYY-MM-DD`).
    pub as_of: String,
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
pub fn build(fs: &Fs, layers: &[super::Layer], max_minimal: usize, as_of: &str) -> Inventory {
    let os = detect_os(fs);
    let packages = packages(fs);
    let tools = tools(fs);
    let class = classify(os.as_ref(), packages.as_ref(), &tools, max_minimal);
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
        tools,
        class,
        base_bytes,
        as_of: as_of.to_string(),
    }
}

impl Inventory {
    /// No inventory (not built).
    pub fn none(as_of: &str) -> Inventory {
        Inventory {
            os: None,
            packages: None,
            tools: Vec::new(),
            class: BaseClass::Scratch,
            base_bytes: 0,
            as_of: as_of.to_string(),
        }
    }
}

/// Today in UTC as `YYYY-MM-DD` (civil-from-days, proleptic Gregorian).
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Checks a `YYYY-MM-DD` date.
pub fn valid_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && text
            .split('-')
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
        && text[5..7]
            .parse::<u8>()
            .is_ok_and(|m| (1..=12).contains(&m))
        && text[8..10]
            .parse::<u8>()
            .is_ok_and(|d| (1..=31).contains(&d))
}

/// Packages above which a base with a shell and a package manager is `full` (the default).
pub const MINIMAL_MAX_PACKAGES: usize = 30;

const BIN_DIRS: [&str; 6] = [
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
];

const TOOLS: [(&str, ToolCategory); 31] = [
    ("sh", ToolCategory::Shell),
    ("bash", ToolCategory::Shell),
    ("dash", ToolCategory::Shell),
    ("ash", ToolCategory::Shell),
    ("zsh", ToolCategory::Shell),
    ("busybox", ToolCategory::Shell),
    ("apt", ToolCategory::PackageManager),
    ("apt-get", ToolCategory::PackageManager),
    ("dpkg", ToolCategory::PackageManager),
    ("apk", ToolCategory::PackageManager),
    ("rpm", ToolCategory::PackageManager),
    ("dnf", ToolCategory::PackageManager),
    ("yum", ToolCategory::PackageManager),
    ("microdnf", ToolCategory::PackageManager),
    ("pip", ToolCategory::PackageManager),
    ("pip3", ToolCategory::PackageManager),
    ("curl", ToolCategory::NetworkTool),
    ("wget", ToolCategory::NetworkTool),
    ("nc", ToolCategory::NetworkTool),
    ("ncat", ToolCategory::NetworkTool),
    ("socat", ToolCategory::NetworkTool),
    ("telnet", ToolCategory::NetworkTool),
    ("ssh", ToolCategory::NetworkTool),
    ("scp", ToolCategory::NetworkTool),
    ("gcc", ToolCategory::Compiler),
    ("cc", ToolCategory::Compiler),
    ("make", ToolCategory::Compiler),
    ("perl", ToolCategory::Compiler),
    ("python3", ToolCategory::Compiler),
    ("gdb", ToolCategory::Debugger),
    ("strace", ToolCategory::Debugger),
];

fn text(fs: &Fs, path: &str) -> Option<String> {
    fs.read(path)
        .map(|c| String::from_utf8_lossy(&c.bytes).into_owned())
}

/// `KEY="value"` lines of an os-release file.
fn os_release(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_string(),
                v.trim().trim_matches(|c| c == '"' || c == '\'').to_string(),
            )
        })
        .collect()
}

pub fn detect_os(fs: &Fs) -> Option<OsInfo> {
    let layer_of = |p: &str| fs.resolve(p).map_or(0, |e| e.layer);
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        if let Some(t) = text(fs, path) {
            let kv = os_release(&t);
            let id = kv.get("ID").cloned().unwrap_or_default();
            if id.is_empty() {
                continue;
            }
            let like = kv.get("ID_LIKE").cloned().unwrap_or_default();
            return Some(OsInfo {
                family: family(&id, &like),
                version_id: kv.get("VERSION_ID").cloned().unwrap_or_default(),
                pretty_name: kv.get("PRETTY_NAME").cloned().unwrap_or_default(),
                version_codename: kv.get("VERSION_CODENAME").cloned().unwrap_or_default(),
                source: path.into(),
                layer: layer_of(path),
                id,
            });
        }
    }
    let simple = |id: &str, path: &str, version: String, pretty: String| OsInfo {
        id: id.into(),
        family: family(id, ""),
        version_id: version,
        pretty_name: pretty,
        version_codename: String::new(),
        source: path.into(),
        layer: layer_of(path),
    };
    if let Some(v) = text(fs, "/etc/alpine-release") {
        let v = v.trim().to_string();
        return Some(simple(
            "alpine",
            "/etc/alpine-release",
            v.clone(),
            format!("Alpine Linux v{v}"),
        ));
    }
    if let Some(v) = text(fs, "/etc/debian_version") {
        let v = v.trim().to_string();
        let major = v.split('.').next().unwrap_or("").to_string();
        return Some(simple(
            "debian",
            "/etc/debian_version",
            major,
            format!("Debian GNU/Linux {v}"),
        ));
    }
    if let Some(v) = text(fs, "/etc/redhat-release") {
        let pretty = v.trim().to_string();
        let version = pretty
            .split_whitespace()
            .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .unwrap_or("")
            .to_string();
        return Some(simple("rhel", "/etc/redhat-release", version, pretty));
    }
    if fs.get("/bin/busybox").is_some()
        && fs.get("/var/lib/dpkg/status").is_none()
        && fs.get("/lib/apk/db/installed").is_none()
    {
        return Some(simple(
            "busybox",
            "/bin/busybox",
            String::new(),
            "BusyBox".into(),
        ));
    }
    None
}

fn family(id: &str, like: &str) -> String {
    let words: Vec<&str> = like.split_whitespace().chain(std::iter::once(id)).collect();
    for (family, members) in [
        ("debian", &["debian", "ubuntu"][..]),
        (
            "rhel",
            &["rhel", "fedora", "centos", "rocky", "almalinux", "amzn"][..],
        ),
        ("suse", &["suse", "opensuse", "sles", "opensuse-leap"][..]),
        ("alpine", &["alpine", "wolfi", "chainguard"][..]),
    ] {
        if words.iter().any(|w| members.contains(w)) {
            return family.into();
        }
    }
    id.to_string()
}

/// dpkg status stanzas: installed packages only (not `deinstall … config-files`).
pub fn parse_dpkg(text: &str, out: &mut Vec<Package>) {
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

/// apk's `installed` database: `P:` name, `V:` version, `I:` installed size in bytes.
pub fn parse_apk(text: &str) -> Vec<Package> {
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

/// An rpm header blob: NAME (1000), VERSION (1001), RELEASE (1002), SIZE (1009).
pub fn parse_rpm_header(blob: &[u8]) -> Option<Package> {
    let be32 = |at: usize| {
        blob.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let entries = be32(0)? as usize;
    let data_len = be32(4)? as usize;
    let data_start = 8usize.checked_add(entries.checked_mul(16)?)?;
    let data = blob.get(data_start..data_start.checked_add(data_len)?)?;
    let mut fields: BTreeMap<u32, (u32, usize)> = BTreeMap::new();
    for i in 0..entries.min(10_000) {
        let at = 8 + i * 16;
        fields.insert(be32(at)?, (be32(at + 4)?, be32(at + 8)? as usize));
    }
    let string = |tag: u32| -> Option<String> {
        let (_, off) = fields.get(&tag)?;
        let rest = data.get(*off..)?;
        let end = rest.iter().position(|b| *b == 0)?;
        Some(String::from_utf8_lossy(&rest[..end]).into_owned())
    };
    let size = fields.get(&1009).and_then(|(_, off)| {
        let b = data.get(*off..*off + 4)?;
        Some(u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
    });
    let version = match (string(1001), string(1002)) {
        (Some(v), Some(r)) => format!("{v}-{r}"),
        (Some(v), None) => v,
        _ => String::new(),
    };
    Some(Package {
        name: string(1000)?,
        version,
        installed_size: size,
    })
}

/// Reads an rpm sqlite database through a private temp file (sqlite needs a file).
fn parse_rpm_sqlite(bytes: &[u8]) -> Result<Vec<Package>, String> {
    let mut tmp = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(|e| e.to_string())?;
    let conn = rusqlite::Connection::open_with_flags(
        tmp.path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .map_err(|e| e.to_string())?;
    let mut stmt = conn
        .prepare("SELECT blob FROM Packages")
        .map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for row in rows {
        let blob = row.map_err(|e| e.to_string())?;
        if let Some(p) = parse_rpm_header(&blob) {
            out.push(p);
        }
    }
    Ok(out)
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

/// Shells, package managers, network tools, compilers, debuggers on the usual paths. Busybox
/// applets (links to busybox) count as busybox.
pub fn tools(fs: &Fs) -> Vec<Tool> {
    let mut out: Vec<Tool> = Vec::new();
    for dir in BIN_DIRS {
        for e in fs.under(dir) {
            let Some(name) = e.path.strip_prefix(dir).and_then(|r| r.strip_prefix('/')) else {
                continue;
            };
            if name.contains('/') {
                continue;
            }
            let Some(&(_, category)) = TOOLS
                .iter()
                .find(|(t, _)| *t == name || (*t == "python3" && name.starts_with("python3")))
            else {
                continue;
            };
            if !matches!(e.kind, Kind::File | Kind::Symlink | Kind::Hardlink) {
                continue;
            }
            if is_busybox_applet(fs, e) {
                continue;
            }
            out.push(Tool {
                category,
                name: name.to_string(),
                path: e.path.clone(),
                layer: e.layer,
            });
        }
    }
    out.sort_by(|a, b| (a.category, &a.path).cmp(&(b.category, &b.path)));
    out
}

fn is_busybox_applet(fs: &Fs, e: &Entry) -> bool {
    e.path.rsplit('/').next() != Some("busybox")
        && fs
            .resolve(&e.path)
            .is_some_and(|t| t.path.ends_with("/busybox"))
}

pub fn classify(
    os: Option<&OsInfo>,
    packages: Option<&Packages>,
    tools: &[Tool],
    max_minimal: usize,
) -> BaseClass {
    let shell = tools.iter().any(|t| t.category == ToolCategory::Shell);
    let pm = tools
        .iter()
        .any(|t| t.category == ToolCategory::PackageManager && t.name != "pip" && t.name != "pip3");
    let count = packages.and_then(|p| p.count);
    if !shell && !pm {
        return if os.is_none() && count.unwrap_or(0) == 0 {
            BaseClass::Scratch
        } else {
            BaseClass::Distroless
        };
    }
    match count {
        Some(n) if shell && pm && n > max_minimal => BaseClass::Full,
        // An rpm database of unknown size with a shell and a package manager is a full distro.
        None if shell && pm && packages.is_some() => BaseClass::Full,
        _ => BaseClass::Minimal,
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn families() {
        assert_eq!(family("ubuntu", "debian"), "debian");
        assert_eq!(family("rocky", "rhel centos fedora"), "rhel");
        assert_eq!(family("wolfi", ""), "alpine");
    }
}
