//! The image configuration JSON (OCI image config plus Docker's extensions such as
//! `Healthcheck`). Every field is optional and unknown fields are ignored: real images are
//! written by many builders and the spec's "MUST"s are often broken.

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ImageConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub architecture: String,
    #[serde(default, deserialize_with = "nullable")]
    pub os: String,
    #[serde(default, deserialize_with = "nullable")]
    pub variant: String,
    #[serde(default, deserialize_with = "nullable")]
    pub created: String,
    #[serde(default, deserialize_with = "nullable")]
    pub config: ContainerConfig,
    #[serde(default, deserialize_with = "nullable")]
    pub rootfs: RootFs,
    #[serde(default, deserialize_with = "nullable")]
    pub history: Vec<History>,
}

/// The `config` object: what a container started from the image gets by default.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub user: String,
    #[serde(default, deserialize_with = "nullable")]
    pub exposed_ports: BTreeMap<String, serde_json::Value>,
    #[serde(default, deserialize_with = "nullable")]
    pub env: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub entrypoint: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub cmd: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub volumes: BTreeMap<String, serde_json::Value>,
    #[serde(default, deserialize_with = "nullable")]
    pub working_dir: String,
    #[serde(default, deserialize_with = "nullable")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "nullable")]
    pub stop_signal: String,
    #[serde(default)]
    pub healthcheck: Option<Healthcheck>,
    #[serde(default, deserialize_with = "nullable")]
    pub on_build: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub shell: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Healthcheck {
    #[serde(default, deserialize_with = "nullable")]
    pub test: Vec<String>,
    #[serde(default)]
    pub interval: Option<i64>,
    #[serde(default)]
    pub timeout: Option<i64>,
    #[serde(default)]
    pub start_period: Option<i64>,
    #[serde(default)]
    pub retries: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RootFs {
    #[serde(default, rename = "type", deserialize_with = "nullable")]
    pub kind: String,
    #[serde(default, deserialize_with = "nullable")]
    pub diff_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct History {
    #[serde(default, deserialize_with = "nullable")]
    pub created: String,
    #[serde(default, deserialize_with = "nullable")]
    pub created_by: String,
    #[serde(default, deserialize_with = "nullable")]
    pub author: String,
    #[serde(default, deserialize_with = "nullable")]
    pub comment: String,
    #[serde(default)]
    pub empty_layer: bool,
}

/// `null` reads as the type's default: Docker writes `"Env": null` and friends.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl ImageConfig {
    /// For each layer, the index of the history entry that created it (history entries with
    /// `empty_layer` create none). `None` where history is shorter than the layer list.
    pub fn layer_history(&self, layers: usize) -> Vec<Option<usize>> {
        let mut out = Vec::with_capacity(layers);
        for (i, h) in self.history.iter().enumerate() {
            if !h.empty_layer {
                out.push(Some(i));
            }
        }
        out.resize(layers, None);
        out.truncate(layers);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_and_unknown_fields_are_tolerated() {
        let cfg: ImageConfig = serde_json::from_str(
            r#"{"architecture":"amd64","os":"linux","config":{"User":null,"Env":null,"Healthcheck":{"Test":["NONE"]},"Whatever":1},
                "rootfs":{"type":"layers","diff_ids":[]},"history":null}"#,
        )
        .unwrap();
        assert_eq!(cfg.config.user, "");
        assert_eq!(cfg.config.healthcheck.unwrap().test, vec!["NONE"]);
    }

    #[test]
    fn history_maps_to_layers_skipping_empty_entries() {
        let cfg: ImageConfig = serde_json::from_str(
            r#"{"history":[{"created_by":"ADD"},{"created_by":"ENV","empty_layer":true},{"created_by":"RUN"}]}"#,
        )
        .unwrap();
        assert_eq!(cfg.layer_history(3), vec![Some(0), Some(2), None]);
    }
}
