use crate::catalog::{Check, Run, Severity, Sink};
use crate::image::wants::Want;
use crate::model::recipe::{BuildRecipe, RecipeKind};

pub const CHECK: Check = Check {
    id: "IMG001",
    name: "root-user",
    title: "Image runs as root",
    severity: Severity::Medium,
    cis: &["4.1"],
    cis_kubernetes: &[],
    rationale: "A container process running as uid 0 is root inside the container and, without \
user namespaces, root on the host for anything it can reach: a kernel bug, a mounted socket or a \
writable host path turns into host compromise. Images should name an unprivileged user so that \
every container started from them is unprivileged unless someone asks otherwise.\n\n\
A final `FROM scratch` stage without `USER` runs as uid 0 like any other image and is reported: \
an empty filesystem narrows what root can do in the container, not what it can do to the kernel.",
    remediation: "Create an unprivileged user and switch to it at the end of the Dockerfile:\n\n\
```dockerfile\nRUN useradd --system --uid 10001 app\nUSER 10001\n```\n\n\
A numeric uid lets Kubernetes verify `runAsNonRoot` without reading the image's `/etc/passwd`.",
    references: &[
        "https://docs.docker.com/reference/dockerfile/#user",
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
    ],
    runs: &[Run::Recipe(run)],
    wants: &[Want::Path("/etc/passwd")],
};

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    let Some((user, subject)) = &recipe.user else {
        let why = match recipe.kind {
            RecipeKind::Image => "no USER is set, so containers run as root",
            RecipeKind::Dockerfile => {
                "no USER in the final stage, so the base image's user (usually root) applies"
            }
        };
        sink.report(
            format!("Image runs as root: {why}"),
            recipe.missing("User"),
            vec![("user", String::new()), ("uid", "0".into())],
        );
        return;
    };
    let name = user.split(':').next().unwrap_or("").trim();
    let why = if name.is_empty() {
        "no USER is set, so containers run as root".to_string()
    } else if name == "root" {
        format!("USER is `{user}`")
    } else if let Ok(uid) = name.parse::<u64>() {
        if uid != 0 {
            return;
        }
        format!("USER is `{user}` (uid 0)")
    } else {
        match recipe.uid_of.get(name) {
            Some(0) => format!("USER `{user}` has uid 0 in /etc/passwd"),
            _ => return,
        }
    };
    sink.report(
        format!("Image runs as root: {why}"),
        subject.clone(),
        vec![("user", user.clone()), ("uid", "0".into())],
    );
}
