//! What the OS rules share: the tools a running service rarely needs (shells, package managers,
//! network tools, compilers, debuggers) found on an image's usual paths, and how far from minimal
//! its base is, from `scratch` to `full` — judged with the settings the policy hands the rules.

use crate::image::Image;
use crate::image::fs::{Entry, Fs, Kind};
use crate::image::inventory::{OsInfo, Packages};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolCategory {
    Shell,
    PackageManager,
    NetworkTool,
    Compiler,
    Debugger,
}

impl ToolCategory {
    pub fn describe(self) -> &'static str {
        match self {
            ToolCategory::Shell => "shells",
            ToolCategory::PackageManager => "package managers",
            ToolCategory::NetworkTool => "network tools",
            ToolCategory::Compiler => "compilers and interpreters",
            ToolCategory::Debugger => "debuggers",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub category: ToolCategory,
    pub name: String,
    pub path: String,
    pub layer: usize,
}

/// How far from minimal the base is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseClass {
    /// Nothing but the application: no OS, no shell, no package manager.
    Scratch,
    /// An OS userland without shell or package manager (distroless, chiseled, static).
    Distroless,
    /// A shell or a package manager, but few packages (alpine, busybox, wolfi).
    Minimal,
    /// Shell, package manager and many packages (debian, ubuntu, ubi, fedora…).
    Full,
}

/// Packages above which a base with a shell and a package manager is `full` (the default).
pub const MINIMAL_MAX_PACKAGES: usize = 30;

const BIN_DIRS: [&str; 6] = [
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
];

const TOOLS: [(&str, ToolCategory); 31] = [
    ("sh", ToolCategory::Shell),
    ("bash", ToolCategory::Shell),
    ("dash", ToolCategory::Shell),
    ("ash", ToolCategory::Shell),
    ("zsh", ToolCategory::Shell),
    ("busybox", ToolCategory::Shell),
    ("apt", ToolCategory::PackageManager),
    ("apt-get", ToolCategory::PackageManager),
    ("dpkg", ToolCategory::PackageManager),
    ("apk", ToolCategory::PackageManager),
    ("rpm", ToolCategory::PackageManager),
    ("dnf", ToolCategory::PackageManager),
    ("yum", ToolCategory::PackageManager),
    ("microdnf", ToolCategory::PackageManager),
    ("pip", ToolCategory::PackageManager),
    ("pip3", ToolCategory::PackageManager),
    ("curl", ToolCategory::NetworkTool),
    ("wget", ToolCategory::NetworkTool),
    ("nc", ToolCategory::NetworkTool),
    ("ncat", ToolCategory::NetworkTool),
    ("socat", ToolCategory::NetworkTool),
    ("telnet", ToolCategory::NetworkTool),
    ("ssh", ToolCategory::NetworkTool),
    ("scp", ToolCategory::NetworkTool),
    ("gcc", ToolCategory::Compiler),
    ("cc", ToolCategory::Compiler),
    ("make", ToolCategory::Compiler),
    ("perl", ToolCategory::Compiler),
    ("python3", ToolCategory::Compiler),
    ("gdb", ToolCategory::Debugger),
    ("strace", ToolCategory::Debugger),
];

/// Shells, package managers, network tools, compilers, debuggers on the usual paths. Busybox
/// applets (links to busybox) count as busybox.
pub fn tools(fs: &Fs) -> Vec<Tool> {
    let mut out: Vec<Tool> = Vec::new();
    for dir in BIN_DIRS {
        for e in fs.under(dir) {
            let Some(name) = e.path.strip_prefix(dir).and_then(|r| r.strip_prefix('/')) else {
                continue;
            };
            if name.contains('/') {
                continue;
            }
            let Some(&(_, category)) = TOOLS
                .iter()
                .find(|(t, _)| *t == name || (*t == "python3" && name.starts_with("python3")))
            else {
                continue;
            };
            if !matches!(e.kind, Kind::File | Kind::Symlink | Kind::Hardlink) {
                continue;
            }
            if is_busybox_applet(fs, e) {
                continue;
            }
            out.push(Tool {
                category,
                name: name.to_string(),
                path: e.path.clone(),
                layer: e.layer,
            });
        }
    }
    out.sort_by(|a, b| (a.category, &a.path).cmp(&(b.category, &b.path)));
    out
}

fn is_busybox_applet(fs: &Fs, e: &Entry) -> bool {
    e.path.rsplit('/').next() != Some("busybox")
        && fs
            .resolve(&e.path)
            .is_some_and(|t| t.path.ends_with("/busybox"))
}

/// How far from minimal a base is, from what the pass found and the tools on its paths.
pub fn classify_with(
    os: Option<&OsInfo>,
    packages: Option<&Packages>,
    tools: &[Tool],
    max_minimal: usize,
) -> BaseClass {
    let shell = tools.iter().any(|t| t.category == ToolCategory::Shell);
    let pm = tools
        .iter()
        .any(|t| t.category == ToolCategory::PackageManager && t.name != "pip" && t.name != "pip3");
    let count = packages.and_then(|p| p.count);
    if !shell && !pm {
        return if os.is_none() && count.unwrap_or(0) == 0 {
            BaseClass::Scratch
        } else {
            BaseClass::Distroless
        };
    }
    match count {
        Some(n) if shell && pm && n > max_minimal => BaseClass::Full,
        // An rpm database of unknown size with a shell and a package manager is a full distro.
        None if shell && pm && packages.is_some() => BaseClass::Full,
        _ => BaseClass::Minimal,
    }
}

/// The tools on an image's paths, where its inventory was taken (none otherwise: a config-only
/// read, `--no-inventory`).
pub fn tools_of(image: &Image) -> Vec<Tool> {
    if image.inventory.built {
        tools(&image.fs)
    } else {
        Vec::new()
    }
}

/// [`classify_with`] for an image: `full` above `minimal_max_packages` packages with both a shell
/// and a package manager.
pub fn classify(image: &Image, minimal_max_packages: usize) -> BaseClass {
    classify_with(
        image.inventory.os.as_ref(),
        image.inventory.packages.as_ref(),
        &tools_of(image),
        minimal_max_packages,
    )
}
