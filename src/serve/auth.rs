//! Who may call which route. Each door has a role — `harbor` (the scanner adapter API),
//! `events` (registry push notifications), `admission`, `reports` (stored reports) — and its own
//! credentials: an API key for that role (`--role-key-file ROLE=FILE`), the key for every role
//! (`--api-key-file`), or a client certificate signed by `--client-ca` whose subjectAltName holds
//! a name given for that role (`--client-subject ROLE=NAME`). A certificate the CA signed but
//! that names no subject of the role is refused with 403: a CA alone opens nothing.

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rustls::pki_types::{CertificateDer, ServerName};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Harbor,
    Events,
    Admission,
    Reports,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Harbor, Role::Events, Role::Admission, Role::Reports];

    pub fn name(self) -> &'static str {
        match self {
            Role::Harbor => "harbor",
            Role::Events => "events",
            Role::Admission => "admission",
            Role::Reports => "reports",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.name() == s.trim())
            .ok_or_else(|| format!("`{s}` is not a role (harbor, events, admission, reports)"))
    }
}

/// The credentials the server accepts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Access {
    /// `--api-key-file`: accepted for every role.
    pub any_key: Option<String>,
    /// `--role-key-file ROLE=FILE`.
    pub role_keys: Vec<(Role, String)>,
    /// `--client-subject ROLE=NAME`.
    pub subjects: Vec<(Role, String)>,
}

/// The client certificate a TLS connection presented and the CA verified, if any.
#[derive(Clone, Default)]
pub(crate) struct Peer(pub Option<Arc<CertificateDer<'static>>>);

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether a verified certificate names `subject` in its subjectAltName (DNS name or IP).
fn certificate_names(cert: &CertificateDer<'_>, subject: &str) -> bool {
    let Ok(name) = ServerName::try_from(subject.to_string()) else {
        return false;
    };
    webpki::EndEntityCert::try_from(cert)
        .is_ok_and(|ee| ee.verify_is_valid_for_subject_name(&name).is_ok())
}

pub(crate) enum Verdict {
    Allowed,
    /// No credential (401).
    Missing,
    /// A credential that is not this role's (403).
    Forbidden(&'static str),
}

impl Access {
    /// Whether a key or a certificate opens `role`.
    pub(crate) fn check(&self, role: Role, keys: &[&str], peer: &Peer) -> Verdict {
        let key_ok = keys.iter().any(|k| {
            self.any_key
                .iter()
                .chain(
                    self.role_keys
                        .iter()
                        .filter(|(r, _)| *r == role)
                        .map(|(_, k)| k),
                )
                .any(|want| constant_time_eq(k.as_bytes(), want.as_bytes()))
        });
        if key_ok {
            return Verdict::Allowed;
        }
        if let Some(cert) = &peer.0 {
            let named = self
                .subjects
                .iter()
                .filter(|(r, _)| *r == role)
                .any(|(_, s)| certificate_names(cert, s));
            return if named {
                Verdict::Allowed
            } else {
                Verdict::Forbidden("client certificate not allowed for this route\n")
            };
        }
        // A key of another role: known, but not for this door.
        let other_role = keys.iter().any(|k| {
            self.role_keys
                .iter()
                .any(|(_, want)| constant_time_eq(k.as_bytes(), want.as_bytes()))
        });
        if other_role {
            Verdict::Forbidden("API key not allowed for this route\n")
        } else {
            Verdict::Missing
        }
    }
}

/// Middleware: the request must carry a credential of `role`.
pub(crate) async fn require(
    State((access, role)): State<(Arc<Access>, Role)>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<Peer>()
        .cloned()
        .unwrap_or_default();
    let headers = request.headers();
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let harbor = headers
        .get("x-scanneradapter-api-key")
        .and_then(|v| v.to_str().ok());
    let keys: Vec<&str> = [bearer, harbor].into_iter().flatten().collect();
    match access.check(role, &keys, &peer) {
        Verdict::Allowed => next.run(request).await,
        Verdict::Missing => (
            StatusCode::UNAUTHORIZED,
            [("www-authenticate", "Bearer")],
            "missing or wrong API key\n",
        )
            .into_response(),
        Verdict::Forbidden(why) => (StatusCode::FORBIDDEN, why).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_open_their_role_only() {
        let access = Access {
            any_key: None,
            role_keys: vec![
                (Role::Harbor, "harbor-key-0123456789".into()),
                (Role::Admission, "admission-key-0123456789".into()),
            ],
            subjects: Vec::new(),
        };
        let none = Peer::default();
        assert!(matches!(
            access.check(Role::Harbor, &["harbor-key-0123456789"], &none),
            Verdict::Allowed
        ));
        assert!(matches!(
            access.check(Role::Reports, &["harbor-key-0123456789"], &none),
            Verdict::Forbidden(_)
        ));
        assert!(matches!(
            access.check(Role::Harbor, &["wrong"], &none),
            Verdict::Missing
        ));
        assert!(matches!(
            access.check(Role::Harbor, &[], &none),
            Verdict::Missing
        ));
        let all = Access {
            any_key: Some("every-role-key-0123456789".into()),
            ..Access::default()
        };
        for role in Role::ALL {
            assert!(matches!(
                all.check(role, &["every-role-key-0123456789"], &none),
                Verdict::Allowed
            ));
        }
    }
}
