//! TLS to a PostgreSQL workspace (issue 19), against a real throwaway server
//! listening on 127.0.0.1: `sslmode` has libpq's meanings, through rustls,
//! and a refused certificate says so without a password in the message.
//!
//! Only these tests use TCP; the server offers no TLS on a Unix socket.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed step fails the test"
)]

mod pg_cluster;

use latchkey::domain::user::NewUser;
use latchkey::store::postgres::{PgError, PgSession, PgTarget, PgWorkspace, SslMode};
use pg_cluster::{PgCluster, SUPERUSER, SUPERUSER_PASSWORD};

const ADA_PW: &str = "ada-pw-Tl58Kc";
const DATABASE: &str = "team";

/// A cluster on 127.0.0.1 (with TLS or without) holding a workspace whose
/// administrator is ada; `None` where the server programs are missing.
fn workspace(tls: bool) -> Option<PgCluster> {
    let cluster = PgCluster::start_tcp(tls)?;
    cluster.create_database(DATABASE);
    // Laid out through the socket: the TCP cases are what is under test.
    let target = PgTarget::parse(&cluster.url(DATABASE)).unwrap();
    PgWorkspace::create(
        &target,
        SUPERUSER,
        SUPERUSER_PASSWORD,
        &NewUser {
            username: "ada".into(),
            display_name: "Ada Admin".into(),
            email: "ada@example.org".into(),
            is_admin: true,
        },
        ADA_PW,
    )
    .unwrap();
    Some(cluster)
}

fn sign_in(url: &str) -> Result<PgSession, PgError> {
    PgSession::connect(&PgTarget::parse(url).unwrap(), "ada", ADA_PW)
}

/// The refusal's text, checked to name TLS or the certificate and to hold
/// no password.
fn refusal(result: Result<PgSession, PgError>) -> String {
    let Err(err) = result else {
        panic!("the connection was not refused")
    };
    let text = err.to_string();
    assert!(matches!(err, PgError::Store(_)), "{err:?}");
    assert!(!text.contains(ADA_PW), "{text}");
    text
}

#[test]
fn require_encrypts_the_session() {
    let Some(cluster) = workspace(true) else {
        return;
    };
    let mut session = sign_in(&cluster.tcp_url("127.0.0.1", DATABASE, "sslmode=require")).unwrap();
    assert_eq!(session.user().username, "ada");
    assert!(session.encrypted().unwrap(), "pg_stat_ssl says ssl = false");
    // `prefer` (the default) takes TLS too when the server offers it.
    let mut preferred = sign_in(&cluster.tcp_url("127.0.0.1", DATABASE, "")).unwrap();
    assert!(preferred.encrypted().unwrap());
    // `disable` never asks for it.
    let mut plain = sign_in(&cluster.tcp_url("127.0.0.1", DATABASE, "sslmode=disable")).unwrap();
    assert!(!plain.encrypted().unwrap());
}

#[test]
fn verify_full_checks_the_chain_and_the_host_name() {
    let Some(cluster) = workspace(true) else {
        return;
    };
    let ca = cluster.ca_cert();
    let with_ca = format!("sslmode=verify-full&sslrootcert={}", ca.display());
    let mut session = sign_in(&cluster.tcp_url("127.0.0.1", DATABASE, &with_ca)).unwrap();
    assert!(session.encrypted().unwrap());

    // The certificate is for 127.0.0.1, not for "localhost".
    let wrong_name = refusal(sign_in(&cluster.tcp_url("localhost", DATABASE, &with_ca)));
    assert!(wrong_name.contains("TLS"), "{wrong_name}");
    assert!(wrong_name.contains("certificate"), "{wrong_name}");
    assert!(wrong_name.contains("not valid for name"), "{wrong_name}");

    // `verify-ca` accepts the same certificate under the other name.
    let verify_ca = format!("sslmode=verify-ca&sslrootcert={}", ca.display());
    let mut session = sign_in(&cluster.tcp_url("localhost", DATABASE, &verify_ca)).unwrap();
    assert!(session.encrypted().unwrap());

    // Without the test CA, the system's roots do not know the server.
    let unknown = refusal(sign_in(&cluster.tcp_url(
        "127.0.0.1",
        DATABASE,
        "sslmode=verify-full",
    )));
    assert!(unknown.contains("TLS"), "{unknown}");
    assert!(unknown.contains("certificate"), "{unknown}");
    eprintln!("refused: {wrong_name}\nrefused: {unknown}");
}

#[test]
fn require_is_refused_by_a_server_without_tls_and_prefer_falls_back() {
    let Some(cluster) = workspace(false) else {
        return;
    };
    let refused = refusal(sign_in(&cluster.tcp_url(
        "127.0.0.1",
        DATABASE,
        "sslmode=require",
    )));
    assert!(refused.contains("server does not support TLS"), "{refused}");
    let mut preferred = sign_in(&cluster.tcp_url("127.0.0.1", DATABASE, "sslmode=prefer")).unwrap();
    assert!(!preferred.encrypted().unwrap());
    let mut plain = sign_in(&cluster.tcp_url("127.0.0.1", DATABASE, "sslmode=disable")).unwrap();
    assert!(!plain.encrypted().unwrap());
}

#[test]
fn a_unix_socket_never_uses_tls() {
    let Some(cluster) = workspace(true) else {
        return;
    };
    let url = format!("{}&sslmode=verify-full", cluster.url(DATABASE));
    let target = PgTarget::parse(&url).unwrap();
    assert_eq!(target.tls().mode, SslMode::Disable);
    let mut session = PgSession::connect(&target, "ada", ADA_PW).unwrap();
    assert!(!session.encrypted().unwrap());
}
