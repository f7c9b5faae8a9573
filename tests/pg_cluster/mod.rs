//! A private, throwaway PostgreSQL cluster for the PostgreSQL test suites.
//!
//! [`PgCluster::start`] runs `initdb` and `pg_ctl start` in a temporary
//! folder; the server listens only on a Unix socket inside that folder (no
//! TCP port at all), and local connections authenticate with SCRAM-SHA-256.
//! Dropping the cluster stops the server (`pg_ctl stop -m fast`, then
//! `-m immediate` if that fails) and removes the folder.
//!
//! PostgreSQL refuses to run as root. When the tests run as root (CI, these
//! machines), every PostgreSQL program runs through `setpriv` as the
//! `postgres` user when it exists, otherwise as `nobody`, and the folder is
//! handed to that user first.
//!
//! [`PgCluster::start_tcp`] also listens on 127.0.0.1 at a free port (for
//! the TLS tests only: the server offers no TLS on a Unix socket), with
//! `ssl = on` and a certificate for 127.0.0.1 signed by a CA made for the
//! test (`openssl`) when asked; [`PgCluster::ca_cert`] is that CA's file.
//!
//! Where the server programs are missing, [`PgCluster::start`] says so on
//! standard error ("PostgreSQL suite did not run: …") and returns `None`,
//! and the calling test returns without checking anything.

// Each suite uses its own subset of these helpers.
#![allow(dead_code)]
#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The cluster's bootstrap superuser (the "owner connection" of the tests).
pub const SUPERUSER: &str = "bootstrap";
/// The bootstrap superuser's password.
pub const SUPERUSER_PASSWORD: &str = "bootstrap-secret-7Q";
/// The port number of a socket-only cluster: it only names the socket
/// file, nothing listens on TCP.
const PORT: u16 = 5432;

/// How a cluster listens besides its Unix socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listen {
    /// The Unix socket only.
    SocketOnly,
    /// Also 127.0.0.1, without TLS.
    Tcp,
    /// Also 127.0.0.1, with `ssl = on` and a test certificate.
    TcpTls,
}

/// A running throwaway server; stopped and deleted when dropped.
pub struct PgCluster {
    /// The temporary folder: `data/`, the socket, the server log.
    dir: tempfile::TempDir,
    /// Where `initdb` and `pg_ctl` are.
    bin: PathBuf,
    /// Who the programs run as, when not ourselves.
    as_user: Option<Account>,
    /// How long `initdb` took.
    pub initdb_time: Duration,
    /// How long `pg_ctl start` took until the server accepted connections.
    pub start_time: Duration,
    /// The socket's port number, and the TCP port when listening on TCP.
    port: u16,
    listen: Listen,
}

/// An unprivileged account (name, uid, gid) for running the server as root.
#[derive(Debug, Clone)]
struct Account {
    name: String,
    uid: u32,
    gid: u32,
}

impl PgCluster {
    /// Creates and starts a cluster, or says on standard error why the
    /// PostgreSQL suite did not run and returns `None`.
    ///
    /// Panics if the programs exist but fail: a broken installation is a
    /// failure, not a reason to skip.
    pub fn start() -> Option<PgCluster> {
        PgCluster::start_listening(Listen::SocketOnly)
    }

    /// Like [`PgCluster::start`], also listening on 127.0.0.1 at a free port.
    pub fn start_tcp(tls: bool) -> Option<PgCluster> {
        PgCluster::start_listening(if tls { Listen::TcpTls } else { Listen::Tcp })
    }

    fn start_listening(listen: Listen) -> Option<PgCluster> {
        let Some(bin) = find_bin() else {
            eprintln!(
                "PostgreSQL suite did not run: initdb and pg_ctl were not found in $LATCHKEY_TEST_PG_BIN, on PATH or in /usr/lib/postgresql/*/bin (install the `postgresql` package)"
            );
            return None;
        };
        let as_user = if running_as_root() {
            let Some(account) = unprivileged_account() else {
                eprintln!(
                    "PostgreSQL suite did not run: running as root and neither a `postgres` nor a `nobody` user exists to run the server as"
                );
                return None;
            };
            Some(account)
        } else {
            None
        };
        let dir = tempfile::Builder::new().prefix("lkpg").tempdir().unwrap();
        let mut cluster = PgCluster {
            dir,
            bin,
            as_user,
            initdb_time: Duration::ZERO,
            start_time: Duration::ZERO,
            port: if listen == Listen::SocketOnly {
                PORT
            } else {
                free_port()
            },
            listen,
        };
        cluster.init();
        if listen == Listen::TcpTls {
            cluster.make_certificates();
        }
        cluster.start_server();
        eprintln!(
            "throwaway PostgreSQL cluster ready: initdb {} ms, start {} ms",
            cluster.initdb_time.as_millis(),
            cluster.start_time.as_millis()
        );
        Some(cluster)
    }

