//! The binary's start-up contract: bad configuration exits 2 with one line naming the variable.

mod common;

use std::process::Command;

#[cfg(unix)]
use common::process::{exit_status, send_signal, serve_process, terminate};

fn run_with(vars: &[(&str, &str)]) -> std::process::Output {
    // An empty working directory, so no developer's .env file leaks in.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(env!("CARGO_BIN_EXE_leptos-cognito"));
    command.arg("serve").current_dir(dir.path()).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (key, value) in vars {
        command.env(key, value);
    }
    command.output().expect("binary runs")
}

#[test]
fn malformed_app_url_exits_2_naming_the_variable() {
    let output = run_with(&[("APP_URL", "not-a-url")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("APP_URL"), "{stderr}");
}

#[test]
fn missing_cognito_values_exit_2_without_printing_secrets() {
    let output = run_with(&[
        ("LOCAL_IDP", "off"),
        ("COGNITO_CLIENT_ID", "abc123"),
        ("COGNITO_CLIENT_SECRET", "top-secret-value"),
        ("COGNITO_REGION", "us-east-1"),
        ("COGNITO_USER_POOL_ID", "us-east-1_Pool1"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("COGNITO_DOMAIN"), "{stderr}");
    assert!(!stderr.contains("top-secret-value"));
}

/// Starts `serve` in `dir` with only `vars` in its environment (no PATH either: start-up stops
/// before it would need one) and waits for it to exit; for start-up errors.
fn serve_in_dir(dir: &std::path::Path, vars: &[(&str, &std::ffi::OsStr)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_leptos-cognito"));
    command.arg("serve").current_dir(dir).env_clear();
    for (key, value) in vars {
        command.env(key, value);
    }
    command.output().expect("binary runs")
}

#[test]
fn env_file_is_read_and_the_environment_wins() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(".env"), "APP_URL=also-not-a-url\nSESSION_STORE=bogus\n").unwrap();
    let output = serve_in_dir(dir.path(), &[("APP_URL", "http://localhost:3999".as_ref())]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // APP_URL from the environment is valid, so the first problem is SESSION_STORE from .env.
    assert!(stderr.contains("SESSION_STORE"), "{stderr}");
}

/// A `.env` that does not parse stops start-up with one line naming the entry, and prints none
/// of the file: after an unclosed quote the parser's error holds the rest of the file, secrets
/// included.
#[test]
fn a_malformed_env_file_is_named_without_printing_its_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join(".env"),
        "COGNITO_SCOPES=\"openid email\nCOGNITO_CLIENT_SECRET=top-secret-value\nSESSION_STORE=redis://:hunter2@cache:6379\n",
    )
    .unwrap();
    let output = serve_in_dir(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(".env") && stderr.contains("COGNITO_SCOPES"), "{stderr}");
    for secret in ["top-secret-value", "hunter2", "openid email"] {
        assert!(!stderr.contains(secret), "{stderr}");
    }
}

/// Only the working directory's `.env` is read, not one in a parent directory.
#[test]
fn an_env_file_in_a_parent_directory_is_not_read() {
    let parent = tempfile::tempdir().expect("temp dir");
    std::fs::write(parent.path().join(".env"), "LEPTOS_SITE_ADDR=not-an-address\n").unwrap();
    let dir = parent.path().join("app");
    std::fs::create_dir(&dir).unwrap();
    let output = serve_in_dir(&dir, &[("APP_URL", "not-a-url".as_ref())]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // LEPTOS_SITE_ADDR is checked before APP_URL: read from the parent, it would be named.
    assert!(stderr.contains("APP_URL") && !stderr.contains("LEPTOS_SITE_ADDR"), "{stderr}");
}

/// A value that is not UTF-8 is refused by name rather than read as unset (for
/// `SESSION_STORE`, that would quietly mean one instance's memory).
#[cfg(unix)]
#[test]
fn a_value_that_is_not_utf8_is_named() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let output = serve_in_dir(dir.path(), &[("SESSION_STORE", std::ffi::OsStr::from_bytes(b"redis://cache\xff:6379"))]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("SESSION_STORE") && stderr.contains("UTF-8"), "{stderr}");
}

/// The app started with `serve` in `dir` (its log in `dir/app.log`), and a connection to it
/// once it listens.
#[cfg(unix)]
fn serve_in(dir: &std::path::Path, vars: &[(&str, &str)]) -> (std::process::Child, std::net::TcpStream, u16) {
    use std::{net::TcpStream, time::Duration, time::Instant};

    let (child, port) = serve_process(dir, vars);
    let started = Instant::now();
    let connection = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(connection) => break connection,
            Err(_) if started.elapsed() < Duration::from_secs(20) => std::thread::sleep(Duration::from_millis(50)),
            Err(error) => panic!("the app did not start: {error}"),
        }
    };
    (child, connection, port)
}

