//! TOML with positions (toml-span, which also bounds nesting): containerd's `config.toml` and
//! `hosts.toml`, CRI-O's `crio.conf`, `registries.conf`. Tables keep their keys in document order.

use super::doc::{Key, Node, Value};
use super::json::LineIndex;

/// Parses one TOML document; the error is one line with its position.
pub fn parse(text: &str) -> Result<Node, String> {
    let mut root = toml_span::parse(text).map_err(|e| {
        let line = e
            .line_info
            .map(|(line, _)| line + 1)
            .unwrap_or_else(|| LineIndex::new(text).pos(text, e.span.start).line as usize);
        format!("line {line}: invalid TOML: {}", e.kind)
    })?;
    let index = LineIndex::new(text);
    Ok(convert(&mut root, text, &index))
}

fn convert(v: &mut toml_span::Value<'_>, text: &str, index: &LineIndex) -> Node {
    use toml_span::value::ValueInner;
    let pos = index.pos(text, v.span.start);
    let value = match v.take() {
        ValueInner::String(s) => Value::Str(s.into_owned()),
        ValueInner::Integer(i) => Value::Int(i),
        ValueInner::Float(f) => Value::Float(f),
        ValueInner::Boolean(b) => Value::Bool(b),
        ValueInner::Array(mut items) => Value::Seq(
            items
                .iter_mut()
                .map(|item| convert(item, text, index))
                .collect(),
        ),
        ValueInner::Table(table) => {
            let mut entries: Vec<(Key, Node)> = table
                .into_iter()
                .map(|(k, mut v)| {
                    let key = Key {
                        name: k.name.into_owned(),
                        pos: index.pos(text, k.span.start),
                    };
                    (key, convert(&mut v, text, index))
                })
                .collect();
            entries.sort_by_key(|(k, _)| k.pos);
            Value::Map(entries)
        }
    };
    Node::new(pos, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_order() {
        let doc = parse(
            "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  stream_server_address = \"0.0.0.0\"\n  disable_tcp_service = false\n",
        )
        .unwrap();
        let cri = doc.at(&["plugins", "io.containerd.grpc.v1.cri"]).unwrap();
        let (key, value) = cri.entry("stream_server_address").unwrap();
        assert_eq!((key.pos.line, value.as_str()), (3, Some("0.0.0.0")));
        let names: Vec<&str> = cri.as_map().iter().map(|(k, _)| k.name.as_str()).collect();
        assert_eq!(names, ["stream_server_address", "disable_tcp_service"]);
        assert_eq!(doc.get("version").and_then(Node::as_i64), Some(2));
    }

    #[test]
    fn errors_and_bombs_are_one_line() {
        let e = parse("a = \n").unwrap_err();
        assert!(e.starts_with("line 1: invalid TOML"), "{e}");
        let bomb = format!("a = {}{}", "[".repeat(10_000), "]".repeat(10_000));
        let e = parse(&bomb).unwrap_err();
        assert!(e.contains("invalid TOML"), "{e}");
        assert!(!e.contains('\n'));
    }
}
