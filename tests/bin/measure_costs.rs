//! `make costs`: prints the README's cost table, measured on the local AWS endpoint.

#[tokio::main]
async fn main() {
    let rows = event_store_tests::costs::measure_costs().await;
    println!(
        "Cost per operation, 1 KB events ({} byte items, every index), measured on the local endpoint:\n",
        event_store_tests::costs::EVENT_ITEM_BYTES
    );
    print!("{}", event_store_tests::costs::markdown(&rows));
    println!("\nAn event's item, attribute by attribute (the default indexes):\n");
    print!("{}", event_store_tests::costs::item_anatomy());
}
