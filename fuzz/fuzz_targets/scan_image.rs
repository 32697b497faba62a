//! Shared by the image targets: open a reference with small limits, run the whole pass and every
//! image check; errors are expected results, panics and hangs are findings.

pub fn scan_image(reference: String) {
    let limits = stevedore::limits::Limits {
        max_image_bytes: 64 << 20,
        max_json_bytes: 1 << 20,
        max_layers: 10,
        max_file_bytes: 1 << 20,
    };
    let cli = stevedore::engine::CliPolicy {
        as_of: Some("2026-11-29".into()),
        ..Default::default()
    };
    let Ok(policy) = stevedore::engine::Policy::new(
        &cli,
        stevedore::project_config::ProjectConfig::default(),
    ) else {
        return;
    };
    let timeout = std::time::Duration::from_secs(5);
    let Ok(resolved) = stevedore::source::open(
        &reference,
        &stevedore::source::OpenOptions {
            platform: None,
            limits: limits.clone(),
            docker_host: None,
            timeout,
            registry: stevedore::source::registry::RegistryOptions {
                timeout,
                ..Default::default()
            },
        },
    ) else {
        return;
    };
    let read = stevedore::engine::ImageRead {
        input: reference,
        limits,
        threads: 1,
        inventory: true,
        config_only: false,
        progress: &|_| {},
    };
    let _ = stevedore::engine::scan_image(&policy, resolved, &read);
}
