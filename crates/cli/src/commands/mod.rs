//! One module per `esctl` command.

pub mod append;
pub mod create_tables;
pub mod dev;
pub mod read;
pub mod state;
