//! The binary's start-up contract: bad configuration exits 2 with one line naming the variable.

use std::process::Command;

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

#[test]
fn env_file_is_read_and_the_environment_wins() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(".env"), "APP_URL=also-not-a-url\nSESSION_STORE=bogus\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_leptos-cognito"))
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("APP_URL", "http://localhost:3999")
        .output()
        .expect("binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // APP_URL from the environment is valid, so the first problem is SESSION_STORE from .env.
    assert!(stderr.contains("SESSION_STORE"), "{stderr}");
}

/// SIGTERM (what a balancer's orchestrator sends): the app lets a request in flight finish and
/// exits with status 0.
#[cfg(unix)]
#[test]
fn sigterm_lets_requests_finish_and_exits_0() {
    use std::{io::Read, io::Write, net::TcpStream, time::Duration, time::Instant};

    let dir = tempfile::tempdir().expect("temp dir");
    let free = |_| std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (app, idp) = (free(0), free(1));
    let mut child = Command::new(env!("CARGO_BIN_EXE_leptos-cognito"))
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{app}"))
        .env("APP_URL", format!("http://127.0.0.1:{app}"))
        .env("LOCAL_IDP_ADDR", format!("127.0.0.1:{idp}"))
        .env("LOCAL_IDP_KEYS_FILE", dir.path().join("keys.json"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("binary runs");
    let started = Instant::now();
    let mut connection = loop {
        match TcpStream::connect(("127.0.0.1", app)) {
            Ok(connection) => break connection,
            Err(_) if started.elapsed() < Duration::from_secs(20) => std::thread::sleep(Duration::from_millis(50)),
            Err(error) => panic!("the app did not start: {error}"),
        }
    };
    // A request whose body is still on its way when the signal arrives.
    let body = "everywhere=false";
    write!(
        connection,
        "POST /auth/logout HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // The shell's own `kill`: procps' /bin/kill is not on every fresh Debian.
    let terminated =
        Command::new("sh").args(["-c", "kill -TERM \"$0\"", &child.id().to_string()]).status().expect("sh runs");
    assert!(terminated.success());
    std::thread::sleep(Duration::from_millis(200));
    connection.write_all(body.as_bytes()).unwrap();
    let mut answer = String::new();
    connection.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = connection.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 303"), "the request in flight is answered: {answer}");

    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the app did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
}
