//! The suppression syntax, in one place: what a scanned input may write about itself to silence a
//! rule, and how each form is read. Whether such a suppression is honoured (the CLI does, unless
//! `--no-inline-ignores`; admission does not, unless `--trust-workload-ignores`) and which rules a
//! token names is the engine's business; the project config's `ignore`, `accept`, `namespaces`
//! and `exceptions` are read in `config`.

/// A comment in a Dockerfile, compose file or manifest: `# stevedore:ignore CTR001 CTR002`.
pub(crate) const COMMENT_MARK: &str = "stevedore:ignore";
/// A Kubernetes annotation on an object or its pod template: `stevedore.dev/ignore: "CTR001,CTR007"`.
pub(crate) const ANNOTATION: &str = "stevedore.dev/ignore";
/// A compose service's extension key: `x-stevedore-ignore: [CTR003]`.
pub(crate) const COMPOSE_KEY: &str = "x-stevedore-ignore";
/// An image label: `stevedore.ignore=IMG005,FS007` (trusted by the CLI, not by the server).
pub const IMAGE_LABEL: &str = "stevedore.ignore";

/// Suppressions written into the scanned inputs themselves: `# stevedore:ignore RULE` comments,
/// Kubernetes annotations, compose `x-stevedore-ignore`, the image's `stevedore.ignore` label.
#[derive(Debug, Default, Clone)]
pub struct InlineIgnores {
    pub entries: Vec<InlineIgnore>,
    /// Rules the image's own label suppresses (empty unless trusted).
    pub image_label: Vec<String>,
}

/// Rules ignored on a range of lines of one file.
#[derive(Debug, Clone)]
pub struct InlineIgnore {
    pub file: String,
    pub lines: std::ops::RangeInclusive<u32>,
    pub rules: Vec<String>,
    /// How it was written, for the justification: `# stevedore:ignore comment`.
    pub how: String,
}

/// The rule tokens of an annotation or label value: comma-separated, blanks dropped.
pub(crate) fn rule_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect()
}

/// `# stevedore:ignore RULE…` comments: on a line with content they cover that line; alone on a
/// line they cover the next line with content.
pub(crate) fn comment_ignores(file: &str, text: &str) -> Vec<InlineIgnore> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(hash) = line.find('#') else { continue };
        let comment = &line[hash + 1..];
        let Some(at) = comment.find(COMMENT_MARK) else {
            continue;
        };
        let rules: Vec<String> = comment[at + COMMENT_MARK.len()..]
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect();
        if rules.is_empty() {
            continue;
        }
        let own = i as u32 + 1;
        let target = if line[..hash].trim().is_empty() {
            lines
                .iter()
                .enumerate()
                .skip(i + 1)
                .find(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .map_or(own, |(j, _)| j as u32 + 1)
        } else {
            own
        };
        out.push(InlineIgnore {
            file: file.to_string(),
            lines: target..=target,
            rules,
            how: "a `# stevedore:ignore` comment".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_comments_cover_their_line_or_the_next() {
        let text = "a: 1  # stevedore:ignore CTR001\n# stevedore:ignore CTR002, CTR003\n\nb: 2\n";
        let got = comment_ignores("f.yaml", text);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].lines, 1..=1);
        assert_eq!(got[1].lines, 4..=4);
        assert_eq!(got[1].rules, vec!["CTR002", "CTR003"]);
    }

    #[test]
    fn lists() {
        assert_eq!(rule_list(" CTR001, ,FS"), vec!["CTR001", "FS"]);
    }
}
