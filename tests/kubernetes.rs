//! Kubernetes beyond containers: exposure, Pod Security levels and namespaces, rendered Helm
//! charts, and what a partial view (a hook's files) may not judge.

use crate::support::{file_findings as findings, repo, stevedore};
use serde_json::Value;

const SHOP: &str = "fixtures/kubernetes/shop";
const SHOP_CONFIG: &str = "fixtures/kubernetes/shop/.stevedore.yaml";

fn rules(report: &Value) -> Vec<String> {
    findings(report).into_iter().map(|f| f.0).collect()
}

/// The realistic application of the README: its report, rule by rule and level by level.
#[test]
fn a_realistic_application() {
    let run = stevedore(&["config", SHOP, "--config", SHOP_CONFIG, "--fail-on", "none"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("shop_text_report", run.stdout);

    let json = stevedore(&[
        "config",
        SHOP,
        "--config",
        SHOP_CONFIG,
        "-f",
        "json",
        "--fail-on",
        "none",
    ])
    .json();
    let levels: Vec<(String, String, String)> = json["target"]["pod_security"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["object"].as_str().unwrap().to_string(),
                p["level"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let level = |o: &str| levels.iter().find(|l| l.0 == o).cloned().unwrap();
    // Judged at the namespace's enforce-version; batch has no Namespace label: the newest.
    assert_eq!(level("Deployment/api").1, "restricted");
    assert_eq!(level("Deployment/api").2, "v1.33");
    assert_eq!(level("Deployment/admin").1, "baseline");
    assert_eq!(level("CronJob/export").1, "privileged");
    assert_eq!(level("CronJob/export").2, "v1.34");
    let found = findings(&json);
    let has = |rule: &str, at: &str| found.iter().any(|f| f.0 == rule && f.1 == at);
    assert!(
        has("POD001", "fixtures/kubernetes/shop/admin.yaml:16"),
        "{found:#?}"
    );
    // On AWS (the project says so) Azure's internal annotation does nothing.
    assert!(
        found
            .iter()
            .any(|f| f.0 == "EXP001" && f.2.contains("azure-load-balancer-internal (azure only)")),
        "{found:#?}"
    );
    assert!(
        has("EXP003", "fixtures/kubernetes/shop/admin.yaml:41"),
        "{found:#?}"
    );
    assert!(
        has("POD002", "fixtures/kubernetes/shop/namespace.yaml:12"),
        "{found:#?}"
    );
    // The ingress controller's own load balancer is the public door: not EXP001, and open to
    // the world only at low severity.
    assert!(
        !found
            .iter()
            .any(|f| f.0 == "EXP001" && f.2.contains("ingress-nginx"))
    );
    // The hardened workloads say nothing.
    assert!(
        !found
            .iter()
            .any(|f| f.2.starts_with("Deployment/api") || f.2.starts_with("Deployment/web")),
        "{found:#?}"
    );
}

/// Counting public load balancers needs the whole set: the same files handed over one by one
/// (as a hook does) say nothing about it.
#[test]
fn counts_across_objects_need_the_whole_set() {
    let whole = stevedore(&[
        "config",
        SHOP,
        "--config",
        SHOP_CONFIG,
        "-f",
        "json",
        "--fail-on",
        "none",
        "--select",
        "EXP003",
    ]);
    assert_eq!(rules(&whole.json()), ["EXP003"]);
    let files: Vec<String> = std::fs::read_dir(repo().join(SHOP))
        .unwrap()
        .map(|e| format!("{SHOP}/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|f| f.ends_with(".yaml") && !f.ends_with(".stevedore.yaml"))
        .collect();
    let mut args = vec![
        "config",
        "-f",
        "json",
        "--fail-on",
        "none",
        "--select",
        "EXP003",
    ];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--config", SHOP_CONFIG]);
    let partial = stevedore(&args);
    assert_eq!(partial.code, 0, "{}", partial.stderr);
    assert!(rules(&partial.json()).is_empty(), "{}", partial.stdout);
}

/// `helm template … | stevedore config - --kind kubernetes`: each finding names the template
/// its `# Source:` comment gives, at the line within it.
#[test]
fn rendered_helm_charts_point_at_their_templates() {
    let rendered = "---\n# Source: shop/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n  ports: [{port: 80}]\n---\n# Source: shop/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n      - name: web\n        image: nginx:1.27\n";
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stevedore"))
        .args([
            "config",
            "-",
            "--kind",
            "kubernetes",
            "-f",
            "json",
            "--fail-on",
            "none",
            "--select",
            "EXP004,CTR007",
        ])
        .current_dir(repo())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(rendered.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let at: Vec<(String, String)> = findings(&report).into_iter().map(|f| (f.0, f.1)).collect();
    assert_eq!(
        at,
        [
            (
                "CTR007".to_string(),
                "shop/templates/deployment.yaml:8".to_string()
            ),
            (
                "EXP004".to_string(),
                "shop/templates/service.yaml:6".to_string()
            ),
        ]
    );
}

/// `--profile pss-baseline` runs the rules of baseline controls only; restricted adds its own.
#[test]
fn profiles_select_the_rules_of_a_level() {
    let run = |profile: &str| {
        let r = stevedore(&[
            "config",
            SHOP,
            "--config",
            SHOP_CONFIG,
            "-f",
            "json",
            "--fail-on",
            "none",
            "--profile",
            profile,
        ]);
        let mut ids: Vec<String> = r.json()["rules_run"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let baseline = run("pss-baseline");
    let restricted = run("pss-restricted");
    assert!(baseline.contains(&"CTR001".to_string()) && baseline.contains(&"POD004".to_string()));
    assert!(!baseline.contains(&"CTR006".to_string()), "{baseline:?}");
    assert!(
        restricted.contains(&"CTR006".to_string()) && restricted.contains(&"POD009".to_string())
    );
    assert!(
        !restricted.contains(&"EXP001".to_string()),
        "{restricted:?}"
    );
    assert!(baseline.iter().all(|id| restricted.contains(id)));
}

/// The README shows the shop's report as it is.
#[test]
fn the_readme_shows_the_shop_report_as_it_is() {
    let run = stevedore(&["config", SHOP, "--config", SHOP_CONFIG, "--fail-on", "none"]);
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(
        readme.contains(run.stdout.trim_end()),
        "README.md's shop report differs from:\n{}",
        run.stdout
    );
}

/// Probes are not security: POD012 runs only when named, never with its family or by default.
#[test]
fn missing_probes_run_only_when_named() {
    let file = "fixtures/rules/POD012/fires.kubernetes.yaml";
    let ids = |extra: &[&str]| {
        let mut args = vec!["config", file, "-f", "json", "--fail-on", "none"];
        args.extend_from_slice(extra);
        rules(&stevedore(&args).json())
    };
    assert!(!ids(&[]).contains(&"POD012".to_string()));
    assert!(!ids(&["--select", "POD"]).contains(&"POD012".to_string()));
    assert_eq!(ids(&["--select", "missing-probes"]), ["POD012"]);
}
