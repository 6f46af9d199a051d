//! Read models defined in code: a [`Projection`] names its model, says which document an event
//! concerns, and what it does to it. Declarative read models (settings) are projections too, so
//! the projector treats both alike. Seed 004's account balances ship as an example.

use serde_json::Value;

use crate::{Account, Aggregate, Error, ReadModelChange, ReadModelDefinition, RecordedEvent};

/// A read model: pure, no I/O.
pub trait Projection: Send + Sync {
    /// The read model's name (what `getReadModel` and `listReadModel` ask for).
    fn name(&self) -> &str;

    /// One line on what its documents hold, for the list of read models.
    fn describe(&self) -> String {
        "a read model kept in code".to_owned()
    }

    /// The key of the document `event` concerns, if any.
    fn key(&self, event: &RecordedEvent) -> Option<String>;

    /// What `event` does to its document, given the stored one (`None`: it does not concern
    /// this read model). A stored document that does not decode is `Corrupt`, naming it: never
    /// silently started again from scratch.
    fn apply(
        &self,
        current: Option<&Value>,
        event: &RecordedEvent,
    ) -> Result<Option<ReadModelChange>, Error>;
}

impl Projection for ReadModelDefinition {
    fn name(&self) -> &str {
        &self.name
    }

    fn describe(&self) -> String {
        format!(
            "declared in the projector's settings, one document per {}",
            self.key
        )
    }

    fn key(&self, event: &RecordedEvent) -> Option<String> {
        self.key_of(event)
    }

    fn apply(
        &self,
        current: Option<&Value>,
        event: &RecordedEvent,
    ) -> Result<Option<ReadModelChange>, Error> {
        Ok(ReadModelDefinition::apply(self, current, event))
    }
}

/// The read models kept in code by every deployment (beside the settings' declarative ones):
/// the projector keeps them and a rebuild can rebuild them.
pub fn builtin_projections() -> Vec<Box<dyn Projection>> {
    vec![Box::new(AccountBalances)]
}

/// Seed 004's account balances, one document per account stream: the `Account` aggregate's state
/// (id, customer, type, balance, transaction count), evolved by each account event: those of
/// aggregate type `Account`, and those naming no type in a stream of category `account` (as
/// seed 004's own commands send them).
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountBalances;

impl Projection for AccountBalances {
    fn name(&self) -> &str {
        "accountBalances"
    }

    fn describe(&self) -> String {
        "seed 004's account balances, one document per account stream (kept in code)".to_owned()
    }

    fn key(&self, event: &RecordedEvent) -> Option<String> {
        let is_account = match &event.aggregate_type {
            Some(aggregate_type) => aggregate_type.as_str() == Account::AGGREGATE_TYPE,
            None => crate::category(&event.stream_id)
                .is_some_and(|c| c.eq_ignore_ascii_case(Account::AGGREGATE_TYPE)),
        };
        is_account.then(|| event.stream_id.to_string())
    }

    fn apply(
        &self,
        current: Option<&Value>,
        event: &RecordedEvent,
    ) -> Result<Option<ReadModelChange>, Error> {
        let Some(key) = self.key(event) else {
            return Ok(None);
        };
        // An event of an account stream that is not an account event leaves the balance alone.
        let Ok(account_event) = Account::decode(event) else {
            return Ok(None);
        };
        let mut account: Account = match current {
            None => Account::default(),
            Some(document) => {
                serde_json::from_value(document.clone()).map_err(|e| Error::Corrupt {
                    attribute: format!("accountBalances/{key}"),
                    reason: e.to_string(),
                })?
            }
        };
        account.evolve(&account_event);
        let document = serde_json::to_value(&account).map_err(|e| Error::Corrupt {
            attribute: format!("accountBalances/{key}"),
            reason: e.to_string(),
        })?;
        Ok(Some(ReadModelChange::Put { key, document }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AggregateType, EventType, NewEvent, StreamId, Version};
    use serde_json::json;

    fn account_event(version: u64, event_type: &str, data: Value) -> RecordedEvent {
        let event = NewEvent::new(EventType::new(event_type).unwrap(), data)
            .with_aggregate_type(AggregateType::new("Account").unwrap());
        RecordedEvent::record(
            StreamId::new("account-123").unwrap(),
            Version::new(version),
            event,
            chrono::Utc::now(),
        )
    }

    #[test]
    fn seed_004_balances_fold_per_account() {
        let created = account_event(
            1,
            "AccountCreated",
            json!({"accountId": "account-123", "customerId": "c-1", "accountType": "checking"}),
        );
        let deposit = account_event(
            2,
            "TransactionProcessed",
            json!({"transactionId": "t-1", "amount": 100.5, "type": "deposit"}),
        );
        let Some(ReadModelChange::Put { key, document }) =
            AccountBalances.apply(None, &created).unwrap()
        else {
            panic!()
        };
        assert_eq!(key, "account-123");
        let Some(ReadModelChange::Put { document, .. }) =
            AccountBalances.apply(Some(&document), &deposit).unwrap()
        else {
            panic!()
        };
        assert_eq!(document["balance"], json!(100.5));
        assert_eq!(document["transactionCount"], 1);
    }

    #[test]
    fn other_aggregates_are_not_its_concern() {
        let event = RecordedEvent::record(
            StreamId::new("poc").unwrap(),
            Version::new(1),
            NewEvent::new(EventType::new("ITEM_CREATED").unwrap(), json!({})),
            chrono::Utc::now(),
        );
        assert_eq!(AccountBalances.apply(None, &event).unwrap(), None);
    }

    #[test]
    fn a_stored_balance_that_does_not_decode_is_corrupt_not_a_fresh_account() {
        let deposit = account_event(
            2,
            "TransactionProcessed",
            json!({"transactionId": "t-1", "amount": 1.0, "type": "deposit"}),
        );
        let error = AccountBalances
            .apply(Some(&json!({"balance": "lots"})), &deposit)
            .unwrap_err();
        assert!(
            matches!(&error, Error::Corrupt { attribute, .. } if attribute == "accountBalances/account-123"),
            "{error}"
        );
    }
}
