//! One error type for every input and usage problem. Each renders as one line that names the file
//! or blob and the problem; `main` prints it and exits with code 2.

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A problem with what the user typed (flags, rule names, references).
    #[error("{0}")]
    Usage(String),
    /// Input that is not what it claims to be: broken JSON, a wrong digest, a hostile tar.
    #[error("{what}: {problem}")]
    Input { what: String, problem: String },
    /// The operating system refused an operation on a named file.
    #[error("{path}: {}", io_text(source))]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A configured limit was hit (image size, layer count, JSON size).
    #[error("{what}: {problem} (limit {limit}; raise it with {flag})")]
    Limit {
        what: String,
        problem: String,
        limit: String,
        flag: &'static str,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the operating system said, in words: `no such file or directory` rather than Rust's
/// `entity not found` for an error built from its kind, and without ` (os error 2)`.
fn io_text(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    if e.get_ref().is_some() {
        // A message of ours (or a library's) inside: it says more than the kind.
        return e.to_string();
    }
    let words = match e.kind() {
        ErrorKind::NotFound => "no such file or directory",
        ErrorKind::PermissionDenied => "permission denied",
        ErrorKind::IsADirectory => "is a directory, not a file",
        ErrorKind::NotADirectory => "not a directory",
        ErrorKind::UnexpectedEof => "ends too early (truncated?)",
        ErrorKind::BrokenPipe => "the reader went away (broken pipe)",
        _ => "",
    };
    if !words.is_empty() {
        return words.to_string();
    }
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text,
    }
}

impl Error {
    pub fn usage(msg: impl Into<String>) -> Self {
        Error::Usage(msg.into())
    }

    pub fn input(what: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::Input {
            what: what.into(),
            problem: problem.into(),
        }
    }

    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }

    /// The message as one line, whatever the underlying error held.
    pub fn one_line(&self) -> String {
        self.to_string().replace(['\n', '\r'], " ")
    }
}
