//! Test helpers: the real app on a real socket, on port 0.

#![allow(dead_code)] // each test crate uses a different subset

use std::{collections::HashMap, net::SocketAddr};

use leptos_cognito::server::{config::AppConfig, serve::Server};
use tokio::{
    net::TcpListener,
    sync::{Mutex, MutexGuard, oneshot},
};

/// Tests in one binary run one at a time. Each `#[tokio::test]` has its own runtime, and with
/// several runtimes rendering Leptos pages at once in one process a response occasionally never
/// completes (seen only in this harness: a single server under 400 concurrent requests is fine,
/// and the app itself runs one runtime).
static ONE_APP_AT_A_TIME: Mutex<()> = Mutex::const_new(());

pub async fn serial() -> MutexGuard<'static, ()> {
    ONE_APP_AT_A_TIME.lock().await
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    _serial: MutexGuard<'static, ()>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// A client that keeps cookies and does not follow redirects, so tests see each hop.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client builds")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Starts the app with the given variables on top of test defaults.
pub async fn spawn_app(vars: &[(&str, &str)]) -> TestApp {
    let serial = serial().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let addr = listener.local_addr().expect("local addr");
    let base_url = format!("http://{addr}");

    let mut env: HashMap<String, String> =
        HashMap::from([("LEPTOS_SITE_ADDR".to_string(), addr.to_string()), ("APP_URL".to_string(), base_url.clone())]);
    env.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = AppConfig::from_lookup(|name| env.get(name).cloned()).expect("test configuration is valid");

    let server = Server::from_listener(listener, config).await.expect("server builds");
    let (shutdown, shutdown_rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = server
            .run_until(async move {
                let _ = shutdown_rx.await;
            })
            .await;
    });
    TestApp { addr, base_url, shutdown: Some(shutdown), _serial: serial }
}
