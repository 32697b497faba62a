//! The crate's import graph between top-level modules stays one-way (docs/architecture.md). Every
//! `crate::<module>` path counts — in `use` lines, grouped (`crate::{a::X, b::Y}`) and inline
//! (`crate::inputs::json::parse(…)` called in place); unit tests at the end of a file
//! (`#[cfg(test)]`) do not, since nothing depends on them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One dependency: the first place it is written.
type Edges = BTreeMap<String, BTreeMap<String, String>>;

/// The top-level module a file belongs to: `src/image/pass.rs` → `image`, `checks/…` → `checks`.
fn module_of(path: &str) -> Option<String> {
    if path.starts_with("checks/") {
        return Some("checks".into());
    }
    let rel = path.strip_prefix("src/")?;
    let first = rel.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// The top-level modules a source text names after `crate::`.
fn referenced(text: &str) -> Vec<(String, usize)> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let line = line.split("//").next().unwrap_or("");
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // `crate::{a::X, b::{Y, Z}}`: the first name of each top-level item.
                let mut depth = 0;
                let mut item_start = true;
                let mut name = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            item_start = true;
                            continue;
                        }
                        _ => {}
                    }
                    if item_start {
                        if c.is_alphanumeric() || c == '_' {
                            name.push(c);
                            continue;
                        }
                        if !name.is_empty() {
                            out.push((std::mem::take(&mut name), n + 1));
                            item_start = false;
                        }
                    }
                }
                if !name.is_empty() {
                    out.push((name, n + 1));
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push((name, n + 1));
                }
            }
        }
    }
    out
}

fn edges(files: &[(String, String)]) -> Edges {
    let mut edges = Edges::new();
    for (path, text) in files {
        let Some(from) = module_of(path) else {
            continue;
        };
        for (to, line) in referenced(text) {
            if to != from && to != "self" && to != "super" {
                edges
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_insert_with(|| format!("{path}:{line}"));
            }
        }
    }
    edges
}

/// Strongly connected components with more than one module: the cycles.
fn cycles(edges: &Edges) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges
        .keys()
        .chain(edges.values().flat_map(|m| m.keys()))
        .collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for next in edges.get(&n).into_iter().flat_map(|m| m.keys()) {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    for n in &nodes {
        let mut scc: Vec<String> = nodes
            .iter()
            .filter(|m| reachable[*n].contains(**m) && reachable[*m].contains(*n))
            .map(|m| m.to_string())
            .collect();
        scc.sort();
        if scc.len() > 1 && !out.contains(&scc) {
            out.push(scc);
        }
    }
    out
}

fn source_files() -> Vec<(String, String)> {
    let root = crate::support::repo();
    let mut out = Vec::new();
    for dir in ["src", "checks"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let rel = path
                        .strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    out.push((rel, std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
    }
    out
}

#[test]
fn top_level_modules_import_one_way() {
    let edges = edges(&source_files());
    let found = cycles(&edges);
    let explain: Vec<String> = found
        .iter()
        .map(|scc| {
            let inside: Vec<String> = scc
                .iter()
                .flat_map(|from| {
                    edges[from]
                        .iter()
                        .filter(|(to, _)| scc.contains(to))
                        .map(move |(to, at)| format!("  {from} -> {to} ({at})"))
                })
                .collect();
            format!("cycle: {}\n{}", scc.join(" "), inside.join("\n"))
        })
        .collect();
    assert!(found.is_empty(), "{}", explain.join("\n"));
    // The leaves stay leaves.
    for leaf in ["oci", "finding", "error", "limits"] {
        let deps: Vec<&String> = edges
            .get(leaf)
            .map(|m| {
                m.keys()
                    .filter(|d| !["error", "limits"].contains(&d.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        assert!(deps.is_empty(), "{leaf} imports {deps:?}");
    }
}

/// The check itself: a planted cycle through an inline path and a grouped import is found.
#[test]
fn a_planted_cycle_is_found() {
    let files = vec![
        (
            "src/alpha/mod.rs".to_string(),
            "fn f() { let _ = crate::beta::g(); }\n".to_string(),
        ),
        (
            "src/beta.rs".to_string(),
            "use crate::{gamma::X, delta::{Y, Z}};\n#[cfg(test)]\nmod t { use crate::omega; }\n"
                .to_string(),
        ),
        (
            "src/gamma.rs".to_string(),
            "// crate::beta in a comment\npub fn h() { crate::alpha::f() }\n".to_string(),
        ),
    ];
    let e = edges(&files);
    assert_eq!(
        e["beta"].keys().collect::<Vec<_>>(),
        ["delta", "gamma"],
        "grouped imports read, test modules not"
    );
    assert_eq!(
        cycles(&e),
        vec![vec!["alpha".to_string(), "beta".into(), "gamma".into()]]
    );
    assert!(Path::new(&crate::support::repo().join("docs/architecture.md")).exists());
}
