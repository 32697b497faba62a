//! The validators every other test relies on reject what they must: a validator that passes
//! everything would make those tests pass for nothing.

use crate::support::validate::{json_report_schema_errors, sarif_problems};
use crate::support::{empty_config, stevedore};
use serde_json::{Value, json};

fn demo_sarif() -> Value {
    let run = stevedore(&[
        "image",
        "fixtures/demo.tar",
        "-f",
        "sarif",
        "--fail-on",
        "none",
        "--config",
        &empty_config(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()
}

#[test]
fn sarif_validation_rejects_what_github_refuses() {
    let good = demo_sarif();
    assert_eq!(sarif_problems(&good.to_string()), Vec::<String>::new());
    assert!(good["runs"][0]["results"].as_array().unwrap().len() >= 2);
    type Break = fn(&mut Value);
    let cases: [(&str, Break, &str); 9] = [
        (
            "schema: a level SARIF does not have",
            |d| d["runs"][0]["results"][0]["level"] = json!("fatal"),
            "/runs/0/results/0/level",
        ),
        (
            "schema: a property SARIF does not have",
            |d| d["runs"][0]["invented"] = json!(1),
            "invented",
        ),
        (
            "security-severity as a number",
            |d| {
                d["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"] =
                    json!(9.0)
            },
            "security-severity",
        ),
        (
            "security-severity out of range",
            |d| {
                d["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"] =
                    json!("11")
            },
            "outside",
        ),
        (
            "a uri with a scheme GitHub will not map",
            |d| {
                d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
                    ["uri"] = json!("docker://library/nginx")
            },
            "neither a relative path",
        ),
        (
            "no region.startLine",
            |d| {
                let region =
                    &mut d["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"];
                *region = json!({"startColumn": 1});
            },
            "startLine",
        ),
        (
            "a rule missing from tool.driver.rules",
            |d| d["runs"][0]["results"][0]["ruleId"] = json!("XYZ999"),
            "XYZ999",
        ),
        (
            "no location",
            |d| d["runs"][0]["results"][0]["locations"] = json!([]),
            "no location",
        ),
        (
            "too many runs",
            |d| {
                let run = d["runs"][0].clone();
                d["runs"] = Value::Array(vec![run; 21]);
            },
            "21 runs",
        ),
    ];
    for (what, break_it, says) in cases {
        let mut doc = good.clone();
        break_it(&mut doc);
        let problems = sarif_problems(&doc.to_string());
        assert!(
            problems.iter().any(|p| p.contains(says)),
            "{what}: expected a problem mentioning {says:?}, got {problems:#?}"
        );
    }
    assert_eq!(
        sarif_problems("{\"version\": "),
        vec!["not JSON: EOF while parsing a value at line 1 column 12".to_string()]
    );
}

#[test]
fn json_report_validation_rejects_fields_beyond_the_contract() {
    let run = stevedore(&[
        "image",
        "fixtures/demo.tar",
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &empty_config(),
    ]);
    let good = run.json();
    assert_eq!(json_report_schema_errors(&good), Vec::<String>::new());
    let mut extra = good.clone();
    extra["findings"][0]["invented"] = json!(true);
    assert!(!json_report_schema_errors(&extra).is_empty());
    let mut wrong_type = good.clone();
    wrong_type["summary"]["total"] = json!("three");
    assert!(!json_report_schema_errors(&wrong_type).is_empty());
}
