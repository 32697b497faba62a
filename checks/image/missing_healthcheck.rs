use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::recipe::BuildRecipe;

pub const CHECK: Check = Check {
    id: "IMG002",
    name: "missing-healthcheck",
    title: "Image has no HEALTHCHECK",
    severity: Severity::Low,
    cis: &["4.6"],
    cis_kubernetes: &[],
    rationale: "Without a health check, Docker and Swarm only know whether the process exists, not \
whether it serves: a hung service keeps receiving traffic and is never restarted. Kubernetes \
ignores image health checks and uses probes instead, so this matters most for images run by \
Docker, Compose and Swarm.",
    remediation: "Add a `HEALTHCHECK` that exercises the service cheaply, for example:\n\n\
```dockerfile\nHEALTHCHECK --interval=30s --timeout=3s CMD [\"/app/healthcheck\"]\n```\n\n\
If the image only ever runs on Kubernetes, define liveness and readiness probes there and accept \
this rule in `.stevedore.yaml`.",
    references: &["https://docs.docker.com/reference/dockerfile/#healthcheck"],
    runs: &[Run::Recipe(run)],
    wants: &[],
};

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    let (why, subject) = match &recipe.healthcheck {
        None => ("no HEALTHCHECK is defined", recipe.missing("Healthcheck")),
        Some((test, _)) if test.is_empty() => {
            ("no HEALTHCHECK is defined", recipe.missing("Healthcheck"))
        }
        Some((test, subject)) if test[0].eq_ignore_ascii_case("NONE") => {
            ("HEALTHCHECK NONE disables health checking", subject.clone())
        }
        Some(_) => return,
    };
    sink.report(format!("Image has no health check: {why}"), subject, vec![]);
}
