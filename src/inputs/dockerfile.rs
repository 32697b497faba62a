//! Dockerfiles: parser directives (`# escape=`), comments, line continuations, heredocs, JSON and
//! shell forms, multi-stage builds. Only what the final stage inherits ships, so only that
//! becomes a build recipe.

/// One instruction, continuation lines joined.
#[derive(Debug, Clone, PartialEq)]
pub struct Instruction {
    /// Upper case: `RUN`, `FROM`, `USER`…
    pub keyword: String,
    /// Everything after the keyword, continuations joined with a space, heredoc bodies appended.
    pub args: String,
    /// 1-based line of the keyword.
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// The `FROM` image (or earlier stage name), as written.
    pub base: String,
    pub name: Option<String>,
    pub from_line: u32,
    pub instructions: Vec<Instruction>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dockerfile {
    /// `ARG`s before the first `FROM` (usable in `FROM` lines).
    pub global_args: Vec<(String, String)>,
    pub stages: Vec<Stage>,
}

impl Dockerfile {
    /// The stage that ships: `--target NAME`, else the last one.
    pub fn target(&self, target: Option<&str>) -> Option<usize> {
        match target {
            Some(t) => self
                .stages
                .iter()
                .position(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(t))),
            None => self.stages.len().checked_sub(1),
        }
    }

    /// The stages whose settings the target inherits, base first: `FROM builder` chains.
    pub fn chain(&self, target: usize) -> Vec<usize> {
        let mut out = vec![target];
        let mut current = target;
        while out.len() <= self.stages.len() {
            let base = &self.stages[current].base;
            let Some(parent) = self.stages[..current].iter().rposition(|s| {
                s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(base))
            }) else {
                break;
            };
            out.push(parent);
            current = parent;
        }
        out.reverse();
        out
    }

    /// `${NAME}` / `$NAME` in a FROM line, from the global ARG defaults.
    pub fn expand_args(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (k, v) in &self.global_args {
            out = out
                .replace(&format!("${{{k}}}"), v)
                .replace(&format!("${k}"), v);
        }
        out
    }
}

/// Parses a Dockerfile. Never fails: lines that are not instructions are ignored, as the
/// builder's own parser would report them; a file without `FROM` has no stages.
pub fn parse(text: &str) -> Dockerfile {
    let lines: Vec<&str> = text.lines().collect();
    let escape = escape_char(&lines);
    let mut out = Dockerfile::default();
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        let trimmed = lines[i].trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        // Join continuation lines; comment lines inside a continuation are dropped.
        let mut logical = String::new();
        loop {
            let line = lines[i].trim_end();
            i += 1;
            match line.strip_suffix(escape) {
                Some(body) if i < lines.len() => {
                    logical.push_str(body);
                    logical.push(' ');
                    while i < lines.len() && lines[i].trim_start().starts_with('#') {
                        i += 1;
                    }
                }
                _ => {
                    logical.push_str(line);
                    break;
                }
            }
            if i >= lines.len() {
                break;
            }
        }
        let logical = logical.trim();
        let (word, rest) = logical
            .split_once(char::is_whitespace)
            .unwrap_or((logical, ""));
        let keyword = word.to_ascii_uppercase();
        let mut args = rest.trim().to_string();
        // Heredocs: `<<EOF`, `<<-EOF`, `<<"EOF"`; bodies follow the instruction line.
        for delimiter in heredoc_delimiters(&args) {
            let mut body = Vec::new();
            while i < lines.len() {
                let l = lines[i];
                i += 1;
                if l.trim() == delimiter {
                    break;
                }
                body.push(l);
            }
            args.push('\n');
            args.push_str(&body.join("\n"));
        }
        let instruction = Instruction {
            keyword: keyword.clone(),
            args,
            line: start as u32 + 1,
        };
        if keyword == "FROM" {
            let words: Vec<&str> = instruction
                .args
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let name = match words.as_slice() {
                [_, as_kw, name, ..] if as_kw.eq_ignore_ascii_case("as") => Some(name.to_string()),
                _ => None,
            };
            out.stages.push(Stage {
                base: words.first().map_or(String::new(), |w| w.to_string()),
                name,
                from_line: instruction.line,
                instructions: Vec::new(),
            });
        } else if let Some(stage) = out.stages.last_mut() {
            stage.instructions.push(instruction);
        } else if keyword == "ARG" {
            for (k, v) in crate::secrets::assignments(&instruction.args) {
                out.global_args.push((k, v));
            }
        }
    }
    out
}

/// `# escape=`` ` `` parser directive (only before the first instruction or comment).
fn escape_char(lines: &[&str]) -> char {
    for line in lines {
        let t = line.trim();
        let Some(directive) = t.strip_prefix('#') else {
            break;
        };
        let directive = directive.trim();
        if let Some(v) = directive
            .strip_prefix("escape=")
            .or_else(|| directive.strip_prefix("escape ="))
        {
            if let Some(c) = v.trim().chars().next() {
                return c;
            }
        } else if !directive.contains('=') {
            break;
        }
    }
    '\\'
}

fn heredoc_delimiters(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = args;
    while let Some(i) = rest.find("<<") {
        let after = rest[i + 2..].trim_start_matches('-');
        let word: String = after
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !word.is_empty() && !after.starts_with(char::is_whitespace) {
            out.push(word);
        }
        rest = &rest[i + 2..];
    }
    out
}

/// The words of a JSON-form (`["a", "b"]`) or shell-form argument.
pub fn words(args: &str) -> Vec<String> {
    let t = args.trim();
    if t.starts_with('[') {
        if let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(t) {
            return items
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
        }
    }
    crate::inputs::shell_words::split_command_line(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_continuations_heredocs_directives() {
        let text = "# escape=`\nARG BASE=debian:12\nFROM ${BASE} AS build\nRUN apt-get update && `\n    # a comment\n    apt-get install -y gcc\nFROM build\nRUN <<EOF\nset -e\necho hi\nEOF\nUSER app\n";
        let d = parse(text);
        assert_eq!(
            d.global_args,
            vec![("BASE".to_string(), "debian:12".to_string())]
        );
        assert_eq!(d.stages.len(), 2);
        assert_eq!(d.stages[0].name.as_deref(), Some("build"));
        assert_eq!(
            d.stages[0].instructions[0].args,
            "apt-get update &&      apt-get install -y gcc"
        );
        assert_eq!(d.stages[0].instructions[0].line, 4);
        let run = &d.stages[1].instructions[0];
        assert!(run.args.contains("echo hi"), "{run:?}");
        assert_eq!(d.stages[1].instructions[1].keyword, "USER");
        assert_eq!(d.stages[1].instructions[1].line, 12);
        assert_eq!(d.chain(1), vec![0, 1]);
        assert_eq!(d.expand_args(&d.stages[0].base), "debian:12");
        assert_eq!(words("[\"a\", \"b c\"]"), vec!["a", "b c"]);
    }
}