/// SIGTERM (what a balancer's orchestrator sends), and SIGINT (Ctrl-C in a terminal): the app
/// lets a request in flight finish and exits with status 0.
#[cfg(unix)]
#[test]
fn sigterm_and_sigint_let_requests_finish_and_exit_0() {
    for signal in ["TERM", "INT"] {
        a_signal_lets_requests_finish_and_exits_0(signal);
    }
}

#[cfg(unix)]
fn a_signal_lets_requests_finish_and_exits_0(signal: &str) {
    use std::{io::Read, io::Write, time::Duration};

    let dir = tempfile::tempdir().expect("temp dir");
    let (mut child, mut connection, _) = serve_in(dir.path(), &[]);
    // A request whose body is still on its way when the signal arrives.
    let body = "everywhere=false";
    write!(
        connection,
        "POST /auth/logout HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    send_signal(&child, signal);
    std::thread::sleep(Duration::from_millis(200));
    connection.write_all(body.as_bytes()).unwrap();
    let mut answer = String::new();
    connection.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = connection.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 303"), "SIG{signal}: the request in flight is answered: {answer}");
    assert_eq!(exit_status(&mut child, Duration::from_secs(15)).code(), Some(0), "SIG{signal}");
}

/// Behind a balancer the app always has idle connections: a reverse proxy keeps its upstream
/// connections alive between requests (nginx's `keepalive`, the README's example), and some
/// balancers open connections before they have a request to send. Neither holds up shutdown:
/// the app closes them and exits at once, rather than waiting for the orchestrator's SIGKILL.
#[cfg(unix)]
#[test]
fn sigterm_closes_idle_keep_alive_connections_and_exits_promptly() {
    use std::{io::Read, io::Write, net::TcpStream, time::Duration, time::Instant};

    let dir = tempfile::tempdir().expect("temp dir");
    let (mut child, mut kept_alive, port) = serve_in(dir.path(), &[]);
    // One request answered on a keep-alive connection, which then stays open and idle.
    write!(kept_alive, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    kept_alive.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buffer = [0u8; 4096];
    let read = kept_alive.read(&mut buffer).unwrap();
    let answer = String::from_utf8_lossy(&buffer[..read]).to_string();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // And one opened but never used.
    let mut never_used = TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let signalled = Instant::now();
    terminate(&child);
    // The app closes both itself (end of stream, or a reset), while it is still shutting down:
    // a read that times out means the connection was left open.
    for (name, connection) in [("keep-alive", &mut kept_alive), ("unused", &mut never_used)] {
        connection.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        match connection.read(&mut buffer) {
            Ok(0) => {}
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {}
            other => panic!("the {name} connection is still open: {other:?}"),
        }
    }
    assert_eq!(exit_status(&mut child, Duration::from_secs(5)).code(), Some(0));
    assert!(signalled.elapsed() < Duration::from_secs(5), "took {:?}", signalled.elapsed());
}

/// A client that stops halfway through a request (a stalled upload, a slow or dead peer) gets
/// `SHUTDOWN_GRACE_SECS` to finish after SIGTERM; then the app exits anyway, with status 0 and a
/// warning, instead of hanging until the orchestrator's SIGKILL.
#[cfg(unix)]
#[test]
fn sigterm_waits_for_a_stalled_request_only_the_grace_period() {
    use std::{io::Write, time::Duration, time::Instant};

    let dir = tempfile::tempdir().expect("temp dir");
    let (mut child, mut stalled, port) = serve_in(dir.path(), &[("SHUTDOWN_GRACE_SECS", "2")]);
    // The request's head, cut off before its end.
    write!(stalled, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let signalled = Instant::now();
    terminate(&child);
    // Meanwhile the app takes no new connection (a balancer sends it elsewhere): refused, or
    // closed unanswered, never a request served nor one left hanging.
    std::thread::sleep(Duration::from_millis(300));
    if let Ok(mut late) = std::net::TcpStream::connect(("127.0.0.1", port)) {
        use std::io::Read;
        let _ = write!(late, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        late.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
        let mut buffer = [0u8; 256];
        match late.read(&mut buffer) {
            Ok(0) => {}
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {}
            other => panic!("a connection made after SIGTERM was served or left hanging: {other:?}"),
        }
    }
    let status = exit_status(&mut child, Duration::from_secs(10));
    let waited = signalled.elapsed();
    assert_eq!(status.code(), Some(0));
    assert!(waited >= Duration::from_millis(1900), "left before the grace period: {waited:?}");
    assert!(waited < Duration::from_secs(6), "waited {waited:?}");
    let log = std::fs::read_to_string(dir.path().join("app.log")).unwrap();
    assert!(log.contains("WARN") && log.contains("SHUTDOWN_GRACE_SECS"), "the log says why: {log}");
}

/// `leptos-cognito local-idp` runs the embedded provider alone, and `leptos-cognito token` signs
/// in against it: without `--access-token` it prints every token as JSON, with it only the
/// access token, and `--client-credentials` prints a machine token for the requested scope.
#[cfg(unix)]
#[test]
fn local_idp_alone_and_the_token_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = common::redis::free_port();
    let addr = format!("127.0.0.1:{port}");
    let vars = [("LOCAL_IDP", "on"), ("LOCAL_IDP_ADDR", addr.as_str()), ("APP_URL", "http://127.0.0.1:3999")];
    let keys = dir.path().join("keys.json");
    let mut idp = Command::new(env!("CARGO_BIN_EXE_leptos-cognito"))
        .arg("local-idp")
        .current_dir(dir.path())
        .env_clear()
        .envs(vars)
        .env("LOCAL_IDP_KEYS_FILE", &keys)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("binary runs");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "the provider did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let token = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_leptos-cognito"))
            .arg("token")
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .envs(vars)
            .env("LOCAL_IDP_KEYS_FILE", &keys)
            .output()
            .expect("binary runs");
        assert!(output.status.success(), "token {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).expect("utf-8")
    };
    let password = ["--username", "user@example.com", "--password", "User-Passw0rd!"];
    let all: serde_json::Value = serde_json::from_str(&token(&password)).expect("JSON");
    for name in ["access_token", "id_token", "refresh_token"] {
        assert!(all[name].as_str().is_some_and(|t| !t.is_empty()), "{name} in {all}");
    }
    assert_eq!(all["token_type"], "Bearer");
    let only = token(&[&password[..], &["--access-token"]].concat());
    assert_eq!(only.trim().split('.').count(), 3, "one JWT: {only}");
    assert!(!only.contains('{'));
    let machine: serde_json::Value =
        serde_json::from_str(&token(&["--client-credentials", "--scope", "api/read"])).expect("JSON");
    let access = machine["access_token"].as_str().expect("a machine token");
    let payload = access.split('.').nth(1).expect("a JWT");
    use base64::Engine;
    let claims: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert!(claims["scope"].as_str().is_some_and(|s| s.split(' ').any(|s| s.ends_with("api/read"))), "{claims}");

    // Another client's id and secret (from stdin) replace the app client's: a wrong secret
    // is refused though COGNITO_CLIENT_SECRET would have worked.
    let as_client = |secret: &str| {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_leptos-cognito"))
            .args(["token", "--client-credentials", "--scope", "api/read", "--access-token"])
            .args(["--client-id", cognito_local_idp::defaults::CLIENT_ID, "--client-secret", "-"])
            .current_dir(dir.path())
            .env_clear()
            .envs(vars)
            .env("LOCAL_IDP_KEYS_FILE", &keys)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("binary runs");
        child.stdin.take().expect("stdin").write_all(format!("{secret}\n").as_bytes()).expect("write");
        child.wait_with_output().expect("exits")
    };
    let good = as_client(cognito_local_idp::defaults::CLIENT_SECRET);
    assert!(good.status.success(), "{}", String::from_utf8_lossy(&good.stderr));
    assert_eq!(String::from_utf8_lossy(&good.stdout).trim().split('.').count(), 3, "one JWT");
    let wrong = as_client("not-the-secret");
    assert!(!wrong.status.success(), "a wrong secret is refused");
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("client_credentials"), "says what failed");
    let _ = idp.kill();
    let _ = idp.wait();
}
