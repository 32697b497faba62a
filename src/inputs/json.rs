//! JSON with positions (jsonc-parser). Strict by default, as dockerd's own parser is: a comment
//! or a trailing comma in `daemon.json` stops the daemon, so it is a parse error here too.

use super::doc::{Key, Node, Pos, Value};
use jsonc_parser::ast;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

/// Byte offsets → line/column, computed once per text.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    pub fn pos(&self, text: &str, offset: usize) -> Pos {
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        Pos {
            line: line as u32,
            column: column as u32,
        }
    }
}

fn strict() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Parses one JSON document; the error is one line with its position.
pub fn parse(text: &str) -> Result<Node, String> {
    let parsed = parse_to_ast(text, &CollectOptions::default(), &strict())
        .map_err(|e| format!("line {}: invalid JSON: {}", e.line_display(), e.kind()))?;
    let value = parsed.value.ok_or_else(|| "empty document".to_string())?;
    let index = LineIndex::new(text);
    Ok(convert(&value, text, &index))
}

fn convert(v: &ast::Value<'_>, text: &str, index: &LineIndex) -> Node {
    let pos = |start: usize| index.pos(text, start);
    match v {
        ast::Value::StringLit(s) => Node::new(pos(s.range.start), Value::Str(s.value.to_string())),
        ast::Value::NumberLit(n) => {
            let value = n
                .value
                .parse::<i64>()
                .map(Value::Int)
                .or_else(|_| n.value.parse::<f64>().map(Value::Float))
                .unwrap_or_else(|_| Value::Str(n.value.to_string()));
            Node::new(pos(n.range.start), value)
        }
        ast::Value::BooleanLit(b) => Node::new(pos(b.range.start), Value::Bool(b.value)),
        ast::Value::NullKeyword(n) => Node::new(pos(n.range.start), Value::Null),
        ast::Value::Array(a) => Node::new(
            pos(a.range.start),
            Value::Seq(a.elements.iter().map(|e| convert(e, text, index)).collect()),
        ),
        ast::Value::Object(o) => Node::new(
            pos(o.range.start),
            Value::Map(
                o.properties
                    .iter()
                    .map(|p| {
                        let key = Key {
                            name: p.name.as_str().to_string(),
                            pos: pos(p.range.start),
                        };
                        (key, convert(&p.value, text, index))
                    })
                    .collect(),
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_errors() {
        let doc = parse("{\n  \"icc\": true,\n  \"hosts\": [\"tcp://0.0.0.0:2375\"]\n}").unwrap();
        let (key, value) = doc.entry("hosts").unwrap();
        assert_eq!((key.pos.line, key.pos.column), (3, 3));
        assert_eq!(
            value.as_seq()[0].pos,
            Pos {
                line: 3,
                column: 13
            }
        );
        assert_eq!(doc.get("icc").and_then(Node::as_bool), Some(true));
        let err = parse("{\n \"a\": 1, // no\n}").unwrap_err();
        assert!(err.starts_with("line 2: invalid JSON"), "{err}");
        assert!(parse("{\"a\": [1,]}").is_err());
    }

    #[test]
    fn plain_json_converts_to_the_same_document_without_positions() {
        let text = r#"{"spec": {"containers": [{"name": "c", "image": "x",
            "securityContext": {"runAsUser": 0, "privileged": true}}], "big": 18446744073709551615,
            "ratio": 0.5, "none": null}}"#;
        let plain: serde_json::Value = serde_json::from_str(text).unwrap();
        let positioned = parse(text).unwrap();
        let converted = Node::from_json(&plain);
        // The same values a text parse gives (serde_json orders keys), at line 1.
        assert_eq!(converted.to_json(), positioned.to_json());
        assert_eq!(
            converted.to_json()["spec"]["containers"],
            plain["spec"]["containers"]
        );
        let user = converted
            .get("spec")
            .and_then(|s| s.get("containers"))
            .map(|c| c.as_seq()[0].clone())
            .unwrap();
        assert_eq!(user.pos.line, 1);
    }
}
