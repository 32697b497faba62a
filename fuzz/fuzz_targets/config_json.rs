//! daemon.json, dockerd flags and seccomp profiles.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use stevedore::inputs::shell_words::split_command_line;
use stevedore::model::daemon::DaemonConfig;
use stevedore::model::seccomp::SeccompProfile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file: Arc<str> = Arc::from("daemon.json");
    let words = split_command_line(text);
    if let Ok(doc) = stevedore::inputs::json::parse(text) {
        let mut cfg = DaemonConfig::from_json(&file, &doc);
        cfg.add_flags(&file, Default::default(), &words);
        let _ = SeccompProfile::shape_problem(&doc);
        let _ = SeccompProfile::from_doc(&file, &doc);
    }
    let _ = stevedore::inputs::systemd::exec_start(text);
});
