//! Generated documentation must match the catalog, and the shipped demo image must match its
//! description. Set STEVEDORE_BLESS=1 to rewrite them.

use crate::support::imagegen::{self, Format};
use crate::support::{fixture, repo};

fn bless() -> bool {
    std::env::var_os("STEVEDORE_BLESS").is_some_and(|v| v == "1")
}

const START: &str = "<!-- rules:start -->\n";
const END: &str = "<!-- rules:end -->";

#[test]
fn readme_rule_table_is_current() {
    let path = repo().join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = text
        .split_once(START)
        .expect("README has the rules:start marker");
    let (_, tail) = rest
        .split_once(END)
        .expect("README has the rules:end marker");
    let want = format!(
        "{head}{START}{}{END}{tail}",
        stevedore::report::rules::markdown_table()
    );
    if bless() {
        std::fs::write(&path, &want).unwrap();
    }
    assert!(
        bless() || text == want,
        "README rule table is stale: run STEVEDORE_BLESS=1 cargo test docs::"
    );
}

#[test]
fn rules_document_is_current() {
    let path = repo().join("docs/rules.md");
    let want = stevedore::report::rules::rules_document();
    if bless() {
        std::fs::write(&path, &want).unwrap();
    }
    // Read back after a bless, so blessing passes on its own run.
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is stale: run STEVEDORE_BLESS=1 cargo test docs::"
    );
}

#[test]
fn demo_archive_matches_its_description() {
    let built = imagegen::build(&imagegen::load(&fixture("images/demo.yaml")));
    let want = imagegen::archive(&imagegen::docker_members(&built));
    let path = fixture("demo.tar");
    if bless() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read(&path).unwrap_or_default();
    assert!(
        have == want,
        "fixtures/demo.tar is stale: run STEVEDORE_BLESS=1 cargo test docs::"
    );
    let _ = Format::DockerArchive;
}
