//! Binding the listeners and running the app (and the embedded identity provider) until a
//! shutdown signal.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use axum::serve::ListenerExt;
use leptos::config::LeptosOptions;
use tokio::{net::TcpListener, sync::watch};
use tower_http::timeout::TimeoutBody;

use crate::server::{
    clock::{SharedClock, SystemClock},
    config::AppConfig,
    http, metrics,
    session::store::AppSessionStore,
    state::AppState,
};
use cognito_local_idp::{LocalIdp, LocalIdpOptions};

/// A bound, not yet running server. Tests bind to port 0 and read [`Server::local_addr`].
pub struct Server {
    listener: TcpListener,
    app: http::AppService,
    /// `METRICS_ADDR`, bound: Prometheus metrics on a listener of their own.
    metrics: Option<TcpListener>,
    /// See [`HEADER_READ_TIMEOUT`].
    header_read_timeout: Duration,
}

/// How long a client has to send a request's headers, counted from the moment its connection is
/// ready for a request: a client that trickles a request in byte by byte (slowloris) is cut off
/// after it, and so is a keep-alive connection left idle that long (hyper runs one timer for
/// both). Longer than the 60-second idle timeouts of AWS load balancers and of nginx's upstream
/// keep-alive, so that it is the proxy that closes a pooled connection, never the app while the
/// proxy sends a request on it (Elastic Load Balancing's user guide asks targets for an idle
/// timeout longer than the balancer's, for this reason).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(75);

impl Server {
    pub async fn bind(config: AppConfig) -> anyhow::Result<Server> {
        let listener = TcpListener::bind(config.site_addr)
            .await
            .with_context(|| format!("cannot listen on {} (LEPTOS_SITE_ADDR)", config.site_addr))?;
        Server::from_listener(listener, config).await
    }

    /// Serves on a listener bound by the caller, e.g. on port 0 before `APP_URL` is known.
    pub async fn from_listener(listener: TcpListener, config: AppConfig) -> anyhow::Result<Server> {
        Server::from_listener_with_clock(listener, config, Arc::new(SystemClock)).await
    }

    pub async fn from_listener_with_clock(
        listener: TcpListener,
        config: AppConfig,
        clock: SharedClock,
    ) -> anyhow::Result<Server> {
        let leptos_options = leptos_options(&config)?;
        let metrics = match config.metrics_addr {
            Some(addr) => {
                // Installed before anything records, so no early sample is lost.
                metrics::spawn_upkeep(metrics::recorder());
                let listener =
                    TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr} (METRICS_ADDR)"))?;
                tracing::info!(%addr, "metrics are served at /metrics");
                Some(listener)
            }
            None => None,
        };
        let sessions = AppSessionStore::open(&config.auth.session.store).await?;
        tracing::info!(store = %config.auth.session.store, "sessions are kept in the session store");
        let state = AppState::with_clock(config, leptos_options, sessions.clone(), clock).await?;
        // Expired sessions, their list entries, published refresh results and per-client
        // counters are swept once a minute for as long as the server runs.
        state.auth.spawn_sweeps();
        // Warm the key cache without delaying start-up or failing when the provider is down.
        let verifier = state.verifier.clone();
        tokio::spawn(async move { verifier.jwks().preload().await });
        Ok(Server { listener, app: http::router(state, sessions), metrics, header_read_timeout: HEADER_READ_TIMEOUT })
    }

    /// Replaces [`HEADER_READ_TIMEOUT`] (tests use a short one).
    pub fn with_header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let metrics = self.metrics.map(|listener| tokio::spawn(serve_metrics(listener)));
        serve_app(app_listener(self.listener), self.app, self.header_read_timeout, shutdown).await;
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        Ok(())
    }
}

