//! Identity on a PostgreSQL workspace, against a real throwaway server.

mod pg_cluster;

use pg_cluster::PgCluster;

#[test]
fn cluster_starts() {
    let Some(cluster) = PgCluster::start() else {
        return;
    };
    let mut client = cluster.superuser("postgres");
    let row = client.query_one("SELECT session_user::text", &[]).unwrap();
    let who: String = row.get(0);
    assert_eq!(who, pg_cluster::SUPERUSER);
}
