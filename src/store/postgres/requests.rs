//! The requests area of a PostgreSQL workspace's store (issue 19): filled in by its slice.
