//! `/etc/passwd`, `/etc/group` and `/etc/shadow` as an image holds them. Malformed lines are
//! kept apart (never a panic), so checks can report them.

use super::fs::Fs;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u64,
    pub gid: u64,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u64,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowEntry {
    pub name: String,
    /// The password field as written: empty means no password at all.
    pub password: String,
    pub line: usize,
}

/// A database file parsed leniently.
#[derive(Debug, Clone, Default)]
pub struct Parsed<T> {
    pub entries: Vec<T>,
    /// 1-based numbers of lines that are neither comments nor valid entries.
    pub malformed: Vec<usize>,
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
}

pub fn parse_passwd(text: &str) -> Parsed<User> {
    let mut out = Parsed {
        entries: Vec::new(),
        malformed: Vec::new(),
    };
    for (n, line) in lines(text) {
        let f: Vec<&str> = line.split(':').collect();
        match (
            f.first(),
            f.get(2).and_then(|u| u.trim().parse().ok()),
            f.get(3).and_then(|g| g.trim().parse().ok()),
        ) {
            (Some(name), Some(uid), Some(gid)) if f.len() >= 4 && !name.is_empty() => {
                out.entries.push(User {
                    name: name.to_string(),
                    uid,
                    gid,
                    line: n,
                })
            }
            _ => out.malformed.push(n),
        }
    }
    out
}

pub fn parse_group(text: &str) -> Parsed<Group> {
    let mut out = Parsed {
        entries: Vec::new(),
        malformed: Vec::new(),
    };
    for (n, line) in lines(text) {
        let f: Vec<&str> = line.split(':').collect();
        match (f.first(), f.get(2).and_then(|g| g.trim().parse().ok())) {
            (Some(name), Some(gid)) if f.len() >= 3 && !name.is_empty() => {
                out.entries.push(Group {
                    name: name.to_string(),
                    gid,
                    line: n,
                })
            }
            _ => out.malformed.push(n),
        }
    }
    out
}

/// `/etc/shadow` (`name:password:…`) and BSD `/etc/master.passwd` (same first two fields).
pub fn parse_shadow(text: &str) -> Parsed<ShadowEntry> {
    let mut out = Parsed {
        entries: Vec::new(),
        malformed: Vec::new(),
    };
    for (n, line) in lines(text) {
        let mut f = line.split(':');
        match (f.next(), f.next()) {
            (Some(name), Some(pw)) if !name.is_empty() => out.entries.push(ShadowEntry {
                name: name.to_string(),
                password: pw.to_string(),
                line: n,
            }),
            _ => out.malformed.push(n),
        }
    }
    out
}

/// The users of the image, if it has a readable `/etc/passwd`.
pub fn users(fs: &Fs) -> Option<Parsed<User>> {
    let content = fs.read("/etc/passwd")?;
    Some(parse_passwd(&String::from_utf8_lossy(&content.bytes)))
}

pub fn groups(fs: &Fs) -> Option<Parsed<Group>> {
    let content = fs.read("/etc/group")?;
    Some(parse_group(&String::from_utf8_lossy(&content.bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_lines_are_kept_apart() {
        let p = parse_passwd(
            "root:x:0:0:root:/root:/bin/sh\n# comment\nbroken\nx:x:notanumber:0::/:\napp:x:1000:1000::/app:/bin/sh\n",
        );
        assert_eq!(
            p.entries.iter().map(|u| u.uid).collect::<Vec<_>>(),
            vec![0, 1000]
        );
        assert_eq!(p.malformed, vec![3, 4]);
        let s = parse_shadow("root:*:19000:0:99999:7:::\nguest::19000::::::\n:x\n");
        assert_eq!(s.entries[1].password, "");
        assert_eq!(s.malformed, vec![3]);
        let g = parse_group("root:x:0:\nwheel:x:10:root\nbad\n");
        assert_eq!(g.entries.len(), 2);
        assert_eq!(g.malformed, vec![3]);
    }
}
