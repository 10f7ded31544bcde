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
    assert!(html.contains(r#"<a href="/" aria-current="page">Home</a>"#), "the open page is marked: {html}");
    assert!(!html.contains(r#"href="/admin""#), "no admin link for a visitor");
    // Islands: the theme switch is the only part of the page that hydrates, and the page carries
    // no data for hydrating the rest.
    assert_eq!(html.matches("<leptos-island ").count(), 1, "{html}");
    assert!(html.contains(r#"<leptos-island data-component="ThemeToggle_"#), "{html}");
    assert!(html.contains("__RESOLVED_RESOURCES=[];"), "{html}");
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

/// Body chunks of a raw HTTP/1.1 response (chunked transfer coding, RFC 9112 §7.1), or the
/// whole body as one when it has a length.
fn body_chunks(raw: &[u8]) -> Vec<Vec<u8>> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block") + 4;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut body = &raw[split..];
    if !head.contains("transfer-encoding: chunked") {
        return vec![body.to_vec()];
    }
    let mut chunks = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n").expect("a chunk size line");
        let size = usize::from_str_radix(std::str::from_utf8(&body[..line_end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return chunks;
        }
        chunks.push(body[line_end + 2..line_end + 2 + size].to_vec());
        body = &body[line_end + 2 + size + 2..];
    }
}

/// Pages render whole (`SsrMode::Async`, see docs/design.md): one body chunk with the content in
/// place, not a shell followed by out-of-order fragments and their swap scripts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_go_out_whole_in_one_chunk() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(&[]).await;
    let url = reqwest::Url::parse(&app.url("/")).unwrap();
    let address = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    for path in ["/", "/auth/session-expired"] {
        let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        socket.read_to_end(&mut raw).await.unwrap();
        let chunks = body_chunks(&raw);
        assert_eq!(chunks.len(), 1, "{path}: {} chunks", chunks.len());
        let html = String::from_utf8_lossy(&chunks[0]);
        assert!(!html.contains("<template id="), "{path}: no out-of-order fragments");
        assert!(html.contains("</main>"), "{path}: the whole page");
    }
    let home = app.client().get(app.url("/")).send().await.unwrap().text().await.unwrap();
    let state = home.find("data-testid=\"sign-in-state\"").expect("the sign-in state is rendered");
    assert!(state < home.find("</main>").unwrap(), "in place, inside <main>");
}

/// A method a path does not answer gets 405 with the `Allow` header (RFC 9110 §15.5.6) and a
/// body that says so: JSON under `/api/v1`, like every API error, a short HTML page elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_method_a_path_does_not_answer_gets_405_with_allow_and_an_explanation() {
    let app = spawn_app(&[]).await;
    let client = app.client();
    let cases = [
        (reqwest::Method::POST, "/api/v1/me", "GET,HEAD", true),
        (reqwest::Method::DELETE, "/api/v1/ping", "GET,HEAD", true),
        (reqwest::Method::DELETE, "/auth/sessions/end", "POST", false),
        (reqwest::Method::PUT, "/auth/logout", "GET,HEAD,POST", false),
        (reqwest::Method::POST, "/auth/callback", "GET,HEAD", false),
        (reqwest::Method::DELETE, "/", "GET,HEAD", false),
        (reqwest::Method::POST, "/healthz", "GET,HEAD", false),
    ];
    for (method, path, allowed, api) in cases {
        let response = client.request(method.clone(), app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 405, "{method} {path}");
        let mut allow: Vec<&str> = response.headers()["allow"].to_str().unwrap().split(',').collect();
        allow.sort_unstable();
        assert_eq!(allow.join(","), allowed, "{method} {path}");
        let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
        let body = response.text().await.unwrap();
        if api {
            assert!(content_type.starts_with("application/json"), "{method} {path}: {content_type}");
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(json["error"], "method_not_allowed", "{method} {path}");
            assert!(json["error_description"].as_str().unwrap().contains(method.as_str()), "{body}");
        } else {
            assert!(content_type.starts_with("text/html"), "{method} {path}: {content_type}");
            assert!(body.contains("Method not allowed") && body.contains(method.as_str()), "{method} {path}: {body}");
        }
    }
}

/// Server functions answer under `/fn/`, so `/api/` is the JSON API alone (its RFC 6750 rules),
/// and a request a server function cannot read is the client's mistake: 400 for arguments that
/// do not parse, 413 for a body over the limit, never a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_functions_answer_under_fn_and_refuse_bad_requests_with_4xx() {
    use leptos::server_fn::ServerFn;
    use leptos_cognito::components::your_sessions::ListMySessions;

    let app = spawn_app(&[]).await;
    let path = ListMySessions::PATH;
    assert!(path.starts_with(axum_cognito_leptos::SERVER_FN_PREFIX), "{path}");
    let client = reqwest::Client::new();
    let post = |body: Vec<u8>| {
        client.post(app.url(path)).header("content-type", "application/x-www-form-urlencoded").body(body).send()
    };
    assert_eq!(post(b"a=1&a=2".to_vec()).await.unwrap().status(), 400, "a key twice");
    assert_eq!(post(b"\xff".to_vec()).await.unwrap().status(), 400, "not UTF-8");
    // One byte over the 2 MiB body limit (axum's default), sent whole on a raw connection: the
    // server has read all of it when it refuses, so its close cannot be a reset that overtakes
    // the answer.
    let over_the_limit = {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let body = vec![b'a'; (2 << 20) + 1];
        let mut stream = tokio::net::TcpStream::connect(app.base_url.trim_start_matches("http://")).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&body).await.unwrap();
        let mut answer = vec![0u8; 64];
        let read = stream.read(&mut answer).await.unwrap();
        String::from_utf8_lossy(&answer[..read]).into_owned()
    };
    assert!(over_the_limit.starts_with("HTTP/1.1 413"), "over the body limit: {over_the_limit}");
    assert_eq!(post(Vec::new()).await.unwrap().status(), 200, "the call itself works: nobody's sessions");

    // Nothing of Leptos's under /api/: that is the JSON API's, which answers its own 404.
    let old = client.post(app.url(&path.replacen("/fn/", "/api/", 1))).send().await.unwrap();
    assert_eq!(old.status(), 404);
    assert_eq!(old.json::<serde_json::Value>().await.unwrap()["error"], "not_found");
}

/// A request whose target is a host and port, not a path (the authority form, as sent to a
/// proxy, with `CONNECT` or any other method): a 400 page that says so, never a panic and 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_target_without_a_path_gets_400() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(&[]).await;
    let host = app.base_url.trim_start_matches("http://").to_string();
    for request_line in [format!("GET {host} HTTP/1.1"), format!("CONNECT {host} HTTP/1.1"), "HEAD x:1 HTTP/1.1".into()]
    {
        let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
        stream
            .write_all(format!("{request_line}\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 400"), "{request_line}: {answer}");
        if !request_line.starts_with("HEAD") {
            assert!(answer.contains("names no path"), "{request_line}: {answer}");
        }
    }
}

/// A sign-out form over the body limit (2 MiB) is refused as too large (413), not as a form
/// with a wrong field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_out_form_over_the_body_limit_gets_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(&[]).await;
    let host = app.base_url.trim_start_matches("http://").to_string();
    for path in ["/auth/logout", "/auth/sessions/end"] {
        let body = vec![b'a'; (2 << 20) + 1];
        let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&body).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(answer.contains("too large"), "{path}: {answer}");
    }
}
