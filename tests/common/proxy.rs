//! A pass-through HTTP proxy in front of the provider that can tamper with token responses:
//! how the tests play a malicious or broken identity provider with real, validly signed tokens.

use std::sync::{Arc, RwLock};

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::Value;
use tokio::{net::TcpListener, sync::oneshot};

pub type Tamper = Arc<dyn Fn(&mut Value) + Send + Sync>;

/// A request of the app to the token or revocation endpoint: its `Authorization` header and its
/// form body.
pub type ClientRequest = (Option<String>, String);

/// A canned answer for `/oauth2/token`, given instead of forwarding: (status, content type, body).
pub type CannedAnswer = (u16, &'static str, String);

#[derive(Clone, Default)]
struct ProxyState {
    target: Arc<RwLock<String>>,
    tamper: Arc<RwLock<Option<Tamper>>>,
    canned: Arc<RwLock<Option<CannedAnswer>>>,
    canned_answers: Arc<std::sync::atomic::AtomicU64>,
    revoked: Arc<RwLock<Vec<String>>>,
    keys_down: Arc<std::sync::atomic::AtomicBool>,
    keys_hang: Arc<std::sync::atomic::AtomicBool>,
    token_delay_ms: Arc<std::sync::atomic::AtomicU64>,
    revoke_delay_ms: Arc<std::sync::atomic::AtomicU64>,
    /// Each `/oauth2/token` and `/oauth2/revoke` request: its `Authorization` header and form.
    client_requests: Arc<RwLock<Vec<ClientRequest>>>,
}

/// The proxy's server while it runs: how to stop it, and the task to wait for.
type Running = (oneshot::Sender<()>, tokio::task::JoinHandle<()>);

pub struct TokenProxy {
    pub url: String,
    addr: std::net::SocketAddr,
    state: ProxyState,
    running: std::sync::Mutex<Option<Running>>,
}

impl TokenProxy {
    pub async fn start() -> TokenProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = ProxyState::default();
        let running = serve(listener, state.clone());
        TokenProxy { url: format!("http://{addr}"), addr, state, running: std::sync::Mutex::new(Some(running)) }
    }

    /// Stops listening and closes every connection: the provider's domain out of reach (a
    /// connection refused, not an HTTP answer), until [`TokenProxy::come_back`].
    pub async fn go_offline(&self) {
        let running = self.running.lock().expect("lock").take();
        if let Some((stop, task)) = running {
            let _ = stop.send(());
            task.await.expect("the proxy stops");
        }
    }

    /// Listens again on the same address.
    pub async fn come_back(&self) {
        let listener = TcpListener::bind(self.addr).await.expect("bind the same address again");
        *self.running.lock().expect("lock") = Some(serve(listener, self.state.clone()));
    }

    pub fn forward_to(&self, target: &str) {
        *self.state.target.write().expect("lock") = target.trim_end_matches('/').to_string();
    }

    /// Answers every later `/oauth2/token` request with `answer` instead of forwarding it
    /// (`None`: forward again), as a throttling or misconfigured provider would.
    pub fn answer_token_requests(&self, answer: Option<CannedAnswer>) {
        *self.state.canned.write().expect("lock") = answer;
    }

    /// How many token requests got the canned answer.
    pub fn canned_answers(&self) -> u64 {
        self.state.canned_answers.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The `token` of every `/oauth2/revoke` request forwarded so far, in order.
    pub fn revoked_tokens(&self) -> Vec<String> {
        self.state.revoked.read().expect("lock").clone()
    }

    /// While `down`, the key set (`…/.well-known/jwks.json`) answers 503: the pool's keys out of
    /// reach while its other endpoints answer (they live on another host at Cognito).
    pub fn keys_unavailable(&self, down: bool) {
        self.state.keys_down.store(down, std::sync::atomic::Ordering::Relaxed);
    }

    /// While `hang`, the key set's requests are taken and never answered (a minute, then 503):
    /// a host that accepts the connection and then says nothing.
    pub fn keys_hang(&self, hang: bool) {
        self.state.keys_hang.store(hang, std::sync::atomic::Ordering::Relaxed);
    }

    /// Holds every later `/oauth2/token` answer for `delay` after the provider gave it: a slow
    /// provider, or an answer still on its way when the provider has already acted on the
    /// request (rotated a refresh token, say).
    pub fn delay_token_answers(&self, delay: std::time::Duration) {
        self.state.token_delay_ms.store(delay.as_millis() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Each `/oauth2/token` and `/oauth2/revoke` request so far, in order: its `Authorization`
    /// header and its form body, as the app sent them.
    pub fn client_requests(&self) -> Vec<ClientRequest> {
        self.state.client_requests.read().expect("lock").clone()
    }

    /// Holds every later `/oauth2/revoke` request for `delay` before forwarding it (it is
    /// recorded in [`TokenProxy::revoked_tokens`] on arrival): a hung revocation endpoint.
    pub fn delay_revocations(&self, delay: std::time::Duration) {
        self.state.revoke_delay_ms.store(delay.as_millis() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Changes every later `/oauth2/token` answer with `tamper`.
    pub fn tamper(&self, tamper: impl Fn(&mut Value) + Send + Sync + 'static) {
        *self.state.tamper.write().expect("lock") = Some(Arc::new(tamper));
    }
}

fn serve(listener: TcpListener, state: ProxyState) -> Running {
    let router = axum::Router::new().fallback(forward).with_state(state);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    (stop, task)
}

async fn forward(State(state): State<ProxyState>, request: Request) -> Response {
    let target = state.target.read().expect("lock").clone();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/").to_string();
    if path.ends_with("/.well-known/jwks.json") && state.keys_hang.load(std::sync::atomic::Ordering::Relaxed) {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if path.ends_with("/.well-known/jwks.json") && state.keys_down.load(std::sync::atomic::Ordering::Relaxed) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let canned = state.canned.read().expect("lock").clone();
    if path.starts_with("/oauth2/token")
        && let Some((status, content_type, body)) = canned
    {
        state.canned_answers.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = StatusCode::from_u16(status).expect("status");
        response.headers_mut().insert("content-type", content_type.parse().expect("content type"));
        return response;
    }
    let body = to_bytes(body, 1 << 20).await.unwrap_or_default();
    if path.starts_with("/oauth2/token") || path.starts_with("/oauth2/revoke") {
        let authorization = parts.headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
        state.client_requests.write().expect("lock").push((authorization, String::from_utf8_lossy(&body).into_owned()));
    }
    if path.starts_with("/oauth2/revoke") {
        let token = url::form_urlencoded::parse(&body).find(|(name, _)| name == "token").map(|(_, value)| value);
        state.revoked.write().expect("lock").push(token.unwrap_or_default().into_owned());
        let delay_ms = state.revoke_delay_ms.load(std::sync::atomic::Ordering::Relaxed);
        tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
    }
    let mut headers = HeaderMap::new();
    for (name, value) in parts.headers.iter() {
        if name != "host" && name != "content-length" {
            headers.insert(name.clone(), value.clone());
        }
    }
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let Ok(answer) =
        client.request(parts.method.clone(), format!("{target}{path}")).headers(headers).body(body).send().await
    else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let mut bytes = answer.bytes().await.unwrap_or_default().to_vec();
    let delay_ms = state.token_delay_ms.load(std::sync::atomic::Ordering::Relaxed);
    if path.starts_with("/oauth2/token") && delay_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
    }
    let tamper = state.tamper.read().expect("lock").clone();
    if path.starts_with("/oauth2/token")
        && status.is_success()
        && let Some(tamper) = tamper
        && let Ok(mut json) = serde_json::from_slice::<Value>(&bytes)
    {
        tamper(&mut json);
        bytes = serde_json::to_vec(&json).expect("json");
    }
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    for (name, value) in headers.iter() {
        if name != "content-length" && name != "transfer-encoding" {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    response
}
