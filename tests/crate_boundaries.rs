//! The workspace's rooms depend downward only: the auth core pulls in neither Leptos nor the
//! app nor the embedded provider, and the provider pulls in neither the app nor the auth core,
//! so each is usable on its own.

mod common;

use std::process::Command;

/// Every package `package` depends on to build (normal dependencies, transitively), by name.
fn dependencies_of(package: &str) -> Vec<String> {
    dependencies_with(package, &[])
}

/// Like [`dependencies_of`], with extra `cargo tree` arguments (feature selection).
fn dependencies_with(package: &str, extra: &[&str]) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--offline", "-p", package, "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .args(extra)
        .current_dir(common::in_package(""))
        .output()
        .expect("cargo tree runs");
    assert!(output.status.success(), "cargo tree: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_embedded_provider_imports_neither_the_app_nor_leptos() {
    let dependencies = dependencies_of("cognito-local-idp");
    assert!(dependencies.iter().any(|name| name == "axum"), "the tree was read: {dependencies:?}");
    for forbidden in ["leptos-cognito", "leptos", "leptos_axum", "axum-cognito"] {
        assert!(!dependencies.iter().any(|name| name == forbidden), "cognito-local-idp depends on {forbidden}");
    }
}

#[test]
fn the_auth_core_imports_neither_leptos_nor_the_app_nor_the_provider() {
    let dependencies = dependencies_of("axum-cognito");
    assert!(dependencies.iter().any(|name| name == "tower-sessions"), "the tree was read: {dependencies:?}");
    for forbidden in
        ["leptos-cognito", "leptos", "leptos_axum", "leptos_router", "cognito-local-idp", "axum-cognito-leptos"]
    {
        assert!(!dependencies.iter().any(|name| name == forbidden), "axum-cognito depends on {forbidden}");
    }
}

#[test]
fn each_session_backend_is_a_cargo_feature_of_the_auth_core() {
    let has = |dependencies: &[String], name: &str| dependencies.iter().any(|d| d == name);
    let memory_only = dependencies_with("axum-cognito", &["--no-default-features"]);
    assert!(has(&memory_only, "tower-sessions"), "the tree was read: {memory_only:?}");
    for backend in ["fred", "tower-sessions-redis-store", "tower-sessions-sqlx-store", "sqlx"] {
        assert!(!has(&memory_only, backend), "without features axum-cognito still pulls in {backend}");
    }
    let sqlite = dependencies_with("axum-cognito", &["--no-default-features", "--features", "sqlite"]);
    assert!(has(&sqlite, "tower-sessions-sqlx-store") && !has(&sqlite, "fred"), "sqlite alone: {sqlite:?}");
    let redis = dependencies_with("axum-cognito", &["--no-default-features", "--features", "redis"]);
    assert!(has(&redis, "fred") && !has(&redis, "sqlx"), "redis alone: {redis:?}");
}

#[test]
fn the_leptos_integration_keeps_the_server_out_of_the_browser_build() {
    let has = |dependencies: &[String], name: &str| dependencies.iter().any(|d| d == name);
    let browser = dependencies_with("axum-cognito-leptos", &["--features", "hydrate"]);
    assert!(has(&browser, "leptos"), "the tree was read: {browser:?}");
    for server_only in ["axum-cognito", "axum", "tokio", "tower-sessions", "leptos_axum", "leptos-cognito"] {
        assert!(!has(&browser, server_only), "the hydrate build of axum-cognito-leptos pulls in {server_only}");
    }
    let server = dependencies_with("axum-cognito-leptos", &["--features", "ssr"]);
    assert!(has(&server, "axum-cognito") && !has(&server, "leptos-cognito"), "ssr: the core, never the app");
    assert!(!has(&server, "cognito-local-idp"), "nor the embedded provider");
}
