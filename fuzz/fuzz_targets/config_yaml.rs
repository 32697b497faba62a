//! Compose and Kubernetes YAML: the parser, merge keys, interpolation, compose merging.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(docs) = stevedore::inputs::yaml::parse(text) {
        // Kubernetes manifests: every document's pod specs, containers and security contexts.
        let file: Arc<str> = Arc::from("deploy.yaml");
        for doc in &docs {
            let _ = stevedore::inputs::kubernetes::containers(&file, doc);
        }
    }
    let display: Arc<str> = Arc::from("compose.yaml");
    let mut files = stevedore::inputs::compose::Files {
        names: Vec::new(),
        root: Default::default(),
    };
    let env = BTreeMap::from([("TAG".to_string(), "1".to_string())]);
    let _ = stevedore::inputs::compose::parse_text(text, &display, &mut files, &env);
    let _ = stevedore::inputs::compose::interpolate(text, &env);
});
