//! The example aggregate from seed 004: a bank account whose balance is folded from
//! `AccountCreated` and `TransactionProcessed` (deposit or withdrawal) events.

use serde::{Deserialize, Serialize};

use crate::Aggregate;

/// An account's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Set once the account is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Its owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// `checking`, `savings`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    /// The balance, kept in cents so that sums are exact; shown as a decimal number.
    #[serde(with = "cents")]
    pub balance: i64,
    /// How many transactions were processed.
    pub transaction_count: u64,
}

/// An account's events, as seed 004 sends them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "eventType", content = "data")]
pub enum AccountEvent {
    /// The account was opened.
    AccountCreated(AccountCreated),
    /// Money moved in or out.
    TransactionProcessed(TransactionProcessed),
}

/// `AccountCreated`'s data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountCreated {
    /// The account.
    pub account_id: String,
    /// Its owner.
    pub customer_id: String,
    /// Its kind.
    pub account_type: String,
    /// When it was opened, as the producer says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

/// `TransactionProcessed`'s data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionProcessed {
    /// The transaction.
    pub transaction_id: String,
    /// The amount, positive, in the account's currency.
    pub amount: f64,
    /// Deposit or withdrawal.
    #[serde(rename = "type")]
    pub kind: TransactionKind,
    /// When it happened, as the producer says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// The direction of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransactionKind {
    /// Money in.
    Deposit,
    /// Money out.
    Withdrawal,
}

/// What can be asked of an account.
#[derive(Debug, Clone, PartialEq)]
pub enum AccountCommand {
    /// Open the account.
    Open {
        /// The account.
        account_id: String,
        /// Its owner.
        customer_id: String,
        /// Its kind.
        account_type: String,
    },
    /// Move money in (deposit) or out (withdrawal).
    Process {
        /// The transaction.
        transaction_id: String,
        /// The amount, positive.
        amount: f64,
        /// Deposit or withdrawal.
        kind: TransactionKind,
    },
}

/// Why an account refuses a command.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AccountError {
    /// Opening an account twice.
    #[error("account {0} is already open")]
    AlreadyOpen(String),
    /// A transaction on an account that was never opened.
    #[error("the account is not open")]
    NotOpen,
    /// Zero, negative or non-finite amounts.
    #[error("amount must be positive, got {0}")]
    InvalidAmount(f64),
    /// A withdrawal larger than the balance.
    #[error("insufficient funds: balance {balance}, withdrawal {amount}")]
    InsufficientFunds {
        /// The balance in cents.
        balance: i64,
        /// The withdrawal in cents.
        amount: i64,
    },
}

fn to_cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

impl Aggregate for Account {
    const AGGREGATE_TYPE: &'static str = "Account";
    type Command = AccountCommand;
    type Event = AccountEvent;
    type Error = AccountError;

    fn decide(&self, command: AccountCommand) -> Result<Vec<AccountEvent>, AccountError> {
        match command {
            AccountCommand::Open {
                account_id,
                customer_id,
                account_type,
            } => match &self.account_id {
                Some(existing) => Err(AccountError::AlreadyOpen(existing.clone())),
                None => Ok(vec![AccountEvent::AccountCreated(AccountCreated {
                    account_id,
                    customer_id,
                    account_type,
                    created_at: None,
                })]),
            },
            AccountCommand::Process {
                transaction_id,
                amount,
                kind,
            } => {
                if self.account_id.is_none() {
                    return Err(AccountError::NotOpen);
                }
                if !amount.is_finite() || amount <= 0.0 {
                    return Err(AccountError::InvalidAmount(amount));
                }
                if kind == TransactionKind::Withdrawal && to_cents(amount) > self.balance {
                    return Err(AccountError::InsufficientFunds {
                        balance: self.balance,
                        amount: to_cents(amount),
                    });
                }
                Ok(vec![AccountEvent::TransactionProcessed(
                    TransactionProcessed {
                        transaction_id,
                        amount,
                        kind,
                        timestamp: None,
                    },
                )])
            }
        }
    }

    fn evolve(&mut self, event: &AccountEvent) {
        match event {
            AccountEvent::AccountCreated(created) => {
                self.account_id = Some(created.account_id.clone());
                self.customer_id = Some(created.customer_id.clone());
                self.account_type = Some(created.account_type.clone());
            }
            AccountEvent::TransactionProcessed(transaction) => {
                let cents = to_cents(transaction.amount);
                self.balance += match transaction.kind {
                    TransactionKind::Deposit => cents,
                    TransactionKind::Withdrawal => -cents,
                };
                self.transaction_count += 1;
            }
        }
    }
}

