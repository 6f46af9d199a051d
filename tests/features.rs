//! Runs `features/*.feature` with the cucumber crate against the local AWS endpoint: each
//! scenario gets a store over its own new table.

mod steps;

use cucumber::World as _;
use steps::StoreWorld;

#[tokio::main]
async fn main() {
    event_store_tests::endpoint();
    let features = concat!(env!("CARGO_MANIFEST_DIR"), "/../features");
    StoreWorld::cucumber()
        .fail_on_skipped()
        .max_concurrent_scenarios(4)
        .run_and_exit(features)
        .await;
}
