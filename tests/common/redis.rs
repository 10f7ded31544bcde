//! A throwaway `redis-server` (Debian's, installed by scripts/test.sh) on a free loopback port,
//! keeping nothing on disk; killed when dropped.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

pub struct RedisServer(Child);

impl RedisServer {
    /// Stops the server without closing its connections (SIGSTOP): a hung Redis, or a network
    /// that drops packets, as opposed to one that refuses connections.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused server go on (SIGCONT), with everything it held.
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        // The shell's own `kill`: procps' /bin/kill is not on every fresh Debian.
        let status = Command::new("sh")
            .args(["-c", "kill \"$0\" \"$1\"", signal, &self.0.id().to_string()])
            .status()
            .expect("sh runs");
        assert!(status.success(), "kill {signal} redis-server");
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub async fn start_redis() -> (RedisServer, u16) {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    (start_redis_on(port).await, port)
}

pub async fn start_redis_on(port: u16) -> RedisServer {
    start_redis_with(port, &["--port", &port.to_string()]).await
}

/// A server on `port` with extra `redis-server` arguments (a password, TLS), which must make
/// it listen on `port`.
pub async fn start_redis_with(port: u16, args: &[&str]) -> RedisServer {
    let child = Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server is installed (scripts/test.sh installs Debian's redis-server)");
    let server = RedisServer(child);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("redis-server did not start on port {port}");
}

/// Runs `redis-cli` against the server on `port`; its output, trimmed.
pub fn redis_cli(port: u16, args: &[&str]) -> String {
    let output = Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .args(args)
        .output()
        .expect("redis-cli is installed (with Debian's redis-server)");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A Redis that speaks only TLS on a free port, with a certificate for `localhost` and
/// `127.0.0.1` from a throwaway CA (made with the `openssl` command). Returns the server, its
/// port and the CA's certificate file, which a client must trust.
pub async fn start_tls_redis(dir: &Path, extra: &[&str]) -> (RedisServer, u16, PathBuf) {
    let run = |args: &[&str]| {
        let output = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl is installed");
        assert!(output.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    run(&[&["req", "-x509"][..], &ec, &["-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=test CA"]]
        .concat());
    run(&[&["req"][..], &ec, &["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]].concat());
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "1",
        "-extfile",
        "server.ext",
    ]);
    let port = free_port();
    let file = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let (cert, key, ca) = (file("server.pem"), file("server.key"), file("ca.pem"));
    let port_arg = port.to_string();
    let mut args = vec![
        "--port",
        "0",
        "--tls-port",
        &port_arg,
        "--tls-cert-file",
        &cert,
        "--tls-key-file",
        &key,
        "--tls-ca-cert-file",
        &ca,
        "--tls-auth-clients",
        "no",
    ];
    args.extend_from_slice(extra);
    (start_redis_with(port, &args).await, port, dir.join("ca.pem"))
}
