//! `CRI`: a container runtime's own configuration (containerd, CRI-O): what it applies to every
//! pod on the node, whatever the pod asks.
pub mod apparmor_disabled;
pub mod cgroup_writable;
pub mod dead_option;
pub mod default_capabilities;
pub mod device_or_annotation_widened;
pub mod no_pivot_root;
pub mod no_signature_policy;
pub mod privileged_host_devices;
pub mod registry_credentials;
pub mod registry_unverified;
pub mod sandbox_image_unpinned;
pub mod selinux_off;
pub mod short_name_resolution;
pub mod socket_shared;
pub mod stream_server_exposed;
pub mod tcp_listener;
pub mod unset_seccomp_profile;
