//! `POD`: Kubernetes pods as a whole — Pod Security levels and namespaces that enforce them, and
//! the pod-level settings the Kubernetes linters check (service-account tokens, hostPath
//! volumes, host ports, root groups, Windows host processes, probes aimed at other hosts, volume
//! types, image pulls) — and the data manifests store.
pub mod host_path_volume;
pub mod host_port;
pub mod image_pull_reuses_private_image;
pub mod missing_probes;
pub mod namespace_without_pod_security;
pub mod pod_security_rejected;
pub mod probe_host;
pub mod restricted_volume_type;
pub mod root_group;
pub mod secret_in_manifest;
pub mod service_account_token;
pub mod windows_host_process;