/// Serves `app` on every connection `listener` accepts until `shutdown`, then stops accepting,
/// closes idle connections and waits for the requests in flight.
///
/// What `axum::serve` does, with hyper's HTTP/1 connection builder in our hands so that
/// [`HEADER_READ_TIMEOUT`] can be set (it needs a timer, which `axum::serve` does not give
/// hyper, so there a stalled client holds its connection for good).
///
/// A request body that stops arriving (a `Content-Length` promised, then nothing) would hold
/// its connection and handler for good; each piece of it must come within `header_read_timeout`
/// of the last (tower-http's `TimeoutBody`), or the read fails and the handler answers.
async fn serve_app<S>(
    mut listener: impl axum::serve::Listener<Io = tokio::net::TcpStream, Addr = SocketAddr>,
    app: S,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) where
    S: tower::Service<
            axum::http::Request<TimeoutBody<hyper::body::Incoming>>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    use axum::extract::ConnectInfo;
    use hyper_util::{rt::TokioIo, rt::TokioTimer, server::graceful::GracefulShutdown};
    use tower::ServiceExt;

    let mut http = hyper::server::conn::http1::Builder::new();
    // `writev(false)`: hyper copies each small answer into one buffer rather than queueing its
    // head and body for a vectored write, which callgrind counts 450 instructions a request
    // cheaper on `/healthz` and the API (a few hundred more on a page, for its copy).
    http.timer(TokioTimer::new()).header_read_timeout(header_read_timeout).writev(false);
    let connections = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // `accept` retries by itself on errors (a connection reset before it was accepted,
        // too many open files), as `axum::serve`'s loop does.
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let app = app.clone();
        // The peer address names the client for per-client limits (see `axum_cognito::client_limit`).
        let service = hyper::service::service_fn(move |mut request: axum::http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request.map(|body| TimeoutBody::new(header_read_timeout, body)))
        });
        let connection = connections.watch(http.serve_connection(TokioIo::new(tcp), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                // A header read timeout, a client that went away mid-request, a malformed request.
                tracing::debug!(%peer, %error, "connection closed with an error");
            }
        });
    }
    drop(listener);
    connections.shutdown().await;
}

/// `GET /metrics` in Prometheus's text format, and nothing else.
async fn serve_metrics(listener: TcpListener) {
    let handle = metrics::recorder();
    let router = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let handle = handle.clone();
            async move {
                ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render())
            }
        }),
    );
    if let Err(error) = axum::serve(listener, router).await {
        tracing::error!(%error, "the metrics listener stopped");
    }
}

/// The listener the app serves on. Every accepted connection has `TCP_NODELAY`: Leptos streams
/// a page in several writes; with Nagle's algorithm on, each write after the first waits for
/// the client's delayed ACK (about 40 ms on Linux) on a keep-alive connection (RFC 896, and
/// RFC 1122 §4.2.3.4 on delayed ACKs). And TCP keep-alive ([`TCP_KEEPALIVE`]): a client that
/// vanishes while its connection is idle (a laptop closed, a phone off the network) sends no
/// FIN, and without probes its socket would stay open for good.
pub fn app_listener(listener: TcpListener) -> axum::serve::TapIo<TcpListener, fn(&mut tokio::net::TcpStream)> {
    listener.tap_io(prepare_connection)
}

/// Probes after a minute of silence, then every 15 s; four unanswered probes close the
/// connection, so a dead peer's socket goes within two minutes (RFC 1122 §4.2.3.6 leaves the
/// interval to the application; Linux's default waits two hours before the first probe).
pub const TCP_KEEPALIVE: (Duration, Duration, u32) = (Duration::from_secs(60), Duration::from_secs(15), 4);

fn prepare_connection(tcp: &mut tokio::net::TcpStream) {
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::warn!(%error, "could not set TCP_NODELAY on a connection");
    }
    let (idle, interval, retries) = TCP_KEEPALIVE;
    let keepalive = socket2::TcpKeepalive::new().with_time(idle).with_interval(interval).with_retries(retries);
    if let Err(error) = socket2::SockRef::from(&*tcp).set_tcp_keepalive(&keepalive) {
        tracing::warn!(%error, "could not turn on TCP keep-alive on a connection");
    }
}

/// Runs the app until Ctrl-C or SIGTERM, with the embedded identity provider beside it when
/// the configuration turns it on.
pub async fn run(config: AppConfig) -> anyhow::Result<()> {
    let shutdown = ShutdownSignal::install();
    let grace = config.shutdown_grace;
    let idp_task = match start_local_idp(&config, shutdown.clone()).await? {
        Some(task) => Some(task),
        None => {
            tracing::info!(issuer = %config.auth.cognito.issuer, "using Amazon Cognito");
            None
        }
    };
    let app_url = config.app_url.clone();
    let server = Server::bind(config).await?;
    tracing::info!(addr = %server.local_addr()?, %app_url, "leptos-cognito is listening");
    let serving = {
        let shutdown = shutdown.clone();
        async move {
            server.run_until(shutdown.wait()).await?;
            if let Some(task) = idp_task {
                task.await.context("embedded identity provider task")??;
            }
            Ok(())
        }
    };
    shutdown.bound_drain(grace, serving).await
}