    /// The folder holding the server's socket.
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server's log file (every statement is logged: `log_statement = all`).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The server log as text.
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// A connection URL for `database` through the socket, without a user or password.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgresql:///{database}?host={}&port={}",
            self.socket_dir().display(),
            self.port
        )
    }

    /// A connection URL for `database` over TCP to `host` (which resolves
    /// to 127.0.0.1), with `query` appended (e.g. `sslmode=require`).
    pub fn tcp_url(&self, host: &str, database: &str, query: &str) -> String {
        assert_ne!(self.listen, Listen::SocketOnly, "started without TCP");
        format!("postgresql://{host}:{}/{database}?{query}", self.port)
    }

    /// The test CA's certificate (PEM), which signed the server's.
    pub fn ca_cert(&self) -> PathBuf {
        assert_eq!(self.listen, Listen::TcpTls, "started without TLS");
        self.dir.path().join("ca.crt")
    }

    /// A raw connection as `user` to `database`.
    pub fn connect(
        &self,
        database: &str,
        user: &str,
        password: &str,
    ) -> Result<postgres::Client, postgres::Error> {
        postgres::Config::new()
            .host_path(self.socket_dir())
            .port(self.port)
            .dbname(database)
            .user(user)
            .password(password)
            .connect_timeout(Duration::from_secs(10))
            .connect(postgres::NoTls)
    }

    /// A raw connection as the bootstrap superuser.
    pub fn superuser(&self, database: &str) -> postgres::Client {
        self.connect(database, SUPERUSER, SUPERUSER_PASSWORD)
            .unwrap()
    }

    /// Creates an empty database and returns its name.
    pub fn create_database(&self, name: &str) -> String {
        let mut admin = self.superuser("postgres");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        name.to_owned()
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `initdb` with SCRAM for local connections, no TCP, and a config for tests.
    fn init(&mut self) {
        let pwfile = self.dir.path().join("pwfile");
        fs::write(&pwfile, SUPERUSER_PASSWORD).unwrap();
        if let Some(account) = &self.as_user {
            for path in [self.dir.path(), pwfile.as_path()] {
                std::os::unix::fs::chown(path, Some(account.uid), Some(account.gid)).unwrap();
            }
        }
        let started = Instant::now();
        let data = self.data_dir();
        let out = self.run(
            "initdb",
            &[
                "--pgdata",
                path_str(&data),
                "--username",
                SUPERUSER,
                "--pwfile",
                path_str(&pwfile),
                "--auth-local=scram-sha-256",
                if self.listen == Listen::SocketOnly {
                    "--auth-host=reject"
                } else {
                    "--auth-host=scram-sha-256"
                },
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
        );
        self.initdb_time = started.elapsed();
        assert!(out.status.success(), "initdb failed:\n{}", text(&out));
        fs::remove_file(&pwfile).unwrap();
        // Appended settings override initdb's: only the socket in our folder
        // (and 127.0.0.1 when asked); every statement in the log, so tests
        // can search it for passwords; no fsync (a throwaway cluster).
        let listen_addresses = match self.listen {
            Listen::SocketOnly => "",
            Listen::Tcp | Listen::TcpTls => "127.0.0.1",
        };
        let ssl = if self.listen == Listen::TcpTls {
            let dir = self.dir.path();
            format!(
                "ssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\n",
                dir.join("server.crt").display(),
                dir.join("server.key").display()
            )
        } else {
            String::new()
        };
        let conf = format!(
            "\nlisten_addresses = '{listen_addresses}'\nunix_socket_directories = '{}'\nport = {}\n\
             log_statement = 'all'\nlog_min_error_statement = 'error'\nfsync = off\n\
             max_connections = 100\n{ssl}",
            self.socket_dir().display(),
            self.port
        );
        let conf_path = data.join("postgresql.conf");
        let mut text = fs::read_to_string(&conf_path).unwrap();
        text.push_str(&conf);
        fs::write(&conf_path, text).unwrap();
    }

    /// A CA and a server certificate for 127.0.0.1 signed by it, with the
    /// key 0600 and owned by the server's user (the server refuses it
    /// otherwise).
    fn make_certificates(&self) {
        let dir = self.dir.path();
        fs::write(
            dir.join("server.ext"),
            "subjectAltName = IP:127.0.0.1\nbasicConstraints = critical, CA:FALSE\n\
             keyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n",
        )
        .unwrap();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let steps: [&[&str]; 3] = [
            &[
                &["req", "-x509"],
                &ec[..],
                &["-keyout", "ca.key", "-out", "ca.crt"],
                &["-days", "2", "-subj", "/CN=Latchkey test CA"],
            ]
            .concat(),
            &[
                &["req"],
                &ec[..],
                &["-keyout", "server.key", "-out", "server.csr"],
                &["-subj", "/CN=127.0.0.1"],
            ]
            .concat(),
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.crt",
                "-days",
                "2",
                "-extfile",
                "server.ext",
            ],
        ];
        for args in steps {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .output()
                .unwrap_or_else(|e| panic!("cannot run openssl: {e}"));
            assert!(
                out.status.success(),
                "openssl {args:?} failed:\n{}",
                text(&out)
            );
        }
        let key = dir.join("server.key");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
        if let Some(account) = &self.as_user {
            for path in [key.as_path(), dir.join("server.crt").as_path()] {
                std::os::unix::fs::chown(path, Some(account.uid), Some(account.gid)).unwrap();
            }
        }
    }

    /// `pg_ctl start`, waiting until the server accepts connections.
    fn start_server(&mut self) {
        let started = Instant::now();
        let data = self.data_dir();
        let log = self.log_path();
        let out = self.run(
            "pg_ctl",
            &[
                "start",
                "--pgdata",
                path_str(&data),
                "--log",
                path_str(&log),
                "--wait",
                "--timeout=60",
                "--silent",
            ],
        );
        self.start_time = started.elapsed();
        assert!(
            out.status.success(),
            "pg_ctl start failed:\n{}\nserver log:\n{}",
            text(&out),
            self.log()
        );
    }

    /// Starts the server again after [`PgCluster::stop`] (same data, socket
    /// and port).
    pub fn restart(&mut self) {
        self.start_server();
    }

    /// Stops the server with `mode` ("fast", "immediate"); true when it stopped.
    pub fn stop(&self, mode: &str) -> bool {
        let data = self.data_dir();
        self.run(
            "pg_ctl",
            &[
                "stop",
                "--pgdata",
                path_str(&data),
                "--mode",
                mode,
                "--wait",
                "--timeout=30",
                "--silent",
            ],
        )
        .status
        .success()
    }

    /// Runs one of the server's programs, as the unprivileged account when root.
    fn run(&self, program: &str, args: &[&str]) -> Output {
        let exe = self.bin.join(program);
        let mut command = match &self.as_user {
            Some(account) => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={}", account.uid))
                    .arg(format!("--regid={}", account.gid))
                    .arg("--clear-groups")
                    .arg("--")
                    .arg(&exe);
                c.env("USER", &account.name).env("HOME", self.dir.path());
                c
            }
            None => Command::new(&exe),
        };
        // The unprivileged account may not be able to read our working folder.
        command.args(args).current_dir(self.dir.path());
        command
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()))
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if !self.stop("fast") && !self.stop("immediate") {
            eprintln!(
                "the throwaway PostgreSQL server in {} did not stop",
                self.dir.path().display()
            );
        }
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The folder with `initdb` and `pg_ctl`: PATH first, then Debian's
/// `/usr/lib/postgresql/<version>/bin`, newest version first.
/// `LATCHKEY_TEST_PG_BIN`, when set, names the folder and nothing else is tried.
fn find_bin() -> Option<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("LATCHKEY_TEST_PG_BIN") {
        let dir = PathBuf::from(dir);
        return has_both(&dir).then_some(dir);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_both(&dir) {
                // Debian links /usr/bin/pg_ctl etc. to wrappers; resolve to the real folder.
                let real = fs::canonicalize(dir.join("initdb")).ok()?;
                return real.parent().map(Path::to_path_buf);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, bin)| has_both(bin))
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// True when this process runs as root (the owner of `/proc/self` is our uid).
fn running_as_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The `postgres` user when it exists, otherwise `nobody`.
fn unprivileged_account() -> Option<Account> {
    ["postgres", "nobody"].into_iter().find_map(|name| {
        let id = |flag: &str| -> Option<u32> {
            let out = Command::new("id").arg(flag).arg(name).output().ok()?;
            if !out.status.success() {
                return None;
            }
            String::from_utf8(out.stdout).ok()?.trim().parse().ok()
        };
        Some(Account {
            name: name.to_owned(),
            uid: id("-u")?,
            gid: id("-g")?,
        })
    })
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
