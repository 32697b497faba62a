use super::base::{BaseClass, ToolCategory, classify, tools_of};
use crate::catalog::{Check, Run, Settings, Severity, Sink, Subject};
use crate::image::Image;
use crate::limits::human_bytes;

pub const CHECK: Check = Check {
    id: "OS001",
    name: "non-minimal-base",
    title: "Service image built on a full OS base",
    severity: Severity::Medium,
    cis: &["4.3"],
    cis_kubernetes: &[],
    rationale: "A full distribution base (debian, ubuntu, ubi, fedora…) ships a shell, a package \
manager and hundreds of packages a running service never uses. Every one is attack surface — \
tools an intruder can use, and packages that collect CVEs and scanner noise. A base is `full` \
when it has a shell, a package manager and more than 30 packages (configurable with \
`minimal-max-packages` in `.stevedore.yaml`); images whose command is just a shell (OS images \
themselves) are not reported.",
    remediation: "Build in a full image, ship on a minimal one: a multi-stage build whose final \
stage is distroless (`gcr.io/distroless/static-debian12`, `base-debian12`, `cc-debian12`), Ubuntu \
chiseled, `ubi-micro`, alpine, or `scratch` for a static binary.",
    references: &[
        "https://github.com/GoogleContainerTools/distroless",
        "https://docs.docker.com/build/building/multi-stage/",
    ],
    runs: &[Run::ImageWithSettings(run)],
    wants: &[],
};

/// A smaller base that is really smaller than `id`.
fn suggestion(id: &str, family: &str) -> &'static str {
    match (id, family) {
        ("debian", _) => {
            "gcr.io/distroless/static-debian12 (static binaries), base-debian12 or cc-debian12"
        }
        ("ubuntu", _) => "an Ubuntu chiseled image (ubuntu/chiselled base or runtime images)",
        (_, "rhel") => "ubi-micro (registry.access.redhat.com/ubi9/ubi-micro)",
        (_, "debian") => "gcr.io/distroless/base-debian12",
        _ => "alpine, or scratch for a static binary",
    }
}

/// An OS image itself (`CMD ["bash"]`, no entrypoint) is not a service image.
fn is_bare_os_image(image: &Image) -> bool {
    let c = &image.config.config;
    c.entrypoint.is_empty()
        && matches!(c.cmd.as_slice(), [] | [_])
        && c.cmd.first().is_none_or(|cmd| {
            matches!(
                cmd.rsplit('/').next(),
                Some("sh" | "bash" | "ash" | "dash" | "zsh")
            )
        })
}

fn run(image: &Image, settings: &Settings, sink: &mut Sink) {
    let inv = &image.inventory;
    if classify(image, settings.minimal_max_packages) != BaseClass::Full || is_bare_os_image(image)
    {
        return;
    }
    let Some(os) = &inv.os else { return };
    let found = tools_of(image);
    let count = |cat: ToolCategory| found.iter().filter(|t| t.category == cat).count();
    let packages = inv
        .packages
        .as_ref()
        .and_then(|p| p.count)
        .map_or("an unknown number of".to_string(), |n| n.to_string());
    let tools = found
        .iter()
        .filter(|t| {
            matches!(
                t.category,
                ToolCategory::NetworkTool | ToolCategory::Compiler | ToolCategory::Debugger
            )
        })
        .count();
    sink.report(
        format!(
            "{} base: {packages} packages, {} shells, {} package managers, {tools} network/compiler/debug tools, {} in the base layers; consider {}",
            if os.pretty_name.is_empty() { &os.id } else { &os.pretty_name },
            count(ToolCategory::Shell),
            count(ToolCategory::PackageManager),
            human_bytes(inv.base_bytes),
            suggestion(&os.id, &os.family)
        ),
        Subject::ImageFile { path: os.source.clone(), layer: os.layer, deleted_in: None },
        vec![("os", os.id.clone()), ("packages", packages), ("base_bytes", inv.base_bytes.to_string())],
    );
}
