//! The app's frame over a real socket: home page, health check, 404, response headers.

mod common;

use common::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_page_is_server_rendered_with_the_frame() {
    let app = spawn_app(&[]).await;
    let response = app.client().get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("<header class=\"top-bar\""), "top bar missing: {html}");
    assert!(html.contains("data-testid=\"theme-toggle\""), "theme toggle missing");
    assert!(html.contains("<footer class=\"footer\""), "footer missing");
    assert!(html.contains("data-theme=\"light\""), "server renders the default theme");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_check_answers_ok() {
    let app = spawn_app(&[]).await;
    let response = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "status": "ok" }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_get_the_404_page() {
    let app = spawn_app(&[]).await;
    let response = app.client().get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_cannot_be_framed_sniffed_or_cached() {
    let app = spawn_app(&[]).await;
    for path in ["/", "/healthz", "/no-such-page", "/dashboard", "/auth/login", "/api/v1/me"] {
        let response = app.client().get(app.url(path)).send().await.unwrap();
        let header =
            |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert!(header("content-security-policy").contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("cache-control"), "no-store", "{path}: every page shows who is signed in");
        assert_eq!(header("referrer-policy"), "strict-origin-when-cross-origin", "{path}");
        assert_eq!(header("strict-transport-security"), "", "{path}: not over plain http");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_app_url_adds_strict_transport_security() {
    let app = spawn_app(&[("APP_URL", "https://app.example.com")]).await;
    let response = app.client().get(app.url("/")).send().await.unwrap();
    assert_eq!(response.headers().get("strict-transport-security").unwrap(), "max-age=31536000");
}
