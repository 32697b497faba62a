//! What a configuration scan looked at: the files recognised, skipped and broken.

/// stevedore's own project configuration files: read as policy, never judged.
pub const PROJECT_CONFIG_NAMES: [&str; 2] = [".stevedore.yaml", ".stevedore.yml"];

/// Configuration files scanned by `stevedore config`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ConfigTarget {
    /// The paths as given on the command line.
    pub inputs: Vec<String>,
    pub files: Vec<ScannedFile>,
    /// Files looked at and not recognised (never skipped silently).
    pub skipped: Vec<SkippedFile>,
    /// Files that could not be parsed; the scan exits 2 after reporting the rest.
    pub errors: Vec<FileError>,
    /// What a node scan found, in words: the OS, each runtime and the kubelet, with the command
    /// lines used.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub found: Vec<String>,
    /// Each Kubernetes workload's Pod Security level and the controls it fails.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pod_security: Vec<crate::pss::PodSecurity>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ScannedFile {
    pub path: String,
    pub kind: &'static str,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SkippedFile {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FileError {
    pub path: String,
    pub error: String,
}
