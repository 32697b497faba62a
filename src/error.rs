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
    #[error("{path}: {source}")]
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
