//! Base OS: identification, package inventory, tools, classification, and the OS rules.

use crate::support::imagegen::{self, Format, RawEntry, raw_tar};
use crate::support::{build_fixture, empty_config, stevedore};
use serde_json::{Value, json};

fn scan(reference: &str, extra: &[&str]) -> Value {
    let cfg = empty_config();
    let mut args = vec![
        "image",
        reference,
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &cfg,
    ];
    args.extend_from_slice(extra);
    let run = stevedore(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()
}

fn fixture(name: &str, extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    scan(&build_fixture(name, Format::OciDirGzip, dir.path()), extra)
}

fn os_findings(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"].as_str().unwrap().starts_with("OS"))
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn full_debian_base() {
    let report = fixture("debian-full", &[]);
    let inv = &report["target"]["inventory"];
    assert_eq!(inv["os"]["id"], "debian");
    assert_eq!(inv["os"]["version_id"], "11");
    assert_eq!(inv["os"]["family"], "debian");
    assert_eq!(inv["packages"]["manager"], "dpkg");
    assert_eq!(
        inv["packages"]["count"], 35,
        "config-files-only packages are not installed"
    );
    assert_eq!(
        inv["packages"]["list"][0],
        json!({"name": "pkg00", "version": "1.0", "installed_size": 102400})
    );
    assert_eq!(inv["class"], "full");
    let found = os_findings(&report);
    let os001 = found.iter().find(|f| f.0 == "OS001").expect("OS001");
    assert!(
        os001
            .2
            .contains("35 packages, 2 shells, 2 package managers, 2 network/compiler/debug tools"),
        "{os001:?}"
    );
    assert!(os001.2.contains("distroless"), "{os001:?}");
    let os003: Vec<&String> = found
        .iter()
        .filter(|f| f.0 == "OS003")
        .map(|f| &f.2)
        .collect();
    assert_eq!(os003.len(), 4, "{os003:?}");
    assert!(
        os003
            .iter()
            .any(|m| m.starts_with("shells (2): /bin/bash, /bin/sh"))
    );
    assert!(
        os003
            .iter()
            .any(|m| m.starts_with("network tools (1): /usr/bin/curl"))
    );
    // Debian 11: standard support ended 2024-08-14, LTS 2026-08-31.
    let eol = |day: &str| {
        os_findings(&fixture("debian-full", &["--as-of", day]))
            .into_iter()
            .filter(|f| f.0 == "OS002")
            .collect::<Vec<_>>()
    };
    assert_eq!(eol("2026-11-27")[0].1, "high");
    assert!(
        eol("2026-11-27")[0]
            .2
            .contains("past end of life: support ended 2026-08-31")
    );
    assert_eq!(eol("2025-01-01")[0].1, "medium");
    assert!(
        eol("2025-01-01")[0]
            .2
            .contains("only extended support (until 2026-08-31) remains")
    );
    assert!(eol("2024-01-01").is_empty());
    let bad = stevedore(&["image", "fixtures/demo.tar", "--as-of", "2026-13-01"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn distroless_alpine_scratch_unknown() {
    let distroless = fixture("distroless", &[]);
    let inv = &distroless["target"]["inventory"];
    assert_eq!(inv["class"], "distroless");
    assert_eq!(
        inv["packages"]["count"], 2,
        "status.d stanzas, .md5sums ignored"
    );
    assert_eq!(
        os_findings(&distroless),
        vec![("OS002".into(), "medium".into(), "Distroless: standard support ended 2026-06-10; only extended support (until 2028-06-30) remains, as of 2026-11-27".into())]
    );

    let alpine = fixture("alpine", &[]);
    let inv = &alpine["target"]["inventory"];
    assert_eq!(
        (
            inv["packages"]["manager"].as_str(),
            inv["packages"]["count"].as_u64()
        ),
        (Some("apk"), Some(3))
    );
    assert_eq!(inv["class"], "minimal");
    let found = os_findings(&alpine);
    assert!(
        !found.iter().any(|f| f.0 == "OS001"),
        "alpine is minimal: {found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.0 == "OS003" && f.2 == "shells (1): /bin/busybox"),
        "applets count as busybox: {found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.0 == "OS003" && f.2 == "package managers (1): /sbin/apk")
    );
    assert!(
        found.iter().any(|f| f.0 == "OS002" && f.1 == "high"),
        "3.20 ended 2026-04-01: {found:?}"
    );

    let scratch = fixture("scratch", &[]);
    assert_eq!(scratch["target"]["inventory"]["class"], "scratch");
    assert!(os_findings(&scratch).is_empty());

    let unknown = fixture("unknown-os", &[]);
    let found = os_findings(&unknown);
    assert!(
        found.iter().any(|f| f.0 == "OS004" && f.1 == "info"),
        "{found:?}"
    );
}

/// An rpm image: a sqlite database with real rpm headers, and the older Berkeley DB format
/// whose size is reported unknown rather than guessed.
#[test]
fn rpm_databases() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rpmdb.sqlite");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)",
            [],
        )
        .unwrap();
        for i in 0..40 {
            let blob = rpm_header(&format!("pkg{i}"), "1.0", &format!("{i}.el9"), 1000 + i);
            conn.execute("INSERT INTO Packages (blob) VALUES (?1)", [blob])
                .unwrap();
        }
    }
    let sqlite = std::fs::read(&db).unwrap();
    let os_release =
        b"NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.4\"\n";
    let files: Vec<RawEntry> = vec![
        (
            b"etc/os-release",
            tar::EntryType::Regular,
            0o644,
            os_release,
            None,
        ),
        (
            b"var/lib/rpm/rpmdb.sqlite",
            tar::EntryType::Regular,
            0o644,
            &sqlite,
            None,
        ),
        (b"bin/bash", tar::EntryType::Regular, 0o755, b"bash", None),
        (
            b"usr/bin/microdnf",
            tar::EntryType::Regular,
            0o755,
            b"dnf",
            None,
        ),
    ];
    let built = imagegen::from_layers(
        vec![raw_tar(&files)],
        json!({"User": "1001", "Cmd": ["/app"]}),
    );
    let path = imagegen::write(&built, Format::OciDirZstd, dir.path(), "rpm");
    let report = scan(&format!("oci:{}", path.display()), &[]);
    let inv = &report["target"]["inventory"];
    assert_eq!(inv["os"]["family"], "rhel");
    assert_eq!(inv["packages"]["count"], 40);
    assert_eq!(
        inv["packages"]["list"][3],
        json!({"name": "pkg3", "version": "1.0-3.el9", "installed_size": 1003})
    );
    assert_eq!(inv["class"], "full");
    assert!(
        os_findings(&report)
            .iter()
            .any(|f| f.0 == "OS001" && f.2.contains("ubi-micro"))
    );

    let bdb: Vec<RawEntry> = vec![
        (
            b"etc/os-release",
            tar::EntryType::Regular,
            0o644,
            b"ID=centos\nVERSION_ID=7\n",
            None,
        ),
        (
            b"var/lib/rpm/Packages",
            tar::EntryType::Regular,
            0o644,
            b"\x00\x06\x15\x61 berkeley",
            None,
        ),
    ];
    let built = imagegen::from_layers(vec![raw_tar(&bdb)], json!({}));
    let path = imagegen::write(&built, Format::OciDirGzip, dir.path(), "bdb");
    let inv = scan(&format!("oci:{}", path.display()), &[])["target"]["inventory"].clone();
    assert!(inv["packages"]["count"].is_null());
    assert_eq!(
        inv["packages"]["note"],
        "rpm Berkeley DB database: the package count is unknown"
    );
}

/// A minimal rpm header: NAME, VERSION, RELEASE (strings) and SIZE (int32).
fn rpm_header(name: &str, version: &str, release: &str, size: u32) -> Vec<u8> {
    let mut data = Vec::new();
    let mut index = Vec::new();
    for (tag, value) in [(1000u32, name), (1001, version), (1002, release)] {
        index.push((tag, 6u32, data.len() as u32, 1u32));
        data.extend_from_slice(value.as_bytes());
        data.push(0);
    }
    while data.len() % 4 != 0 {
        data.push(0);
    }
    index.push((1009, 4, data.len() as u32, 1));
    data.extend_from_slice(&size.to_be_bytes());
    let mut out = Vec::new();
    out.extend_from_slice(&(index.len() as u32).to_be_bytes());
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    for (tag, ty, off, count) in index {
        for v in [tag, ty, off, count] {
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
    out.extend_from_slice(&data);
    out
}
