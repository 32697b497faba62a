//! `stevedore image --dockerfile`: image findings on the Dockerfile line that caused them.

use crate::support::{build_fixture, empty_config, imagegen::Format, stevedore};
use serde_json::Value;

/// (rule, uri, startLine, message) of every SARIF result.
fn located(sarif: &Value) -> Vec<(String, String, i64, String)> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let p = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_string(),
                p["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                p["region"]["startLine"].as_i64().unwrap(),
                r["message"]["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn scan(reference: &str, dockerfile: &str) -> Vec<(String, String, i64, String)> {
    let run = stevedore(&[
        "image",
        reference,
        "--dockerfile",
        dockerfile,
        "-f",
        "sarif",
        "--fail-on",
        "none",
        "--config",
        &empty_config(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    located(&run.json())
}

fn line_of(found: &[(String, String, i64, String)], rule: &str, needle: &str) -> i64 {
    found
        .iter()
        .find(|(r, _, _, m)| r == rule && m.contains(needle))
        .unwrap_or_else(|| panic!("no {rule} `{needle}` in {found:#?}"))
        .2
}

#[test]
fn buildkit_history_maps_to_instructions() {
    let dir = tempfile::tempdir().unwrap();
    let image = build_fixture("buildkit-built", Format::OciDirGzip, dir.path());
    let dockerfile = "fixtures/images/buildkit-built.Dockerfile";
    let found = scan(&image, dockerfile);
    assert!(
        found.iter().all(|(_, uri, _, _)| uri == dockerfile),
        "every finding points at the Dockerfile: {found:#?}"
    );
    // Base-image layer → FROM (line 2); the RUN that set the bit → line 6; ENV → line 8; a
    // missing USER or HEALTHCHECK → the last instruction (line 9).
    assert_eq!(line_of(&found, "FS001", "/bin/su"), 2);
    assert!(
        found
            .iter()
            .any(|(r, _, _, m)| r == "FS001" && m.contains("/bin/su") && m.contains("base image"))
    );
    assert_eq!(line_of(&found, "FS001", "/app/tool"), 6);
    assert_eq!(line_of(&found, "IMG005", "AWS_SECRET_ACCESS_KEY"), 8);
    assert_eq!(line_of(&found, "IMG001", ""), 9);
    assert_eq!(line_of(&found, "IMG002", ""), 9);
    // A certain mapping carries no caveat.
    let tool = found
        .iter()
        .find(|(r, _, _, m)| r == "FS001" && m.contains("/app/tool"))
        .unwrap();
    for caveat in ["differs", "stops matching", "base image", "shown on FROM"] {
        assert!(!tool.3.contains(caveat), "{}", tool.3);
    }
}

#[test]
fn a_dockerfile_that_does_not_match_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let image = build_fixture("buildkit-built", Format::OciDirGzip, dir.path());

    // The RUN changed since the image was built: still that line, with a caveat.
    let edited = dir.path().join("edited.Dockerfile");
    std::fs::write(
        &edited,
        "FROM base\nCOPY app /app\nRUN chmod u+s /app/tool\nENV AWS_SECRET_ACCESS_KEY=x\nEXPOSE 22\n",
    )
    .unwrap();
    let found = scan(&image, edited.to_str().unwrap());
    assert_eq!(line_of(&found, "FS001", "/app/tool"), 3);
    assert!(
        line_message(&found, "FS001", "/app/tool").contains("differs from line 3"),
        "{found:#?}"
    );

    // Another Dockerfile altogether: nothing is pinned on a wrong line.
    let other = dir.path().join("other.Dockerfile");
    std::fs::write(&other, "FROM base\nWORKDIR /srv\nCMD [\"serve\"]\n").unwrap();
    let found = scan(&image, other.to_str().unwrap());
    assert_eq!(line_of(&found, "FS001", "/app/tool"), 1);
    assert!(
        line_message(&found, "FS001", "/app/tool").contains("stops matching"),
        "{found:#?}"
    );
}

fn line_message(found: &[(String, String, i64, String)], rule: &str, needle: &str) -> String {
    found
        .iter()
        .find(|(r, _, _, m)| r == rule && m.contains(needle))
        .map(|f| f.3.clone())
        .unwrap_or_default()
}

#[test]
fn a_missing_or_stageless_dockerfile_is_an_error_before_any_scan() {
    let dir = tempfile::tempdir().unwrap();
    let image = build_fixture("buildkit-built", Format::OciDirGzip, dir.path());
    let empty = dir.path().join("Dockerfile");
    std::fs::write(&empty, "# nothing\n").unwrap();
    for (path, needle) in [
        (empty.to_str().unwrap().to_string(), "no FROM instruction"),
        ("no/such/Dockerfile".to_string(), "no/such/Dockerfile"),
    ] {
        let run = stevedore(&["image", &image, "--dockerfile", &path]);
        assert_eq!(run.code, 2, "{}", run.stdout);
        assert!(run.stderr.contains(needle), "{}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    }
    let run = stevedore(&[
        "image",
        &image,
        "--dockerfile",
        "fixtures/images/buildkit-built.Dockerfile",
        "--target",
        "nope",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no stage named `nope`"),
        "{}",
        run.stderr
    );
}
