//! Seed 004's account as a cqrs-es aggregate: the domain crate's `Account` (its `decide` and
//! `evolve`) behind cqrs-es's `Aggregate`, so the same framework code runs on the store (through
//! `cqrs-es-dynamodb-store`) and on dynamo-es. A command is a list of account commands decided
//! in order and committed together: one deposit is a commit of one event, 24 deposits a commit
//! of 24.

use cqrs_es::event_sink::EventSink;
use cqrs_es::DomainEvent;
use event_store_domain::{Account, AccountCommand, AccountError, AccountEvent, TransactionKind};
use serde::{Deserialize, Serialize};

/// The account, as cqrs-es holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CqrsAccount(pub Account);

/// An account event, as cqrs-es serializes it (the domain's shape: `eventType` and `data`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CqrsAccountEvent(pub AccountEvent);

impl DomainEvent for CqrsAccountEvent {
    fn event_type(&self) -> String {
        match &self.0 {
            AccountEvent::AccountCreated(_) => "AccountCreated",
            AccountEvent::TransactionProcessed(_) => "TransactionProcessed",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}

impl cqrs_es::Aggregate for CqrsAccount {
    const TYPE: &'static str = "Account";
    type Command = Vec<AccountCommand>;
    type Event = CqrsAccountEvent;
    type Error = AccountError;
    type Services = ();

    async fn handle(
        &mut self,
        commands: Vec<AccountCommand>,
        _: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), AccountError> {
        // Decided on a copy: cqrs-es's sink applies each event to the aggregate it is given, and
        // its commit applies the events again to the loaded aggregate to take a snapshot.
        let mut scratch = self.clone();
        for command in commands {
            let decided = event_store_domain::Aggregate::decide(&scratch.0, command)?;
            for event in decided {
                sink.write(CqrsAccountEvent(event), &mut scratch).await;
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: CqrsAccountEvent) {
        event_store_domain::Aggregate::evolve(&mut self.0, &event.0);
    }
}

/// Opening `account_id` for seed 004's customer.
pub fn open(account_id: &str) -> Vec<AccountCommand> {
    vec![AccountCommand::Open {
        account_id: account_id.to_owned(),
        customer_id: "customer-456".to_owned(),
        account_type: "checking".to_owned(),
    }]
}

/// `count` deposits of `amount`, transactions `tx-<first>`, `tx-<first + 1>`, …
pub fn deposits(first: usize, count: usize, amount: f64) -> Vec<AccountCommand> {
    (first..first + count)
        .map(|n| AccountCommand::Process {
            transaction_id: format!("tx-{n}"),
            amount,
            kind: TransactionKind::Deposit,
        })
        .collect()
}

/// One withdrawal of `amount`.
pub fn withdrawal(transaction_id: &str, amount: f64) -> Vec<AccountCommand> {
    vec![AccountCommand::Process {
        transaction_id: transaction_id.to_owned(),
        amount,
        kind: TransactionKind::Withdrawal,
    }]
}
