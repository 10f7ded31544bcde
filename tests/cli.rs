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
