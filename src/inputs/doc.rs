//! A parsed JSON or YAML document that remembers where every value was written, so a finding
//! can point at the exact line and column.

pub use crate::model::Pos;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys in document order, each with its own position.
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
    /// Which file the node came from, where documents from several files are merged (compose
    /// overrides, `extends`); an index into the merger's file list, 0 otherwise.
    pub src: u16,
}

impl Node {
    pub fn new(pos: Pos, value: Value) -> Node {
        Node { pos, value, src: 0 }
    }

    /// Marks this node and everything below it as coming from file `src`.
    pub fn set_source(&mut self, src: u16) {
        self.src = src;
        match &mut self.value {
            Value::Seq(items) => items.iter_mut().for_each(|n| n.set_source(src)),
            Value::Map(entries) => entries.iter_mut().for_each(|(_, n)| n.set_source(src)),
            _ => {}
        }
    }

    /// Moves this node and everything below it `by` lines up (a document cut out of a stream).
    pub fn shift_lines(&mut self, by: u32) {
        self.pos.line = self.pos.line.saturating_sub(by).max(1);
        match &mut self.value {
            Value::Seq(items) => items.iter_mut().for_each(|n| n.shift_lines(by)),
            Value::Map(entries) => entries.iter_mut().for_each(|(k, n)| {
                k.pos.line = k.pos.line.saturating_sub(by).max(1);
                n.shift_lines(by);
            }),
            _ => {}
        }
    }

    /// Rewrites every string scalar (interpolation), keeping positions.
    pub fn map_strings(&mut self, f: &dyn Fn(&str) -> String) {
        match &mut self.value {
            Value::Str(s) => *s = f(s),
            Value::Seq(items) => items.iter_mut().for_each(|n| n.map_strings(f)),
            Value::Map(entries) => entries.iter_mut().for_each(|(_, n)| n.map_strings(f)),
            _ => {}
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value of `key` (the key's position is where a setting "is").
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.name == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Follows a path of keys: `node.at(&["spec", "template", "spec"])`.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            Value::Str(s) if s == "true" => Some(true),
            Value::Str(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Int(i) => Some(*i),
            Value::Float(f) if f.fract() == 0.0 => Some(*f as i64),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn as_map(&self) -> &[(Key, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// A scalar as text (numbers and booleans too), for values users write either way.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A document already parsed as plain JSON (an admission request's object), without
    /// positions: parsing it again as text only to learn lines nobody reads costs more than
    /// the rest of a review.
    pub fn from_json(v: &serde_json::Value) -> Node {
        const START: Pos = Pos { line: 1, column: 1 };
        let value = match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Array(items) => {
                Value::Seq(items.iter().map(Node::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| {
                        let key = Key {
                            name: k.clone(),
                            pos: START,
                        };
                        (key, Node::from_json(v))
                    })
                    .collect(),
            ),
        };
        Node::new(START, value)
    }

    /// Plain JSON, for deserialising into typed structs where positions are not needed.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
            }
            Value::Str(s) => s.clone().into(),
            Value::Seq(items) => items.iter().map(Node::to_json).collect::<Vec<_>>().into(),
            Value::Map(entries) => entries
                .iter()
                .map(|(k, v)| (k.name.clone(), v.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }
}
