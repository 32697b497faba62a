//! The flattened filesystem of an image: every layer applied in order, whiteouts and opaque
//! directories honoured, and everything a later layer hid kept as a *shadowed* entry — it still
//! ships in the image, so it still leaks.

use crate::finding::Subject;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a tar entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
}

/// File bytes a check asked for, cut at the configured cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub bytes: Vec<u8>,
    /// The file was larger than the cap; `bytes` holds its beginning.
    pub truncated: bool,
}

/// One path's metadata as its layer declared it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Clean absolute path: `/etc/passwd`. Bytes that are not UTF-8 appear as `\xNN`.
    pub path: String,
    pub kind: Kind,
    /// Permission bits including setuid (0o4000), setgid (0o2000) and sticky (0o1000).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub size: u64,
    /// Symlink target as written, or the clean absolute path a hardlink points at.
    pub link: Option<String>,
    /// Extended attributes from PAX `SCHILY.xattr.*` records, e.g. `security.capability`.
    pub xattrs: Vec<(String, Vec<u8>)>,
    /// Index of the layer that wrote this entry (0 = base).
    pub layer: usize,
    pub content: Option<Arc<Content>>,
}

impl Entry {
    pub fn is_setuid(&self) -> bool {
        self.mode & 0o4000 != 0
    }
    pub fn is_setgid(&self) -> bool {
        self.mode & 0o2000 != 0
    }
    pub fn xattr(&self, name: &str) -> Option<&[u8]> {
        self.xattrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// Why an entry is no longer visible in the flattened filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HiddenBy {
    /// A whiteout or opaque directory in a later layer deleted it.
    Deleted,
    /// A later entry at the same path (or a non-directory over its parent) replaced it.
    Replaced,
}

#[derive(Debug, Clone)]
pub struct Shadowed {
    pub entry: Entry,
    pub by_layer: usize,
    pub how: HiddenBy,
}

/// One record of a layer, in tar order.
#[derive(Debug, Clone)]
pub enum LayerRecord {
    Entry(Entry),
    /// `.wh.NAME`: delete this path (and what is below it) from lower layers.
    Whiteout(String),
    /// `.wh..wh..opq`: hide everything lower layers put below this directory.
    Opaque(String),
}

#[derive(Debug, Default)]
pub struct Fs {
    entries: BTreeMap<String, Entry>,
    shadowed: Vec<Shadowed>,
}

/// Symlink hops allowed while resolving one path (Linux allows 40).
const MAX_SYMLINK_HOPS: usize = 40;

impl Fs {
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.get(path)
    }

