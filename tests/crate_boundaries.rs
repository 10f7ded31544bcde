//! The workspace's rooms depend downward only: the embedded provider never pulls in the app
//! (or Leptos), so any Cognito client can use it in its tests.

use std::process::Command;

/// Every package `package` depends on to build (normal dependencies, transitively), by name.
fn dependencies_of(package: &str) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--offline", "-p", package, "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
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
    for forbidden in ["leptos-cognito", "leptos", "leptos_axum", "cognito-auth", "leptos-cognito-auth"] {
        assert!(!dependencies.iter().any(|name| name == forbidden), "cognito-local-idp depends on {forbidden}");
    }
}
