//! Dockerfiles: directives, continuations, heredocs, stages, and the build recipe.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = stevedore::inputs::dockerfile::parse(text);
    let file: Arc<str> = Arc::from("Dockerfile");
    let _ = stevedore::model::recipe::BuildRecipe::from_dockerfile(&file, &parsed, None);
    let _ = stevedore::model::recipe::BuildRecipe::from_dockerfile(&file, &parsed, Some("build"));
});
