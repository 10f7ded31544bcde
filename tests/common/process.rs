//! The app's binary as a process of its own: for what is process-wide (signals, exit codes,
//! `SSL_CERT_FILE`), where the in-process stacks of `common` cannot go.

use std::{
    path::Path,
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use super::redis::free_port;

/// `leptos-cognito serve` in `dir` (no `.env` of the developer's), with only `vars` and the
/// embedded provider, on free loopback ports; its log in `dir/app.log` (`RUST_LOG=info` unless
/// `vars` says otherwise), its stderr piped. Returns the process and the app's port.
pub fn serve_process(dir: &Path, vars: &[(&str, &str)]) -> (Child, u16) {
    let (app, idp) = (free_port(), free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_leptos-cognito"))
        .arg("serve")
        .current_dir(dir)
        .env_clear()
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{app}"))
        .env("APP_URL", format!("http://127.0.0.1:{app}"))
        .env("LOCAL_IDP_ADDR", format!("127.0.0.1:{idp}"))
        .env("LOCAL_IDP_KEYS_FILE", dir.join("keys.json"))
        .env("RUST_LOG", "info")
        .envs(vars.iter().copied())
        .stdout(std::fs::File::create(dir.join("app.log")).expect("log file"))
        .stderr(Stdio::piped())
        .spawn()
        .expect("the app's binary runs");
    (child, app)
}

/// Sends SIGTERM with the shell's own `kill` (procps' /bin/kill is not on every fresh Debian).
pub fn terminate(child: &Child) {
    send_signal(child, "TERM");
}

/// Sends the signal `name` (`TERM`, `INT`) with the shell's own `kill`.
pub fn send_signal(child: &Child, name: &str) {
    let script = format!("kill -{name} \"$0\"");
    let sent = Command::new("sh").args(["-c", &script, &child.id().to_string()]).status().expect("sh runs");
    assert!(sent.success());
}

/// The exit status, which must come within `within` (the process is killed otherwise).
pub fn exit_status(child: &mut Child, within: Duration) -> ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("the app did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
