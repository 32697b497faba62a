//! What a configuration scan looked at: the files recognised, skipped and broken.

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
