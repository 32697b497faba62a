//! YAML with positions (saphyr): multi-document streams, anchors and aliases resolved, and
//! merge keys (`<<: *defaults`, used by compose files) applied.

use super::doc::{Key, Node, Pos, Value};
use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, YamlDataOwned};

/// Parses every document of a YAML stream; the error is one line with its position.
/// Collections nested deeper than this are refused before any tree is built: building,
/// converting and dropping a tree recurse, and 100,000 levels of `- - - …` would overflow the
/// stack. Real manifests stay far below it.
const MAX_DEPTH: usize = 256;

/// Walks the parser's events (iterative, no tree) to check the nesting depth.
fn check_depth(text: &str) -> Result<(), String> {
    use saphyr_parser::{Event, Parser};
    let mut depth = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span) =
            event.map_err(|e| format!("line {}: invalid YAML: {}", e.marker().line(), e.info()))?;
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(format!(
                        "line {}: invalid YAML: nested deeper than {MAX_DEPTH} levels",
                        span.start.line()
                    ));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

pub fn parse(text: &str) -> Result<Vec<Node>, String> {
    check_depth(text)?;
    let docs = MarkedYamlOwned::load_from_str(text).map_err(|e| {
        let m = e.marker();
        format!("line {}: invalid YAML: {}", m.line(), e.info())
    })?;
    Ok(docs.iter().map(convert).collect())
}

fn pos(m: &MarkedYamlOwned) -> Pos {
    Pos {
        line: m.span.start.line() as u32,
        column: m.span.start.col() as u32 + 1,
    }
}

fn convert(n: &MarkedYamlOwned) -> Node {
    let value = match &n.data {
        YamlDataOwned::Value(s) => scalar(s),
        YamlDataOwned::Representation(text, _, _) => Value::Str(text.clone()),
        YamlDataOwned::Sequence(items) => Value::Seq(items.iter().map(convert).collect()),
        YamlDataOwned::Mapping(map) => {
            let mut entries: Vec<(Key, Node)> = Vec::new();
            let mut merged: Vec<(Key, Node)> = Vec::new();
            for (k, v) in map {
                let name = match &k.data {
                    YamlDataOwned::Value(s) => scalar_key(s),
                    _ => continue, // complex keys (`{ … }: x`, templating debris) carry no setting
                };
                if name == "<<" {
                    // Merge keys: explicit keys win over merged ones, earlier merges over later.
                    let sources: Vec<Node> = match &v.data {
                        YamlDataOwned::Sequence(items) => items.iter().map(convert).collect(),
                        _ => vec![convert(v)],
                    };
                    for source in sources {
                        for (mk, mv) in source.as_map() {
                            if !merged.iter().any(|(k, _)| k.name == mk.name) {
                                merged.push((mk.clone(), mv.clone()));
                            }
                        }
                    }
                    continue;
                }
                entries.push((Key { name, pos: pos(k) }, convert(v)));
            }
            for (k, v) in merged {
                if !entries.iter().any(|(e, _)| e.name == k.name) {
                    entries.push((k, v));
                }
            }
            Value::Map(entries)
        }
        YamlDataOwned::Tagged(_, inner) => return convert(inner),
        YamlDataOwned::Alias(_) | YamlDataOwned::BadValue => Value::Null,
    };
    Node::new(pos(n), value)
}

fn scalar(s: &ScalarOwned) -> Value {
    match s {
        ScalarOwned::Null => Value::Null,
        ScalarOwned::Boolean(b) => Value::Bool(*b),
        ScalarOwned::Integer(i) => Value::Int(*i),
        ScalarOwned::FloatingPoint(f) => Value::Float(f.into_inner()),
        ScalarOwned::String(s) => Value::Str(s.clone()),
    }
}

fn scalar_key(s: &ScalarOwned) -> String {
    match s {
        ScalarOwned::Null => "null".into(),
        ScalarOwned::Boolean(b) => b.to_string(),
        ScalarOwned::Integer(i) => i.to_string(),
        ScalarOwned::FloatingPoint(f) => f.to_string(),
        ScalarOwned::String(s) => s.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_anchors_and_merge_keys() {
        let docs = parse(
            "x-base: &base\n  image: nginx\n  privileged: true\nservices:\n  web:\n    <<: *base\n    privileged: false\n---\nkind: Pod\n",
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        let web = docs[0].at(&["services", "web"]).unwrap();
        assert_eq!(
            web.get("privileged").and_then(Node::as_bool),
            Some(false),
            "explicit keys win"
        );
        let image = web.get("image").unwrap();
        assert_eq!(image.as_str(), Some("nginx"));
        assert_eq!(
            image.pos.line, 2,
            "a merged value points where it was written"
        );
        assert_eq!(docs[1].get("kind").unwrap().pos, Pos { line: 9, column: 7 });
        let err = parse("a: [1,\n").unwrap_err();
        assert!(err.starts_with("line 2: invalid YAML"), "{err}");
    }
}
