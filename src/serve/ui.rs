//! `/ui`: a small read-only page of the fleet — nodes with their verdicts and drift, the latest
//! admission denials, the scanned images by severity.
//!
//! API routes keep header-only authentication. The page signs in with the reports role's key
//! once (a form posted to `/ui/login`) and then holds an `HttpOnly`, `SameSite=Strict` session
//! cookie scoped to `/ui`, honoured for `GET /ui` only: no route that changes anything reads a
//! cookie, so there is nothing to forge a request for. Everything shown is escaped (node names,
//! image references and messages come from the scanned world), the page has no script, and its
//! Content-Security-Policy is `default-src 'self'` with `frame-ancestors 'none'`.

use super::AppState;
use super::auth::{Peer, Role, Verdict};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a session lasts.
const SESSION: Duration = Duration::from_secs(8 * 3600);
/// Sessions kept at most (the oldest go first).
const MAX_SESSIONS: usize = 256;
/// Admission denials remembered for the page.
const DENIALS: usize = 50;

const COOKIE: &str = "stevedore_ui";

/// One admission the server refused.
#[derive(Debug, Clone)]
pub(crate) struct Denial {
    pub at: i64,
    /// `Pod shop/web`.
    pub object: String,
    pub reasons: Vec<String>,
}

/// The page's state: sessions and the latest denials.
#[derive(Default)]
pub(crate) struct UiState {
    sessions: Mutex<HashMap<String, Instant>>,
    denials: Mutex<VecDeque<Denial>>,
}

impl UiState {
    /// Keeps a denial for the page, cut to size: names and reasons come from the reviewed
    /// object, and the memory held stays bounded whatever it says.
    pub(crate) fn record_denial(&self, object: String, reasons: &[String]) {
        use crate::report::admission::cut;
        if let Ok(mut d) = self.denials.lock() {
            d.push_front(Denial {
                at: super::store::now(),
                object: cut(&object, 160),
                reasons: reasons.iter().take(5).map(|r| cut(r, 400)).collect(),
            });
            d.truncate(DENIALS);
        }
    }

    fn session_ok(&self, id: &str) -> bool {
        self.sessions
            .lock()
            .ok()
            .and_then(|s| s.get(id).copied())
            .is_some_and(|at| at.elapsed() < SESSION)
    }

    fn new_session(&self) -> Option<String> {
        let mut bytes = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).ok()?;
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut s = self.sessions.lock().ok()?;
        s.retain(|_, at| at.elapsed() < SESSION);
        while s.len() >= MAX_SESSIONS {
            let oldest = s
                .iter()
                .min_by_key(|(_, at)| **at)
                .map(|(k, _)| k.clone())?;
            s.remove(&oldest);
        }
        s.insert(id.clone(), Instant::now());
        Some(id)
    }
}

/// Text for HTML: `&`, `<`, `>`, quotes escaped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(status: StatusCode, extra: &[(&str, String)], body: String) -> Response {
    let mut headers = vec![
        ("content-type", "text/html; charset=utf-8".to_string()),
        (
            "content-security-policy",
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
                .to_string(),
        ),
        ("x-content-type-options", "nosniff".to_string()),
        ("referrer-policy", "no-referrer".to_string()),
        ("cache-control", "no-store".to_string()),
    ];
    headers.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    let mut response = (status, body).into_response();
    for (k, v) in headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(k.as_bytes()),
            axum::http::HeaderValue::from_str(&v),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

fn document(title: &str, main: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <link rel=\"stylesheet\" href=\"/ui/style.css\"></head><body><header><h1>stevedore</h1>\
         <p>{}</p></header><main>{main}</main></body></html>\n",
        escape(title),
        escape(crate::VERSION)
    )
}

fn login_page(message: &str) -> String {
    document(
        "stevedore: sign in",
        &format!(
            "<section><h2>Sign in</h2><p>{}</p><form method=\"post\" action=\"/ui/login\">\
             <label>Reports key <input type=\"password\" name=\"key\" autocomplete=\"off\"></label> \
             <button type=\"submit\">Sign in</button></form></section>",
            escape(message)
        ),
    )
}

fn cookie_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            kv.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(str::to_string)
        })
}

/// `POST /ui/login`: the reports key, from a form, for a session.
pub(crate) async fn login(State(state): State<Arc<AppState>>, body: String) -> Response {
    let key = url::form_urlencoded::parse(body.as_bytes())
        .find(|(name, _)| name == "key")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let verdict = state
        .config
        .access
        .check(Role::Reports, &[key.as_str()], &Peer::default());
    if !matches!(verdict, Verdict::Allowed) || key.is_empty() {
        return page(
            StatusCode::UNAUTHORIZED,
            &[],
            login_page("That key does not open the reports role."),
        );
    }
    let Some(id) = state.ui.new_session() else {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            login_page("No session could be made."),
        );
    };
    let secure = if state.config.tls.is_some() {
        "; Secure"
    } else {
        ""
    };
    page(
        StatusCode::SEE_OTHER,
        &[
            ("location", "/ui".to_string()),
            (
                "set-cookie",
                format!(
                    "{COOKIE}={id}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
                    SESSION.as_secs()
                ),
            ),
        ],
        String::new(),
    )
}

