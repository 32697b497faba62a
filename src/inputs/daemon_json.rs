//! `daemon.json` into the daemon model. Keys dockerd does not know are kept (DMN020 reports
//! them); every setting keeps its key's position.

use super::doc::{Node, Value};
use crate::model::Loc;
use crate::model::daemon::{DaemonConfig, JsonType, Setting, SettingValue};
use std::sync::Arc;

impl DaemonConfig {
    /// Reads `daemon.json`. Keys dockerd does not know are kept too (DMN020 reports them).
    pub fn from_json(file: &Arc<str>, doc: &Node) -> DaemonConfig {
        let mut cfg = DaemonConfig::empty(Loc::new(file, doc.pos, ""));
        for (key, value) in doc.as_map() {
            cfg.file_settings.push(Setting {
                key: key.name.clone(),
                value: from_node(value),
                loc: Loc::new(file, key.pos, key.name.clone()),
                flag: None,
                written: Some(json_type(value)),
            });
        }
        cfg
    }
}

fn json_type(n: &Node) -> JsonType {
    let is_string = |v: &Node| matches!(v.value, Value::Str(_));
    match &n.value {
        Value::Bool(_) => JsonType::Boolean,
        Value::Str(_) => JsonType::String,
        Value::Int(_) | Value::Float(_) => JsonType::Number,
        Value::Seq(items) => JsonType::Array {
            strings_only: items.iter().all(is_string),
        },
        Value::Map(entries) => JsonType::Object {
            string_values: entries.iter().all(|(_, v)| is_string(v)),
        },
        Value::Null => JsonType::Null,
    }
}

fn from_node(n: &Node) -> SettingValue {
    match &n.value {
        Value::Bool(b) => SettingValue::Bool(*b),
        Value::Str(s) => SettingValue::Str(s.clone()),
        Value::Int(i) => SettingValue::Str(i.to_string()),
        Value::Float(f) => SettingValue::Str(f.to_string()),
        Value::Seq(items) => {
            SettingValue::List(items.iter().filter_map(Node::scalar_text).collect())
        }
        Value::Map(entries) => SettingValue::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        k.name.clone(),
                        v.scalar_text().unwrap_or_else(|| v.to_json().to_string()),
                    )
                })
                .collect(),
        ),
        Value::Null => SettingValue::Other,
    }
}