/// Serde for an amount kept in cents and shown as a decimal number.
mod cents {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(cents: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(*cents as f64 / 100.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        Ok(super::to_cents(f64::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AggregateReducer, RecordedEvent, Reducer, StreamId, Version};
    use chrono::Utc;
    use serde_json::json;

    /// Given these events, when this command, then these events (or this error).
    #[track_caller]
    fn given(events: &[AccountEvent]) -> Account {
        let mut account = Account::default();
        events.iter().for_each(|e| account.evolve(e));
        account
    }

    fn opened() -> AccountEvent {
        AccountEvent::AccountCreated(AccountCreated {
            account_id: "account-123".into(),
            customer_id: "customer-456".into(),
            account_type: "checking".into(),
            created_at: None,
        })
    }

    fn transaction(amount: f64, kind: TransactionKind) -> AccountEvent {
        AccountEvent::TransactionProcessed(TransactionProcessed {
            transaction_id: "tx-1".into(),
            amount,
            kind,
            timestamp: None,
        })
    }

    fn process(amount: f64, kind: TransactionKind) -> AccountCommand {
        AccountCommand::Process {
            transaction_id: "tx-1".into(),
            amount,
            kind,
        }
    }

    #[test]
    fn opening_a_new_account_creates_it() {
        let events = given(&[])
            .decide(AccountCommand::Open {
                account_id: "account-123".into(),
                customer_id: "customer-456".into(),
                account_type: "checking".into(),
            })
            .unwrap();
        assert_eq!(events, vec![opened()]);
    }

    #[test]
    fn opening_twice_is_refused() {
        let error = given(&[opened()])
            .decide(AccountCommand::Open {
                account_id: "account-123".into(),
                customer_id: "c".into(),
                account_type: "savings".into(),
            })
            .unwrap_err();
        assert_eq!(error, AccountError::AlreadyOpen("account-123".into()));
    }

    #[test]
    fn a_withdrawal_over_the_balance_is_refused() {
        let error = given(&[opened(), transaction(100.5, TransactionKind::Deposit)])
            .decide(process(100.51, TransactionKind::Withdrawal))
            .unwrap_err();
        assert_eq!(
            error,
            AccountError::InsufficientFunds {
                balance: 10050,
                amount: 10051
            }
        );
    }

    #[test]
    fn a_transaction_before_opening_is_refused() {
        assert_eq!(
            given(&[]).decide(process(1.0, TransactionKind::Deposit)),
            Err(AccountError::NotOpen)
        );
    }

    #[test]
    fn balances_are_exact_in_cents() {
        let account = given(&[
            opened(),
            transaction(0.1, TransactionKind::Deposit),
            transaction(0.2, TransactionKind::Deposit),
            transaction(0.3, TransactionKind::Withdrawal),
        ]);
        assert_eq!(account.balance, 0);
        assert_eq!(account.transaction_count, 3);
    }

    #[test]
    fn seed_004_events_fold_through_the_reducer() {
        let stream = StreamId::new("account-123").unwrap();
        let reducer = AggregateReducer::<Account>::new();
        let record = |version: u64, event: &AccountEvent| {
            RecordedEvent::record(
                stream.clone(),
                Version::new(version),
                Account::to_new_event(event).unwrap(),
                Utc::now(),
            )
        };
        let deposit: AccountEvent = serde_json::from_value(json!({
            "eventType": "TransactionProcessed",
            "data": {"transactionId": "tx-789", "amount": 100.50, "type": "deposit",
                     "timestamp": "2024-01-15T10:30:00Z"}
        }))
        .unwrap();
        let mut state = reducer.initial();
        for (version, event) in [opened(), deposit].iter().enumerate() {
            state = reducer
                .apply(state, &record(version as u64 + 1, event))
                .unwrap();
        }
        assert_eq!(state["balance"], json!(100.5));
        assert_eq!(state["accountId"], "account-123");
        assert_eq!(state["transactionCount"], 1);
    }

    #[test]
    fn events_carry_the_aggregate_type() {
        let event = Account::to_new_event(&opened()).unwrap();
        assert_eq!(event.event_type.as_str(), "AccountCreated");
        assert_eq!(event.aggregate_type.unwrap().as_str(), "Account");
        assert_eq!(event.data["customerId"], "customer-456");
    }

    #[test]
    fn a_foreign_event_is_reported_corrupt_with_its_position() {
        let stream = StreamId::new("account-1").unwrap();
        let foreign = RecordedEvent::record(
            stream,
            Version::new(4),
            crate::NewEvent::new(crate::EventType::new("ITEM_CREATED").unwrap(), json!({})),
            Utc::now(),
        );
        let error = Account::decode(&foreign).unwrap_err();
        assert!(
            error.to_string().contains("event 4 of stream account-1"),
            "{error}"
        );
    }
}
