//! The app's frame over a real socket: home page, health check, 404.

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
