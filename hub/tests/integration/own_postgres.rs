//! A PostgreSQL cluster of one test's own, for a test that stops and starts it mid-sync (the
//! test command's shared cluster serves every other test at the same time). Made with the
//! binaries `scripts/postgres.sh` found (`LINKWORK_TEST_POSTGRES_BIN`, run as
//! `LINKWORK_TEST_POSTGRES_USER` when the tests run as root); stopped and deleted when dropped.

use std::path::PathBuf;
use std::process::Command;

use tempfile::TempDir;

pub struct OwnCluster {
    dir: TempDir,
    bin: PathBuf,
    user: Option<String>,
    /// The server's options (port, socket directory).
    options: String,
    /// `postgres://linkwork@127.0.0.1:PORT/postgres`.
    pub url: String,
}

impl OwnCluster {
    /// Creates and starts a cluster on a free loopback port, or `None` (said loudly, and the
    /// test recorded as skipped for the test command to notice) outside the test command.
    pub fn start(test: &str) -> Option<OwnCluster> {
        let (Ok(bin), Ok(user), Ok(marker)) = (
            std::env::var("LINKWORK_TEST_POSTGRES_BIN"),
            std::env::var("LINKWORK_TEST_POSTGRES_USER"),
            std::env::var("LINKWORK_TEST_POSTGRES_MARKER"),
        ) else {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED {test}: LINKWORK_TEST_POSTGRES_BIN is unset (scripts/test.sh \
                 starts PostgreSQL and sets it) ***"
            );
            return None;
        };
        {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(marker)
                .unwrap();
            writeln!(f, "{test}").unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let user = (!user.is_empty()).then_some(user);
        if let Some(user) = &user {
            let status = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off",
            dir.path().display()
        );
        let cluster = OwnCluster {
            url: format!("postgres://linkwork@127.0.0.1:{port}/postgres"),
            dir,
            bin: PathBuf::from(bin),
            user,
            options,
        };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "linkwork",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        cluster.start_again();
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn log(&self) -> String {
        self.dir.path().join("server.log").display().to_string()
    }

    /// `program` of the server's bin directory, run as the cluster's user.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match &self.user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self.command(program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stops the server at once (`-m fast`: every connection is cut, open transactions roll
    /// back).
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// Starts the (stopped) server.
    pub fn start_again(&self) {
        let (data, log) = (self.data(), self.log());
        self.run(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &self.options, "-w", "start"],
        );
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self
            .command("pg_ctl")
            .args(["-D", data.as_str(), "-m", "immediate", "stop"])
            .output();
    }
}