/// `leptos-cognito local-idp`: the embedded identity provider alone.
pub async fn run_local_idp_only(config: AppConfig) -> anyhow::Result<()> {
    let shutdown = ShutdownSignal::install();
    match start_local_idp(&config, shutdown.clone()).await? {
        Some(task) => {
            let serving = async move { task.await.context("embedded identity provider task")? };
            shutdown.bound_drain(config.shutdown_grace, serving).await
        }
        None => anyhow::bail!("the embedded identity provider is not configured"),
    }
}

async fn start_local_idp(
    config: &AppConfig,
    shutdown: ShutdownSignal,
) -> anyhow::Result<Option<tokio::task::JoinHandle<anyhow::Result<()>>>> {
    let Some(settings) = &config.local_idp else { return Ok(None) };
    let options = LocalIdpOptions::from_settings(
        format!("http://{}", settings.addr),
        settings,
        config.auth.cognito.redirect_uri.as_str(),
        config.auth.cognito.logout_uri.as_str(),
        &config.auth.cognito.identity_providers,
    )?;
    let idp = LocalIdp::new(options)?;
    let listener = TcpListener::bind(settings.addr)
        .await
        .with_context(|| format!("cannot listen on {} (LOCAL_IDP_ADDR)", settings.addr))?;
    tracing::info!(issuer = %idp.issuer(), "embedded identity provider is listening (demo users in README.md)");
    Ok(Some(tokio::spawn(async move {
        cognito_local_idp::serve(idp, listener, shutdown.wait()).await.context("embedded identity provider")
    })))
}

/// Ctrl-C or SIGTERM, observable by several servers.
#[derive(Clone)]
struct ShutdownSignal(watch::Receiver<bool>);

impl ShutdownSignal {
    fn install() -> Self {
        let (sender, receiver) = watch::channel(false);
        tokio::spawn(async move {
            os_shutdown_signal().await;
            let _ = sender.send(true);
        });
        ShutdownSignal(receiver)
    }

    async fn wait(mut self) {
        let _ = self.0.wait_for(|stopped| *stopped).await;
    }

    /// Runs `serving` (servers that stop gracefully on this signal) to its end, or until
    /// `grace` has passed since the signal. Graceful shutdown waits for every open connection,
    /// and one whose client stalled halfway through a request would hold the process until the
    /// orchestrator's SIGKILL; after the grace period such connections are dropped instead.
    async fn bound_drain(
        self,
        grace: Duration,
        serving: impl Future<Output = anyhow::Result<()>>,
    ) -> anyhow::Result<()> {
        let deadline = async move {
            self.wait().await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            served = serving => served,
            () = deadline => {
                tracing::warn!(
                    grace_secs = grace.as_secs(),
                    "requests still unfinished when the shutdown grace period (SHUTDOWN_GRACE_SECS) ended are dropped"
                );
                Ok(())
            }
        }
    }
}

/// Leptos's own settings (site root, asset names), as cargo-leptos passes them in the
/// environment, with the listen address taken from our validated configuration.
fn leptos_options(config: &AppConfig) -> anyhow::Result<LeptosOptions> {
    let mut options = leptos::config::get_configuration(None)
        .context("cannot read the Leptos settings (LEPTOS_* variables)")?
        .leptos_options;
    options.site_addr = config.site_addr;
    if let Some(release) = std::env::current_exe().ok().and_then(|exe| ReleaseLayout::beside(&exe)) {
        release.apply(&mut options, |name| std::env::var_os(name).is_some());
    }
    if options.output_name.is_empty() {
        // Built by plain `cargo` (tests) rather than cargo-leptos.
        options.output_name = env!("CARGO_PKG_NAME").into();
    }
    Ok(options)
}

/// The directory `scripts/dist.sh` makes: the binary with `site/` and `hash.txt` beside it.
/// Started from anywhere, with no `LEPTOS_*` variables, it serves its own site: the site root
/// is found next to the binary (not in the working directory), content-hashed file names are
/// on (Leptos reads `hash.txt` next to the binary), and it runs in production mode (no
/// live-reload script). Any `LEPTOS_*` variable that is set still wins.
struct ReleaseLayout {
    site_root: std::path::PathBuf,
}

impl ReleaseLayout {
    fn beside(exe: &std::path::Path) -> Option<Self> {
        let dir = exe.parent()?;
        let site_root = dir.join("site");
        (site_root.join("pkg").is_dir() && dir.join("hash.txt").is_file()).then_some(ReleaseLayout { site_root })
    }