    /// Every visible entry, sorted by path.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// Visible entries at or below `dir`.
    pub fn under<'a>(&'a self, dir: &str) -> impl Iterator<Item = &'a Entry> + 'a {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        let exact = dir.trim_end_matches('/').to_string();
        self.entries
            .range(exact.clone()..)
            .take_while(move |(k, _)| k.starts_with(exact.as_str()))
            .filter(move |(k, _)| k.len() == prefix.len() - 1 || k.starts_with(&prefix))
            .map(|(_, e)| e)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries present in a lower layer but deleted or replaced by a later one.
    pub fn shadowed(&self) -> &[Shadowed] {
        &self.shadowed
    }

    /// Follows symlinks (in every path component) inside the image, as the kernel would inside
    /// the container. `None` for a missing path, a loop or more than 40 hops.
    pub fn resolve(&self, path: &str) -> Option<&Entry> {
        let mut pending: Vec<String> = components(path).map(str::to_string).collect();
        pending.reverse();
        let mut current: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(part) = pending.pop() {
            if part == ".." {
                current.pop();
                continue;
            }
            current.push(part);
            let joined = format!("/{}", current.join("/"));
            // Parent directories are often implicit in layer tars: a missing one is a plain dir.
            let Some(entry) = self.entries.get(&joined) else {
                if pending.is_empty() {
                    return None;
                }
                continue;
            };
            let target = match entry.kind {
                Kind::Symlink => entry.link.clone()?,
                Kind::Hardlink if pending.is_empty() => {
                    return entry
                        .link
                        .as_deref()
                        .and_then(|l| self.entries.get(l))
                        .or(Some(entry));
                }
                _ => continue,
            };
            hops += 1;
            if hops > MAX_SYMLINK_HOPS {
                return None;
            }
            current.pop();
            if target.starts_with('/') {
                current.clear();
            }
            for c in components(&target).collect::<Vec<_>>().into_iter().rev() {
                pending.push(c.to_string());
            }
        }
        if current.is_empty() {
            return None;
        }
        self.entries.get(&format!("/{}", current.join("/")))
    }

    /// Contents of a file the pass was asked to read, following symlinks.
    pub fn read(&self, path: &str) -> Option<&Content> {
        self.resolve(path)?.content.as_deref()
    }

    /// Wanted paths that resolve (through symlinks or hardlinks) to a file whose contents were
    /// not read, because its own path was not the wanted one: `(layer, path)` to read next.
    pub fn unread_targets<'a>(
        &self,
        wanted: impl Iterator<Item = &'a str>,
    ) -> Vec<(usize, String)> {
        let mut out: Vec<(usize, String)> = wanted
            .filter_map(|p| self.resolve(p))
            .filter(|e| e.kind == Kind::File && e.content.is_none())
            .map(|e| (e.layer, e.path.clone()))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Attaches contents read in a follow-up pass to the entry `layer` wrote at `path`.
    pub fn set_content(&mut self, path: &str, layer: usize, content: Arc<Content>) {
        if let Some(e) = self.entries.get_mut(path) {
            if e.layer == layer {
                e.content = Some(content);
            }
        }
    }

    /// Applies one layer on top of what is there. Whiteouts and opaque markers act on lower
    /// layers only; entries then land in tar order (a duplicate in the same layer replaces the
    /// earlier one, which is kept as shadowed).
    pub fn apply_layer(&mut self, layer: usize, records: Vec<LayerRecord>) {
        for record in &records {
            match record {
                LayerRecord::Whiteout(path) => self.remove_lower(path, true, layer),
                LayerRecord::Opaque(dir) => self.remove_lower(dir, false, layer),
                LayerRecord::Entry(_) => {}
            }
        }
        for record in records {
            if let LayerRecord::Entry(mut entry) = record {
                if entry.kind == Kind::Hardlink && entry.content.is_none() {
                    entry.content = entry
                        .link
                        .as_deref()
                        .and_then(|t| self.entries.get(t))
                        .and_then(|t| t.content.clone());
                }
                self.insert(entry, layer);
            }
        }
    }

    fn insert(&mut self, entry: Entry, layer: usize) {
        // A non-directory where a lower layer had a directory replaces the whole subtree.
        if entry.kind != Kind::Dir {
            self.take_subtree(&entry.path, layer, HiddenBy::Replaced, |_| true);
        }
        // A path below a non-directory: the parent is replaced by an implicit directory.
        let mut parent = parent_of(&entry.path);
        while let Some(p) = parent {
            if let Some(existing) = self.entries.get(p) {
                if existing.kind != Kind::Dir {
                    if let Some(old) = self.entries.remove(p) {
                        self.shadow(old, layer, HiddenBy::Replaced);
                    }
                }
            }
            parent = parent_of(p);
        }
        if let Some(old) = self.entries.insert(entry.path.clone(), entry) {
            if old.kind != Kind::Dir {
                self.shadow(old, layer, HiddenBy::Replaced);
            }
        }
    }

    /// Deletes `path` (if `include_self`) and everything below it that came from a lower layer.
    fn remove_lower(&mut self, path: &str, include_self: bool, layer: usize) {
        if path == "/" && include_self {
            return; // a whiteout of the root itself is meaningless; ignore it
        }
        if include_self {
            if let Some(e) = self.entries.get(path) {
                if e.layer < layer {
                    if let Some(old) = self.entries.remove(path) {
                        self.shadow(old, layer, HiddenBy::Deleted);
                    }
                }
            }
        }
        self.take_subtree(path, layer, HiddenBy::Deleted, |e| e.layer < layer);
    }

    fn take_subtree(
        &mut self,
        path: &str,
        layer: usize,
        how: HiddenBy,
        pick: impl Fn(&Entry) -> bool,
    ) {
        let prefix = if path == "/" {
            "/".to_string()
        } else {
            format!("{path}/")
        };
        let doomed: Vec<String> = self
            .entries
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(_, e)| pick(e))
            .map(|(k, _)| k.clone())
            .collect();
        for key in doomed {
            if let Some(old) = self.entries.remove(&key) {
                self.shadow(old, layer, how);
            }
        }
    }

    fn shadow(&mut self, entry: Entry, by_layer: usize, how: HiddenBy) {
        // Directories carry no content of their own; what they held is shadowed one by one.
        if entry.kind != Kind::Dir {
            self.shadowed.push(Shadowed {
                entry,
                by_layer,
                how,
            });
        }
    }
}

fn parent_of(path: &str) -> Option<&str> {
    let idx = path.rfind('/')?;
    if idx == 0 { None } else { Some(&path[..idx]) }
}

fn components(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty() && *c != ".")
}

