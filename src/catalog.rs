//! The vocabulary of the check catalog: what a check declares about itself, what it reads, and
//! what it emits. The checks themselves live in `checks/`, one file each.

pub use crate::finding::{RawFinding, Severity, Sink, Subject};
use crate::image::Image;
use crate::image::wants::Want;
use std::fmt;

/// What the policy hands the rules that judge against a setting (ruff's `LinterSettings`): the
/// project config's and the command line's values, never the pass's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Packages above which a base with a shell and a package manager is `full` (OS001).
    pub minimal_max_packages: usize,
    /// The day lifecycle data is judged against, `YYYY-MM-DD` (OS002).
    pub as_of: String,
    /// The cloud the manifests run in (`aws`, `gke`…), where the project says.
    pub provider: Option<String>,
    /// The AWS Load Balancer Controller is installed, with its Service webhook.
    pub aws_load_balancer_controller: bool,
    /// Namespaces where a public ingress controller runs (its load balancer is the one).
    pub ingress_namespaces: Vec<String>,
}

/// How a check reads the models. A check that understands several models lists several runs.
#[derive(Clone, Copy)]
pub enum Run {
    Image(fn(&Image, &mut Sink)),
    /// An image, judged with the policy's settings.
    ImageWithSettings(fn(&Image, &Settings, &mut Sink)),
    Daemon(fn(&crate::model::daemon::DaemonConfig, &mut Sink)),
    Seccomp(fn(&crate::model::seccomp::SeccompProfile, &mut Sink)),
    Container(fn(&crate::model::container::ContainerSpec, &mut Sink)),
    /// How an image is built: from an image's config and history, or a Dockerfile.
    Recipe(fn(&crate::model::recipe::BuildRecipe, &mut Sink)),
    /// A node read from its root filesystem: host files, audit rules.
    Node(fn(&crate::model::node::NodeConfig, &mut Sink)),
    /// A node, judged with the policy's settings (the date end of life is judged against).
    NodeWithSettings(fn(&crate::model::node::NodeConfig, &Settings, &mut Sink)),
    /// A CRI runtime's configuration (containerd, CRI-O).
    Runtime(fn(&crate::model::runtime::RuntimeConfig, &mut Sink)),
    /// A kubelet's effective configuration.
    Kubelet(fn(&crate::model::kubelet::KubeletConfig, &mut Sink)),
    /// A Kubernetes pod or pod template, as Pod Security sees it.
    Pod(fn(&crate::model::kube::PodSpec, &mut Sink)),
    /// A Kubernetes Service, judged with what the project says of its cloud.
    Service(fn(&crate::model::kube::ServiceSpec, &Settings, &mut Sink)),
    Ingress(fn(&crate::model::kube::IngressSpec, &Settings, &mut Sink)),
    Namespace(fn(&crate::model::kube::NamespaceSpec, &mut Sink)),
    /// A Secret or ConfigMap and what is written in it.
    Stored(fn(&crate::model::kube::StoredData, &mut Sink)),
    /// Every Kubernetes object of a scan together.
    Cluster(fn(&crate::model::kube::Cluster, &Settings, &mut Sink)),
}

/// One entry of the catalog. The metadata is the documentation: `stevedore rules`, SARIF
/// `rules[]` and the README table are generated from it.
pub struct Check {
    /// Stable id, never reused: `IMG001`.
    pub id: &'static str,
    /// Kebab-case name of the bad pattern: `root-user`.
    pub name: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// CIS Docker Benchmark v1.6.0 sections.
    pub cis: &'static [&'static str],
    /// CIS Kubernetes Benchmark v1.12.0 sections (its numbers collide with Docker's: section 4
    /// is images in one and worker nodes in the other).
    pub cis_kubernetes: &'static [&'static str],
    /// Markdown.
    pub rationale: &'static str,
    /// Markdown.
    pub remediation: &'static str,
    pub references: &'static [&'static str],
    pub runs: &'static [Run],
    /// File contents the check needs from the image pass.
    pub wants: &'static [Want],
}

impl Run {
    /// Whether this run reads an image (as opposed to a configuration file model).
    pub fn reads_image(&self) -> bool {
        matches!(
            self,
            Run::Image(_) | Run::ImageWithSettings(_) | Run::Recipe(_)
        )
    }
}

impl Check {
    /// Whether the check has anything to say about an image scan.
    pub fn reads_images(&self) -> bool {
        self.runs.iter().any(Run::reads_image)
    }

    /// Whether the check has anything to say about configuration files.
    pub fn reads_config_files(&self) -> bool {
        self.runs.iter().any(|r| {
            !matches!(
                r,
                Run::Image(_) | Run::ImageWithSettings(_) | Run::Node(_) | Run::NodeWithSettings(_)
            )
        })
    }

    /// Whether the check has anything to say about a node's root filesystem: its own files, OS
    /// and audit rules, and the daemon, runtime, kubelet and seccomp models built from them.
    pub fn reads_node(&self) -> bool {
        self.runs.iter().any(|r| {
            matches!(
                r,
                Run::Node(_)
                    | Run::NodeWithSettings(_)
                    | Run::Daemon(_)
                    | Run::Runtime(_)
                    | Run::Kubelet(_)
                    | Run::Seccomp(_)
            )
        })
    }

    /// The benchmark sections, for a table: Docker's as they are (`5.4`), Kubernetes' marked
    /// (`K8s 4.2.1`), since their numbers collide.
    pub fn cis_labels(&self) -> Vec<String> {
        self.cis
            .iter()
            .map(|c| c.to_string())
            .chain(self.cis_kubernetes.iter().map(|c| format!("K8s {c}")))
            .collect()
    }

    /// The id's letters: `IMG`, `FS`, `OS`, `DMN`, `SCP`, `CTR`.
    pub fn family(&self) -> &'static str {
        let end = self
            .id
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(self.id.len());
        &self.id[..end]
    }
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.id, self.name)
    }
}
