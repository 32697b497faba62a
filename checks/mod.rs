//! THE CATALOG: one file per check, one line per check below, sorted by id.
//! Adding a check = its file, one line here, a fixture that fires it and one that must not.

pub mod container;
pub mod daemon;
pub mod exposure;
pub mod fs;
pub mod image;
pub mod kubelet;
pub mod node;
pub mod os;
pub mod pod;
pub mod runtime;
pub mod seccomp;

use crate::catalog::Check;

/// Rules that run only when `--select` names them (by id or name, not by family): they are not
/// security checks, but other linters have them and teams ask for them.
pub const OPT_IN: [&str; 1] = ["POD012"];

pub static CATALOG: &[&Check] = &[
    &runtime::apparmor_disabled::CHECK,
    &runtime::selinux_off::CHECK,
    &runtime::stream_server_exposed::CHECK,
    &runtime::tcp_listener::CHECK,
    &runtime::cgroup_writable::CHECK,
    &runtime::no_pivot_root::CHECK,
    &runtime::registry_unverified::CHECK,
    &runtime::registry_credentials::CHECK,
    &runtime::sandbox_image_unpinned::CHECK,
    &runtime::unset_seccomp_profile::CHECK,
    &runtime::default_capabilities::CHECK,
    &runtime::device_or_annotation_widened::CHECK,
    &runtime::dead_option::CHECK,
    &runtime::short_name_resolution::CHECK,
    &runtime::no_signature_policy::CHECK,
    &runtime::privileged_host_devices::CHECK,
    &runtime::socket_shared::CHECK,
    &container::privileged::CHECK,
    &container::capabilities_added::CHECK,
    &container::capabilities_not_dropped::CHECK,
    &container::seccomp_unconfined::CHECK,
    &container::apparmor_unconfined::CHECK,
    &container::privilege_escalation_allowed::CHECK,
    &container::host_network::CHECK,
    &container::host_namespace::CHECK,
    &container::sensitive_host_mount::CHECK,
    &container::docker_socket_mount::CHECK,
    &container::writable_root_fs::CHECK,
    &container::no_resource_limits::CHECK,
    &container::runs_as_root::CHECK,
    &container::host_devices::CHECK,
    &container::privileged_port::CHECK,
    &container::mount_propagation_shared::CHECK,
    &container::restart_policy_unbounded::CHECK,
    &container::port_all_interfaces::CHECK,
    &container::system_paths_unmasked::CHECK,
    &container::selinux_separation_weakened::CHECK,
    &container::unsafe_sysctl::CHECK,
    &container::credential_in_environment::CHECK,
    &container::logging_disabled::CHECK,
    &container::tmpfs_exec_suid::CHECK,
    &daemon::conflicting_daemon_option::CHECK,
    &daemon::tcp_socket_without_tls::CHECK,
    &daemon::icc_enabled::CHECK,
    &daemon::userns_remap_disabled::CHECK,
    &daemon::live_restore_disabled::CHECK,
    &daemon::userland_proxy_enabled::CHECK,
    &daemon::no_new_privileges_disabled::CHECK,
    &daemon::daemon_seccomp_unconfined::CHECK,
    &daemon::insecure_registry::CHECK,
    &daemon::deprecated_storage_driver::CHECK,
    &daemon::no_authorization_plugin::CHECK,
    &daemon::default_ulimits_unset::CHECK,
    &daemon::experimental_enabled::CHECK,
    &daemon::log_level_not_info::CHECK,
    &daemon::no_central_logging::CHECK,
    &daemon::cgroup_parent_custom::CHECK,
    &daemon::iptables_disabled::CHECK,
    &daemon::base_device_size_changed::CHECK,
    &daemon::daemon_runs_as_root::CHECK,
    &daemon::icc_without_iptables::CHECK,
    &daemon::unknown_daemon_option::CHECK,
    &daemon::daemon_option_wrong_type::CHECK,
    &exposure::public_load_balancer::CHECK,
    &exposure::open_to_the_world::CHECK,
    &exposure::many_public_load_balancers::CHECK,
    &exposure::node_port::CHECK,
    &exposure::external_ips::CHECK,
    &exposure::ingress_without_tls::CHECK,
    &fs::setuid_setgid_file::CHECK,
    &fs::file_capabilities::CHECK,
    &fs::secret_file::CHECK,
    &fs::empty_password::CHECK,
    &fs::extra_root_account::CHECK,
    &fs::world_writable::CHECK,
    &fs::unnecessary_files::CHECK,
    &image::root_user::CHECK,
    &image::missing_healthcheck::CHECK,
    &image::update_without_install::CHECK,
    &image::add_instruction::CHECK,
    &image::secret_in_config::CHECK,
    &image::latest_tag::CHECK,
    &image::sensitive_port::CHECK,
    &image::privileged_run_label::CHECK,
    &image::sudo_in_build::CHECK,
    &image::package_cache_left::CHECK,
    &image::sensitive_volume::CHECK,
    &image::verification_disabled::CHECK,
    &image::remote_script_piped_to_shell::CHECK,
    &image::remote_add_unverified::CHECK,
    &kubelet::anonymous_auth::CHECK,
    &kubelet::always_allow::CHECK,
    &kubelet::no_client_ca::CHECK,
    &kubelet::read_only_port::CHECK,
    &kubelet::streaming_timeout_zero::CHECK,
    &kubelet::iptables_chains_off::CHECK,
    &kubelet::cert_rotation_off::CHECK,
    &kubelet::weak_tls_ciphers::CHECK,
    &kubelet::no_pod_pids_limit::CHECK,
    &kubelet::seccomp_default_off::CHECK,
    &kubelet::self_signed_serving_cert::CHECK,
    &kubelet::hostname_override::CHECK,
    &node::docker_file_owner::CHECK,
    &node::docker_file_mode::CHECK,
    &node::docker_audit_rule_missing::CHECK,
    &node::docker_group_members::CHECK,
    &node::command_line_drift::CHECK,
    &node::general_purpose_os::CHECK,
    &node::docker_data_not_separate::CHECK,
    &os::non_minimal_base::CHECK,
    &os::end_of_life_base::CHECK,
    &os::attack_surface_tools::CHECK,
    &os::unknown_base::CHECK,
    &pod::pod_security_rejected::CHECK,
    &pod::namespace_without_pod_security::CHECK,
    &pod::service_account_token::CHECK,
    &pod::host_path_volume::CHECK,
    &pod::host_port::CHECK,
    &pod::root_group::CHECK,
    &pod::windows_host_process::CHECK,
    &pod::probe_host::CHECK,
    &pod::restricted_volume_type::CHECK,
    &pod::image_pull_reuses_private_image::CHECK,
    &pod::secret_in_manifest::CHECK,
    &pod::missing_probes::CHECK,
    &seccomp::seccomp_allow_by_default::CHECK,
    &seccomp::dangerous_syscall_allowed::CHECK,
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_and_names_are_unique_and_sorted() {
        let ids: Vec<&str> = CATALOG.iter().map(|c| c.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted, "checks/mod.rs must list checks sorted by id");
        assert_eq!(
            ids.iter().collect::<BTreeSet<_>>().len(),
            ids.len(),
            "duplicate id"
        );
        let names: BTreeSet<&str> = CATALOG.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), CATALOG.len(), "duplicate name");
    }

    #[test]
    fn metadata_is_complete() {
        for c in CATALOG {
            assert!(
                c.name
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
                "{}: name must be kebab-case",
                c.id
            );
            assert!(
                !c.title.is_empty() && !c.rationale.is_empty() && !c.remediation.is_empty(),
                "{}",
                c.id
            );
            assert!(
                !c.runs.is_empty(),
                "{}: a check must read at least one model",
                c.id
            );
            assert!(
                [
                    "IMG", "FS", "OS", "DMN", "SCP", "CTR", "NODE", "CRI", "KLT", "EXP", "POD"
                ]
                .contains(&c.family()),
                "{}",
                c.id
            );
        }
    }

    /// Every `checks/<family>/<name>.rs` file that declares a check is registered above, and
    /// nothing else is (files without a `CHECK`, such as `os/base.rs`, are helpers a family shares).
    #[test]
    fn every_check_file_is_registered() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("checks");
        let mut found = BTreeSet::new();
        for family in std::fs::read_dir(&root).unwrap() {
            let family = family.unwrap().path();
            if !family.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&family).unwrap() {
                let file = file.unwrap().path();
                if file.file_name().is_some_and(|n| n == "mod.rs")
                    || file.extension().is_none_or(|e| e != "rs")
                {
                    continue;
                }
                let text = std::fs::read_to_string(&file).unwrap();
                if !text.contains("pub const CHECK: Check") {
                    continue;
                }
                let id = text
                    .split("id: \"")
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .unwrap_or_else(|| panic!("{} declares no id", file.display()));
                found.insert(id.to_string());
            }
        }
        let registered: BTreeSet<String> = CATALOG.iter().map(|c| c.id.to_string()).collect();
        assert_eq!(found, registered);
    }
}