pub(crate) async fn style() -> Response {
    (
        [
            ("content-type", "text/css; charset=utf-8"),
            ("x-content-type-options", "nosniff"),
        ],
        STYLE,
    )
        .into_response()
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}\
header{background:#1d2330;color:#fff;padding:.6rem 1.5rem;display:flex;gap:1rem;align-items:baseline}\
header h1{margin:0;font-size:1.3rem}main{padding:1rem 1.5rem}section{background:#fff;border-radius:6px;\
padding:.8rem 1rem;margin-bottom:1rem;box-shadow:0 1px 2px #0002}h2{font-size:1.05rem;margin:.2rem 0 .6rem}\
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{text-align:left;padding:.3rem .5rem;\
border-bottom:1px solid #e5e7eb;vertical-align:top}.critical{color:#b00020;font-weight:600}.high{color:#d35400}\
.medium{color:#b7950b}.low,.info{color:#566}.new{color:#b00020}.fixed{color:#1e8449}code{font-size:.85rem}";

fn severity_cell(worst: Option<&str>) -> String {
    match worst {
        Some(w) => format!("<td class=\"{0}\">{0}</td>", escape(w)),
        None => "<td class=\"fixed\">clean</td>".to_string(),
    }
}

/// `GET /ui`: the fleet, for a signed-in session.
pub(crate) async fn show(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if !cookie_of(&headers).is_some_and(|id| state.ui.session_ok(&id)) {
        return page(
            StatusCode::UNAUTHORIZED,
            &[],
            login_page("Sign in with the reports role's key."),
        );
    }
    let since = super::store::now() * 1000 - 30 * 86_400_000;
    let data = super::blocking(&state, move |s| {
        let nodes = s.queue.store.node_reports(since)?;
        let images = s.queue.store.recent_results(50)?;
        Ok::<_, crate::error::Error>((nodes, images))
    })
    .await;
    let (nodes, images) = match data {
        Ok(d) => d,
        Err(e) => {
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                &[],
                document("stevedore", &format!("<p>{}</p>", escape(&e.one_line()))),
            );
        }
    };
    let mut main = String::new();
    main.push_str("<section><h2>Nodes</h2><table><tr><th>node</th><th>verdict</th><th>findings</th><th>new since the previous report</th><th>fixed</th></tr>");
    for group in &nodes {
        let v = super::nodes::node_view(group);
        let list = |key: &str, class: &str| -> String {
            v[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|f| {
                            format!(
                                "<div class=\"{class}\"><code>{}</code> {}</div>",
                                escape(f["rule"].as_str().unwrap_or("")),
                                escape(f["message"].as_str().unwrap_or(""))
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let _ = write!(
            main,
            "<tr><td>{}</td>{}<td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(v["name"].as_str().unwrap_or("")),
            severity_cell(v["worst"].as_str()),
            v["findings"],
            list("new", "new"),
            list("fixed", "fixed")
        );
    }
    main.push_str("</table></section><section><h2>Latest admission denials</h2><table><tr><th>when (UTC)</th><th>object</th><th>why</th></tr>");
    let denials: Vec<Denial> = state
        .ui
        .denials
        .lock()
        .map(|d| d.iter().cloned().collect())
        .unwrap_or_default();
    for d in &denials {
        let _ = write!(
            main,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&crate::date::utc_timestamp(d.at)),
            escape(&d.object),
            d.reasons
                .iter()
                .map(|r| format!("<div>{}</div>", escape(r)))
                .collect::<String>()
        );
    }
    main.push_str("</table></section><section><h2>Scanned images</h2><table><tr><th>image</th><th>digest</th><th>worst</th><th>findings</th></tr>");
    for stored in &images {
        let judged = super::judged(&state, stored).ok();
        let active: Vec<&crate::report::json::JsonFinding> = judged
            .as_ref()
            .map(|d| d.findings.iter().filter(|f| f.is_active()).collect())
            .unwrap_or_default();
        let worst = active.iter().map(|f| f.severity).max().map(|s| s.name());
        let _ = write!(
            main,
            "<tr><td>{}</td><td><code>{}</code></td>{}<td>{}</td></tr>",
            escape(&stored.repository),
            escape(stored.digest.get(..19).unwrap_or(&stored.digest)),
            severity_cell(worst),
            active.len()
        );
    }
    main.push_str("</table></section>");
    page(StatusCode::OK, &[], document("stevedore: fleet", &main))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denials_are_kept_few_and_short() {
        let ui = UiState::default();
        for i in 0..(DENIALS + 10) {
            let reasons = vec!["r".repeat(100_000); 9];
            ui.record_denial(format!("Pod ns/{}{i}", "x".repeat(100_000)), &reasons);
        }
        let d = ui.denials.lock().unwrap();
        assert_eq!(d.len(), DENIALS);
        assert!(
            d.iter()
                .all(|x| x.object.chars().count() <= 160 && x.reasons.len() == 5)
        );
        assert!(
            d.iter()
                .flat_map(|x| &x.reasons)
                .all(|r| r.chars().count() <= 400)
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<img src=x onerror=\"alert(1)\">&'"),
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;"
        );
    }
}
