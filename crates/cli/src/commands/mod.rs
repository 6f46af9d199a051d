//! One module per `esctl` command.

pub mod append;
pub mod create_tables;
pub mod demo;
pub mod dev;
pub mod event;
pub mod forget;
pub mod query;
pub mod read;
pub mod replay;
pub mod state;
pub mod tail;
pub mod transactions;