/// Turns a tar member name into a clean absolute path: `./a//b/../c` → `/a/c`. `..` never
/// climbs above the root (as inside a container). Bytes that are not UTF-8 become `\xNN`, so
/// distinct names stay distinct. Returns `None` for the root itself.
pub fn clean_path(raw: &[u8]) -> Option<String> {
    let text = escape_non_utf8(raw);
    let mut parts: Vec<&str> = Vec::new();
    for c in components(&text) {
        if c == ".." {
            parts.pop();
        } else {
            parts.push(c);
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(format!("/{}", parts.join("/")))
    }
}

/// UTF-8 text as is; any invalid byte as `\xNN`.
pub fn escape_non_utf8(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    for chunk in raw.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Subjects of in-image files, built where the filesystem model lives.
impl Subject {
    pub fn file(entry: &Entry) -> Subject {
        Subject::ImageFile {
            path: entry.path.clone(),
            layer: entry.layer,
            deleted_in: None,
        }
    }

    pub fn shadowed(s: &Shadowed) -> Subject {
        Subject::ImageFile {
            path: s.entry.path.clone(),
            layer: s.entry.layer,
            deleted_in: Some(s.by_layer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, layer: usize) -> Entry {
        Entry {
            path: path.into(),
            kind: Kind::File,
            mode: 0o644,
            uid: 0,
            gid: 0,
            size: 1,
            link: None,
            xattrs: vec![],
            layer,
            content: None,
        }
    }

    fn dir(path: &str, layer: usize) -> Entry {
        Entry {
            kind: Kind::Dir,
            ..file(path, layer)
        }
    }

    fn link(path: &str, target: &str, layer: usize) -> Entry {
        Entry {
            kind: Kind::Symlink,
            link: Some(target.into()),
            ..file(path, layer)
        }
    }

    #[test]
    fn clean_path_normalises_and_never_escapes() {
        assert_eq!(clean_path(b"./etc//passwd").as_deref(), Some("/etc/passwd"));
        assert_eq!(
            clean_path(b"../../etc/shadow").as_deref(),
            Some("/etc/shadow")
        );
        assert_eq!(clean_path(b"/abs/./x/../y").as_deref(), Some("/abs/y"));
        assert_eq!(clean_path(b"./"), None);
        assert_eq!(clean_path(b"bad\xffname").as_deref(), Some("/bad\\xffname"));
    }

    #[test]
    fn whiteout_hides_lower_file_and_keeps_it_shadowed() {
        let mut fs = Fs::default();
        fs.apply_layer(
            0,
            vec![
                LayerRecord::Entry(dir("/etc", 0)),
                LayerRecord::Entry(file("/etc/key", 0)),
            ],
        );
        fs.apply_layer(1, vec![LayerRecord::Whiteout("/etc/key".into())]);
        assert!(fs.get("/etc/key").is_none());
        assert_eq!(fs.shadowed().len(), 1);
        assert_eq!(fs.shadowed()[0].how, HiddenBy::Deleted);
        assert_eq!(fs.shadowed()[0].by_layer, 1);
    }

    #[test]
    fn opaque_dir_hides_lower_children_but_not_its_own_layer() {
        let mut fs = Fs::default();
        fs.apply_layer(
            0,
            vec![
                LayerRecord::Entry(dir("/d", 0)),
                LayerRecord::Entry(file("/d/a", 0)),
            ],
        );
        fs.apply_layer(
            1,
            vec![
                LayerRecord::Entry(file("/d/b", 1)),
                LayerRecord::Opaque("/d".into()),
            ],
        );
        assert!(fs.get("/d/a").is_none());
        assert!(fs.get("/d/b").is_some());
        assert!(fs.get("/d").is_some());
    }

    #[test]
    fn file_replacing_directory_shadows_its_subtree() {
        let mut fs = Fs::default();
        fs.apply_layer(
            0,
            vec![
                LayerRecord::Entry(dir("/x", 0)),
                LayerRecord::Entry(file("/x/y", 0)),
            ],
        );
        fs.apply_layer(1, vec![LayerRecord::Entry(file("/x", 1))]);
        assert_eq!(fs.get("/x").map(|e| e.kind), Some(Kind::File));
        assert!(fs.get("/x/y").is_none());
        assert_eq!(fs.shadowed()[0].entry.path, "/x/y");
        fs.apply_layer(
            2,
            vec![
                LayerRecord::Entry(dir("/x", 2)),
                LayerRecord::Entry(file("/x/z", 2)),
            ],
        );
        assert_eq!(fs.get("/x").map(|e| e.kind), Some(Kind::Dir));
        assert_eq!(
            fs.shadowed().last().map(|s| s.entry.path.as_str()),
            Some("/x")
        );
    }

    #[test]
    fn whiteout_of_root_is_ignored() {
        let mut fs = Fs::default();
        fs.apply_layer(0, vec![LayerRecord::Entry(file("/a", 0))]);
        fs.apply_layer(1, vec![LayerRecord::Whiteout("/".into())]);
        assert!(fs.get("/a").is_some());
    }

    #[test]
    fn resolve_follows_links_and_stops_on_loops() {
        let mut fs = Fs::default();
        fs.apply_layer(
            0,
            vec![
                LayerRecord::Entry(dir("/etc", 0)),
                LayerRecord::Entry(file("/usr/lib/passwd", 0)),
                LayerRecord::Entry(link("/etc/passwd", "../usr/lib/passwd", 0)),
                LayerRecord::Entry(link("/loop", "/loop", 0)),
                LayerRecord::Entry(link("/lib", "usr/lib", 0)),
            ],
        );
        assert_eq!(
            fs.resolve("/etc/passwd").map(|e| e.path.as_str()),
            Some("/usr/lib/passwd")
        );
        assert_eq!(
            fs.resolve("/lib/passwd").map(|e| e.path.as_str()),
            Some("/usr/lib/passwd")
        );
        assert!(fs.resolve("/loop").is_none());
        assert!(fs.resolve("/missing").is_none());
    }
}
