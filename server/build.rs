//! The migrations are embedded at compile time (`sqlx::migrate!`, `#[sqlx::test]`):
//! a new or changed migration must rebuild the server and its tests.

fn main() {
    println!("cargo::rerun-if-changed=../migrations");
}
