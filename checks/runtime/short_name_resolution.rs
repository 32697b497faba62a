use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI014",
    name: "short-name-resolution",
    title: "Short image names resolve through several registries",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "An image named without its registry (`nginx`) is looked up in \
`unqualified-search-registries` in order (registries.conf, read by CRI-O, Podman and Buildah). \
With more than one, whoever first publishes that name in an earlier registry decides what runs: \
the squatting that containers-registries.conf(5) warns about. `short-name-mode = \"permissive\"` \
(the default when unset) or `\"disabled\"` lets the first hit win instead of refusing an \
ambiguous name.",
    remediation: "Name images fully (`docker.io/library/nginx:1.27`), keep at most one search \
registry (or none), and set `short-name-mode = \"enforcing\"`; add aliases for the short names \
you allow.",
    references: &[
        "https://github.com/containers/image/blob/main/docs/containers-registries.conf.5.md",
    ],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    if let Some(list) = cfg.search_registries.as_ref().filter(|l| l.value.len() > 1) {
        sink.report(
            format!(
                "short image names are looked up in {} registries, in order: {}",
                list.value.len(),
                list.value.join(", ")
            ),
            Subject::at(&list.loc),
            vec![("registries", list.value.join(","))],
        );
    }
    if let Some(mode) = cfg
        .short_name_mode
        .as_ref()
        .filter(|m| matches!(m.value.as_str(), "permissive" | "disabled"))
    {
        sink.report(
            format!(
                "short-name-mode is {}: an ambiguous short name is not refused",
                mode.value
            ),
            Subject::at(&mode.loc),
            vec![("mode", mode.value.clone())],
        );
    }
}
