//! Several app instances on one Redis behind a round-robin reverse proxy, as deployed: every
//! request goes to the next instance in turn (not sticky), over keep-alive connections, with
//! `X-Forwarded-For` appended as nginx's `$proxy_add_x_forwarded_for` does.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use axum::{
    body::{Body, to_bytes},
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use tokio::{net::TcpListener, sync::oneshot};

use super::{
    IdpSetup, TestApp, TestIdp, proxy::TokenProxy, redis::RedisServer, redis::start_redis, start_app, start_idp,
};

#[derive(Clone)]
struct Balancer {
    backends: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
    /// Requests each backend received, by index.
    served: Arc<Vec<AtomicUsize>>,
    client: reqwest::Client,
}

pub struct Cluster {
    /// The proxy's URL: `APP_URL` of every instance.
    pub base_url: String,
    pub instances: Vec<TestApp>,
    pub idp: TestIdp,
    balancer: Balancer,
    _redis: RedisServer,
    _shutdown: oneshot::Sender<()>,
    _serial: tokio::sync::MutexGuard<'static, ()>,
}

impl Cluster {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// How many requests each instance has served through the proxy.
    pub fn served(&self) -> Vec<usize> {
        self.balancer.served.iter().map(|count| count.load(Ordering::Relaxed)).collect()
    }
}

/// `count` instances sharing one fresh Redis and one embedded provider, behind the proxy.
pub async fn spawn_cluster(count: usize, vars: &[(&str, &str)], setup: IdpSetup) -> Cluster {
    start_cluster(count, vars, setup, None).await
}

/// Like [`spawn_cluster`], with every instance fetching the pool's signing keys through
/// `keys_proxy` (see `spawn_stack_with_keys_through`), which the test can take out of reach.
pub async fn spawn_cluster_with_keys_through(
    count: usize,
    vars: &[(&str, &str)],
    setup: IdpSetup,
    keys_proxy: &TokenProxy,
) -> Cluster {
    start_cluster(count, vars, setup, Some(keys_proxy)).await
}

async fn start_cluster(
    count: usize,
    vars: &[(&str, &str)],
    setup: IdpSetup,
    keys_proxy: Option<&TokenProxy>,
) -> Cluster {
    let serial = super::serial().await;
    let (redis, port) = start_redis().await;
    let proxy_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let base_url = format!("http://{}", proxy_listener.local_addr().expect("addr"));
    let idp = start_idp(&base_url, &setup).await;
    let store = format!("redis://127.0.0.1:{port}");
    let mut all: Vec<(String, String)> = vec![
        ("APP_URL".into(), base_url.clone()),
        ("SESSION_STORE".into(), store),
        ("LOCAL_IDP".into(), "off".into()),
        ("COGNITO_ISSUER".into(), idp.idp.issuer()),
        ("COGNITO_DOMAIN".into(), idp.domain.clone()),
        ("COGNITO_CLIENT_ID".into(), cognito_local_idp::defaults::CLIENT_ID.into()),
        ("COGNITO_CLIENT_SECRET".into(), cognito_local_idp::defaults::CLIENT_SECRET.into()),
    ];
    if let Some(keys_proxy) = keys_proxy {
        keys_proxy.forward_to(&idp.domain);
        let pool = cognito_local_idp::defaults::USER_POOL_ID;
        all.push(("COGNITO_ISSUER".into(), format!("{}/{pool}", keys_proxy.url)));
        all.push(("COGNITO_ISSUERS".into(), idp.idp.issuer()));
    }
    all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let borrowed: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let clock: leptos_cognito::server::clock::SharedClock = Arc::new(leptos_cognito::server::clock::SystemClock);
    let mut instances = Vec::new();
    for _ in 0..count {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        instances.push(start_app(listener, &borrowed, clock.clone()).await);
    }
    let balancer = Balancer {
        backends: Arc::new(instances.iter().map(|app| app.base_url.clone()).collect()),
        next: Arc::default(),
        served: Arc::new((0..count).map(|_| AtomicUsize::new(0)).collect()),
        // Keeps connections to the instances alive, as nginx's upstream `keepalive` does.
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(64)
            .build()
            .expect("client"),
    };
    let router = axum::Router::new().fallback(forward).with_state(balancer.clone());
    let (shutdown, stop) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let _ = axum::serve(proxy_listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.await;
            })
            .await;
    });
    Cluster { base_url, instances, idp, balancer, _redis: redis, _shutdown: shutdown, _serial: serial }
}

async fn forward(
    State(balancer): State<Balancer>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    request: Request,
) -> Response {
    let index = balancer.next.fetch_add(1, Ordering::Relaxed) % balancer.backends.len();
    balancer.served[index].fetch_add(1, Ordering::Relaxed);
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/").to_string();
    let Ok(body) = to_bytes(body, 1 << 20).await else { return StatusCode::PAYLOAD_TOO_LARGE.into_response() };
    let mut headers = HeaderMap::new();
    for (name, value) in parts.headers.iter() {
        if name != "content-length" && name != "connection" && name != "x-forwarded-for" {
            headers.append(name.clone(), value.clone());
        }
    }
    let forwarded = match parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(earlier) => format!("{earlier}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    headers.insert("x-forwarded-for", HeaderValue::from_str(&forwarded).expect("address"));
    let url = format!("{}{path}", balancer.backends[index]);
    let Ok(answer) = balancer.client.request(parts.method.clone(), url).headers(headers).body(body).send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap_or_default();
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    for (name, value) in headers.iter() {
        if name != "content-length" && name != "transfer-encoding" && name != "connection" {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    response
}
