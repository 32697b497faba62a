//! Build steps as an image's history records them, and the shell commands of a `RUN` (shared by
//! the image rules reading history and by Dockerfiles). Builders write `created_by` differently:
//! the classic builder `/bin/sh -c #(nop)  ENV A=b` and `/bin/sh -c apt-get update`, BuildKit
//! `ENV A=b`, `RUN /bin/sh -c apt-get update # buildkit` and `RUN |1 X=1 /bin/sh -c …`.
//! [`Step::parse`] reduces them to an instruction and its text.

/// One history entry as an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Upper-case Dockerfile instruction: `RUN`, `ADD`, `COPY`, `ENV`, `ARG`, `LABEL`, …
    pub instruction: String,
    /// What follows the instruction; for `RUN`, the shell command without `/bin/sh -c`.
    pub text: String,
}

const INSTRUCTIONS: [&str; 17] = [
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

impl Step {
    pub fn parse(created_by: &str) -> Step {
        let mut s = created_by.trim();
        if let Some(rest) = s.strip_suffix("# buildkit") {
            s = rest.trim_end();
        }
        // Classic builder: `/bin/sh -c #(nop) INSTR …` is metadata; `/bin/sh -c CMD` is a RUN.
        if let Some(rest) = strip_shell(s) {
            if let Some(nop) = rest.strip_prefix("#(nop)") {
                return Step::from_instruction(nop.trim());
            }
            return Step {
                instruction: "RUN".into(),
                text: rest.to_string(),
            };
        }
        if s.starts_with('|') {
            return Step {
                instruction: "RUN".into(),
                text: strip_build_args(s).to_string(),
            };
        }
        Step::from_instruction(s)
    }

    fn from_instruction(s: &str) -> Step {
        let (word, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
        let upper = word.to_ascii_uppercase();
        if INSTRUCTIONS.contains(&upper.as_str()) {
            let mut text = rest.trim();
            if upper == "RUN" {
                text = strip_build_args(text);
                text = strip_shell(text).unwrap_or(text);
            }
            Step {
                instruction: upper,
                text: text.to_string(),
            }
        } else {
            // Squashed or hand-written history: treat the text as a command.
            Step {
                instruction: "RUN".into(),
                text: s.to_string(),
            }
        }
    }

    pub fn is(&self, instruction: &str) -> bool {
        self.instruction == instruction
    }
}

/// `/bin/sh -c CMD` (or `sh -c`, `/bin/bash -c`, `cmd /S /C`) → `CMD`.
fn strip_shell(s: &str) -> Option<&str> {
    for shell in [
        "/bin/sh -c",
        "/bin/bash -c",
        "/bin/ash -c",
        "sh -c",
        "bash -c",
        "cmd /S /C",
    ] {
        if let Some(rest) = s.strip_prefix(shell) {
            return Some(rest.trim_start());
        }
    }
    None
}

/// `|2 A=1 B=2 /bin/sh -c …`: the build args a RUN saw, then the command.
fn strip_build_args(s: &str) -> &str {
    let Some(rest) = s.strip_prefix('|') else {
        return s;
    };
    let (count, mut rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    // The count comes from the image (or a Dockerfile): never loop past the words there are.
    let n: usize = count.parse().unwrap_or(0);
    for _ in 0..n {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        rest = rest.split_once(char::is_whitespace).map_or("", |(_, r)| r);
    }
    let rest = rest.trim_start();
    strip_shell(rest).unwrap_or(rest)
}

/// The build args (`A=1`) a `|N A=1 …` RUN line carries, for secret scanning.
pub fn build_args(created_by: &str) -> Vec<(String, String)> {
    let s = created_by.trim();
    let s = s.strip_prefix("RUN ").map_or(s, str::trim_start);
    let Some(rest) = s.strip_prefix('|') else {
        return Vec::new();
    };
    let mut words = rest.split_whitespace();
    let n: usize = words.next().and_then(|c| c.parse().ok()).unwrap_or(0);
    words
        .take(n)
        .filter_map(|w| {
            w.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// Splits a shell command into its `&&`, `;`, `||` and `|` parts, roughly: enough to tell which
/// commands ran in one step.
/// A `RUN --mount=…` of BuildKit: its type (`bind` when not given) and target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunMount {
    pub kind: String,
    pub target: String,
}

/// BuildKit's flags before a RUN's command (`--mount=…`, `--network=…`, `--security=…`): the
/// mounts, and the command that follows.
pub fn split_run_flags(text: &str) -> (Vec<RunMount>, &str) {
    let mut mounts = Vec::new();
    let mut rest = text.trim_start();
    loop {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..word_end];
        let Some(flag) = ["--mount=", "--network=", "--security=", "--device="]
            .iter()
            .find(|f| word.starts_with(**f))
        else {
            break;
        };
        if *flag == "--mount=" {
            let mut kind = "bind".to_string();
            let mut target = String::new();
            for option in word[flag.len()..].split(',') {
                match option.split_once('=') {
                    Some(("type", v)) => kind = v.to_string(),
                    Some(("target" | "dst" | "destination", v)) => target = v.to_string(),
                    _ => {}
                }
            }
            mounts.push(RunMount { kind, target });
        }
        rest = rest[word_end..].trim_start();
    }
    (mounts, rest)
}

/// The commands of a RUN (BuildKit flags before it dropped), split at `&&`, `;`, pipes and lines.
pub fn commands(text: &str) -> Vec<&str> {
    split_run_flags(text)
        .1
        .split(['&', ';', '|', '\n'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// A command's program and first non-flag argument: `sudo DEBIAN_FRONTEND=x apt-get -y install`
/// → (`apt-get`, `install`). `sudo`, `env` and leading `VAR=value` words are skipped.
pub fn program_and_subcommand(command: &str) -> (&str, &str) {
    let mut words = command.split_whitespace().skip_while(|w| {
        matches!(*w, "sudo" | "env" | "exec" | "command" | "(" | "{")
            || (w.contains('=') && !w.starts_with('-'))
    });
    let program = words.next().unwrap_or("");
    let program = program.rsplit('/').next().unwrap_or(program);
    let sub = words.find(|w| !w.starts_with('-')).unwrap_or("");
    (program, sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `dockerfile` fuzz target: a build-arg count of 33 billion looped that many
    /// times (the same text in an image's history hung a scan).
    #[test]
    fn run_flags_come_off_the_command() {
        let (mounts, command) = split_run_flags(
            "--mount=type=cache,target=/var/cache/apt,sharing=locked --network=none apt-get install -y x",
        );
        assert_eq!(command, "apt-get install -y x");
        assert_eq!(
            mounts,
            vec![RunMount {
                kind: "cache".into(),
                target: "/var/cache/apt".into()
            }]
        );
        let (mounts, command) = split_run_flags("--mount=dst=/src make");
        assert_eq!((mounts[0].kind.as_str(), command), ("bind", "make"));
        assert_eq!(split_run_flags("echo --mount=x").1, "echo --mount=x");
    }

    #[test]
    fn huge_build_arg_count_ends_with_the_words() {
        let started = std::time::Instant::now();
        assert_eq!(strip_build_args("|33333333333 '\x08"), "");
        assert_eq!(
            strip_build_args("|18446744073709551615 A=1 /bin/sh -c id"),
            ""
        );
        assert_eq!(strip_build_args("|1 A=1 /bin/sh -c id"), "id");
        let text = "FROM\x0b \nRUN |33333333333 '\x08";
        let parsed = crate::inputs::dockerfile::parse(text);
        let file: std::sync::Arc<str> = std::sync::Arc::from("Dockerfile");
        let _ = crate::model::recipe::BuildRecipe::from_dockerfile(&file, &parsed, None);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    fn step(s: &str) -> (String, String) {
        let st = Step::parse(s);
        (st.instruction, st.text)
    }

    #[test]
    fn classic_and_buildkit_forms() {
        assert_eq!(
            step("/bin/sh -c #(nop) ADD file:abc in / "),
            ("ADD".into(), "file:abc in /".into())
        );
        assert_eq!(
            step("/bin/sh -c #(nop)  ENV A=b"),
            ("ENV".into(), "A=b".into())
        );
        assert_eq!(
            step("/bin/sh -c apt-get update"),
            ("RUN".into(), "apt-get update".into())
        );
        assert_eq!(
            step("RUN /bin/sh -c apk add x # buildkit"),
            ("RUN".into(), "apk add x".into())
        );
        assert_eq!(
            step("RUN |1 TOKEN=x /bin/sh -c make"),
            ("RUN".into(), "make".into())
        );
        assert_eq!(
            step("|2 A=1 B=2 /bin/sh -c make"),
            ("RUN".into(), "make".into())
        );
        assert_eq!(
            step("ADD https://e.com/x.tgz /opt/ # buildkit"),
            ("ADD".into(), "https://e.com/x.tgz /opt/".into())
        );
        assert_eq!(
            step("COPY . /app # buildkit"),
            ("COPY".into(), ". /app".into())
        );
    }

    #[test]
    fn programs_and_subcommands() {
        assert_eq!(
            program_and_subcommand(
                "sudo DEBIAN_FRONTEND=noninteractive apt-get -qq -y install curl"
            ),
            ("apt-get", "install")
        );
        assert_eq!(
            program_and_subcommand("/sbin/apk --no-cache add x"),
            ("apk", "add")
        );
        assert_eq!(program_and_subcommand(""), ("", ""));
    }

    #[test]
    fn build_args_are_recovered() {
        assert_eq!(
            build_args("RUN |1 TOKEN=abc /bin/sh -c make"),
            vec![("TOKEN".to_string(), "abc".to_string())]
        );
        assert!(build_args("RUN make").is_empty());
    }
}
