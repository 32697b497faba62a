//! `CTR`: container runtime settings (compose services, Kubernetes containers, docker inspect).
pub mod apparmor_unconfined;
pub mod capabilities_added;
pub mod capabilities_not_dropped;
pub mod docker_socket_mount;
pub mod host_devices;
pub mod host_namespace;
pub mod host_network;
pub mod mount_propagation_shared;
pub mod no_resource_limits;
pub mod privilege_escalation_allowed;
pub mod privileged;
pub mod privileged_port;
pub mod runs_as_root;
pub mod seccomp_unconfined;
pub mod sensitive_host_mount;
pub mod writable_root_fs;
