//! Shared by the image targets: open a reference with small limits, run the whole pass and every
//! image check; errors are expected results, panics and hangs are findings.

pub fn scan_image(reference: String) {
    let limits = stevedore::limits::Limits {
        max_image_bytes: 64 << 20,
        max_json_bytes: 1 << 20,
        max_layers: 10,
        max_file_bytes: 1 << 20,
    };
    let Ok(policy) = stevedore::engine::Policy::new(
        &stevedore::engine::CliPolicy::default(),
        stevedore::config::ProjectConfig::default(),
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
                plain_http: false,
                insecure: Vec::new(),
                creds: None,
                timeout,
            },
        },
    ) else {
        return;
    };
    let options = stevedore::image::ScanOptions {
        limits,
        wants: policy.wants(),
        input: reference,
        progress: &|_| {},
        threads: 1,
        minimal_max_packages: policy.minimal_max_packages(),
        as_of: "2026-11-29".into(),
        inventory: true,
        config_only: false,
    };
    if let Ok(image) = stevedore::image::scan(resolved, &options) {
        let _ = policy.check_image(&image);
    }
}
