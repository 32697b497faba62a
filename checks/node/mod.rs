//! `NODE`: a node's own files, read from its root filesystem (`stevedore node`).
pub mod command_line_drift;
pub mod docker_audit_rule_missing;
pub mod docker_data_not_separate;
pub mod docker_file_mode;
pub mod docker_file_owner;
pub mod docker_group_members;
pub mod general_purpose_os;

use crate::model::node::DockerFile;

/// What CIS Docker Benchmark section 3 expects of each file: (owner:group, ownership control,
/// most permissive mode, mode control).
pub(crate) fn expected(role: DockerFile) -> (&'static str, &'static str, u32, &'static str) {
    match role {
        DockerFile::ServiceUnit => ("root:root", "3.1", 0o644, "3.2"),
        DockerFile::SocketUnit => ("root:root", "3.3", 0o644, "3.4"),
        DockerFile::ConfigDir => ("root:root", "3.5", 0o755, "3.6"),
        DockerFile::RegistryCert => ("root:root", "3.7", 0o444, "3.8"),
        DockerFile::TlsCa => ("root:root", "3.9", 0o444, "3.10"),
        DockerFile::TlsCert => ("root:root", "3.11", 0o444, "3.12"),
        DockerFile::TlsKey => ("root:root", "3.13", 0o400, "3.14"),
        DockerFile::ApiSocket => ("root:docker", "3.15", 0o660, "3.16"),
        DockerFile::DaemonJson => ("root:root", "3.17", 0o644, "3.18"),
        DockerFile::DefaultFile => ("root:root", "3.19", 0o644, "3.20"),
        DockerFile::SysconfigFile => ("root:root", "3.22", 0o644, "3.21"),
        DockerFile::ContainerdSocket => ("root:root", "3.23", 0o660, "3.24"),
        // Not in CIS Docker's section 3: containerd's own files, held to the same standard.
        DockerFile::ContainerdConfig => ("root:root", "", 0o644, ""),
        DockerFile::ContainerdStateDir => ("root:root", "", 0o711, ""),
        DockerFile::KubeletUnit => ("root:root", "K8s 4.1.2", 0o600, "K8s 4.1.1"),
        DockerFile::KubeletKubeconfig => ("root:root", "K8s 4.1.6", 0o600, "K8s 4.1.5"),
        DockerFile::KubeletClientCa => ("root:root", "K8s 4.1.8", 0o644, "K8s 4.1.7"),
        DockerFile::KubeletConfigFile => ("root:root", "K8s 4.1.10", 0o600, "K8s 4.1.9"),
    }
}

/// ` (CIS 3.1)`, or nothing for a file CIS does not name.
pub(crate) fn cis_note(control: &str) -> String {
    if control.is_empty() {
        String::new()
    } else {
        format!(" (CIS {control})")
    }
}

/// How a file is named in a message: its path, and the unit that declares it when it is a socket
/// that exists only while the service runs.
pub(crate) fn describe(f: &crate::model::node::NodeFile) -> String {
    match &f.declared_by {
        Some(unit) => format!("{} (as {unit} creates it)", f.path),
        None => f.path.clone(),
    }
}