    fn apply(&self, options: &mut LeptosOptions, is_set: impl Fn(&str) -> bool) {
        if !is_set("LEPTOS_SITE_ROOT") {
            options.site_root = self.site_root.to_string_lossy().into_owned().into();
        }
        if !is_set("LEPTOS_HASH_FILES") {
            options.hash_files = true;
        }
        if !is_set("LEPTOS_ENV") {
            options.env = leptos::config::Env::PROD;
        }
    }
}

async fn os_shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use axum::serve::Listener;

    use super::*;

    #[test]
    fn a_release_directory_serves_its_own_site_unless_told_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("leptos-cognito");
        assert!(ReleaseLayout::beside(&exe).is_none(), "not a release directory yet");
        std::fs::create_dir_all(dir.path().join("site/pkg")).unwrap();
        std::fs::write(dir.path().join("hash.txt"), "css: abc\n").unwrap();
        let layout = ReleaseLayout::beside(&exe).expect("a release directory");

        let mut options = LeptosOptions::builder().output_name("leptos-cognito").build();
        layout.apply(&mut options, |_| false);
        assert_eq!(options.site_root.as_ref(), dir.path().join("site").to_string_lossy());
        assert!(options.hash_files);
        assert_eq!(options.env, leptos::config::Env::PROD);

        let mut options = LeptosOptions::builder().output_name("leptos-cognito").build();
        let from_the_environment = options.site_root.clone();
        layout.apply(&mut options, |name| name == "LEPTOS_SITE_ROOT");
        assert_eq!(options.site_root, from_the_environment, "a variable that is set wins");
        assert!(options.hash_files && options.env == leptos::config::Env::PROD, "the others still apply");

        let mut options = LeptosOptions::builder().output_name("leptos-cognito").build();
        let (hash_files, env) = (options.hash_files, options.env.clone());
        layout.apply(&mut options, |name| matches!(name, "LEPTOS_HASH_FILES" | "LEPTOS_ENV"));
        assert_eq!((options.hash_files, options.env), (hash_files, env), "LEPTOS_HASH_FILES and LEPTOS_ENV win too");
        assert_eq!(options.site_root.as_ref(), dir.path().join("site").to_string_lossy());
    }

    /// A connection accepted by [`app_listener`] (and its client, kept open).
    async fn accepted_connection() -> (tokio::net::TcpStream, tokio::net::TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut listener = app_listener(listener);
        let client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (accepted, _) = listener.accept().await;
        (accepted, client)
    }

    #[tokio::test]
    async fn accepted_connections_have_tcp_nodelay() {
        let (accepted, _client) = accepted_connection().await;
        assert!(accepted.nodelay().unwrap(), "TCP_NODELAY is set on the accepted socket");
    }

    /// A small router served by [`serve_app`] with `header_read_timeout`, and its address.
    async fn serve_test_router(header_read_timeout: Duration) -> SocketAddr {
        use axum::extract::ConnectInfo;
        let router = axum::Router::new()
            .route(
                "/peer",
                axum::routing::get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
            )
            .route("/echo", axum::routing::post(|body: String| async move { body }));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve_app(app_listener(listener), router, header_read_timeout, std::future::pending()));
        addr
    }

    /// Reads until the server closes the connection (or `limit` passes) and returns what came.
    async fn read_until_closed(client: &mut tokio::net::TcpStream, limit: Duration) -> Result<String, &'static str> {
        use tokio::io::AsyncReadExt;
        let mut received = Vec::new();
        match tokio::time::timeout(limit, client.read_to_end(&mut received)).await {
            Ok(Ok(_)) => Ok(String::from_utf8_lossy(&received).into_owned()),
            // A reset is a close too.
            Ok(Err(_)) => Ok(String::from_utf8_lossy(&received).into_owned()),
            Err(_) => Err("the server kept the connection open"),
        }
    }

    #[tokio::test]
    async fn a_client_that_stalls_halfway_through_its_headers_is_cut_off() {
        use tokio::io::AsyncWriteExt;
        let addr = serve_test_router(Duration::from_secs(1)).await;
        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let started = std::time::Instant::now();
        client.write_all(b"GET /peer HTTP/1.1\r\nHost: localhost\r\nX-Slow: ").await.unwrap();
        let answer = read_until_closed(&mut client, Duration::from_secs(10)).await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(900), "not before the timeout: {:?}", started.elapsed());
        assert!(!answer.contains("200 OK"), "the stalled request was not served: {answer}");
    }

    #[tokio::test]
    async fn an_idle_keep_alive_connection_is_closed_after_the_timeout() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = serve_test_router(Duration::from_secs(1)).await;
        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        client.write_all(b"GET /peer HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
        let mut first = [0u8; 1024];
        let read = client.read(&mut first).await.unwrap();
        assert!(String::from_utf8_lossy(&first[..read]).starts_with("HTTP/1.1 200 OK"));
        // Kept alive after the answer, then closed once idle for the timeout.
        let rest = read_until_closed(&mut client, Duration::from_secs(10)).await.unwrap();
        assert!(!rest.contains("HTTP/1.1"), "no second answer: {rest}");
    }

    #[tokio::test]
    async fn a_request_whose_headers_arrive_slowly_but_in_time_is_served() {
        use tokio::io::AsyncWriteExt;
        let addr = serve_test_router(Duration::from_secs(5)).await;
        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        client.set_nodelay(true).unwrap();
        for byte in b"GET /peer HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" {
            client.write_all(&[*byte]).await.unwrap();
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let answer = read_until_closed(&mut client, Duration::from_secs(10)).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        // And the handler saw the client's address (per-client limits depend on it).
        let own_addr = client.local_addr().unwrap().to_string();
        assert!(answer.ends_with(&own_addr), "peer address {own_addr} in {answer}");
    }

    /// A body promised by `Content-Length` that stops arriving: the handler's read fails once
    /// nothing has come for the timeout, and the request is answered (an error) and its
    /// connection closed, rather than held for as long as the client likes. A body that keeps
    /// coming is read whole.
    #[tokio::test]
    async fn a_request_body_that_stops_arriving_is_cut_off() {
        use tokio::io::AsyncWriteExt;
        let addr = serve_test_router(Duration::from_secs(1)).await;
        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let started = std::time::Instant::now();
        client.write_all(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nabc").await.unwrap();
        let answer = read_until_closed(&mut client, Duration::from_secs(10)).await.unwrap();
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(5), "cut off after {took:?}");
        assert!(!answer.contains("200 OK"), "{answer}");

        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        client.set_nodelay(true).unwrap();
        client
            .write_all(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 6\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        for piece in [&b"ab"[..], b"cd", b"ef"] {
            tokio::time::sleep(Duration::from_millis(600)).await;
            client.write_all(piece).await.unwrap();
        }
        let answer = read_until_closed(&mut client, Duration::from_secs(10)).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK") && answer.ends_with("abcdef"), "{answer}");
    }

    #[tokio::test]
    async fn a_keep_alive_connection_in_use_outlives_the_timeout() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = serve_test_router(Duration::from_secs(1)).await;
        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        // A request every 0.4 s for 2.4 s: each one's timer starts afresh, so none is cut off
        // by an earlier request's.
        for request in 0..7 {
            client.write_all(b"GET /peer HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
            let mut answer = [0u8; 1024];
            let read = client.read(&mut answer).await.unwrap();
            assert!(String::from_utf8_lossy(&answer[..read]).starts_with("HTTP/1.1 200 OK"), "request {request}");
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
    }

    #[test]
    fn the_header_read_timeout_outlasts_the_idle_timeout_of_proxies() {
        // 60 s: the default idle timeout of AWS's Application Load Balancer and nginx's
        // upstream `keepalive_timeout`; see `HEADER_READ_TIMEOUT`.
        assert!(HEADER_READ_TIMEOUT > Duration::from_secs(60));
        assert_eq!(HEADER_READ_TIMEOUT, Duration::from_secs(75), "as the README says");
    }

    #[test]
    fn a_vanished_idle_client_is_noticed_within_two_minutes() {
        let (idle, interval, retries) = TCP_KEEPALIVE;
        assert!(idle + interval * retries <= Duration::from_secs(120), "{idle:?} + {retries} × {interval:?}");
    }

    #[tokio::test]
    async fn accepted_connections_have_tcp_keepalive() {
        let (accepted, _client) = accepted_connection().await;
        let socket = socket2::SockRef::from(&accepted);
        assert!(socket.keepalive().unwrap(), "SO_KEEPALIVE");
        let (idle, interval, retries) = TCP_KEEPALIVE;
        assert_eq!(socket.tcp_keepalive_time().unwrap(), idle);
        assert_eq!(socket.tcp_keepalive_interval().unwrap(), interval);
        assert_eq!(socket.tcp_keepalive_retries().unwrap(), retries);
    }
}
