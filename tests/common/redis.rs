//! A throwaway `redis-server` (Debian's, installed by scripts/test.sh) on a free loopback port,
//! keeping nothing on disk; killed when dropped.

use std::{
    net::TcpListener,
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
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
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
