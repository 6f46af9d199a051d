Feature: The whole pipeline, end to end
  Producers publish on the bus; the ingest rule puts what they publish on the ingest queue, the
  queue's event source mapping feeds the persister, the table's stream feeds the projector through
  its own mapping, and clients ask the query function. Nothing here calls a function by hand but
  the query: every step runs through the local stack that `make dev` runs. Ids ending in {run}
  are fresh per scenario.

  Scenario: Seed 004's account, published on the bus, is stored and its balance reconstructed
    When these events are published on the bus, each stored before the next:
      | stream          | source        | detail-type          | detail                                                                                                                             |
      | account-{run}   | bank.accounts | AccountCreated       | {"aggregateId": "account-{run}", "aggregateType": "Account", "accountId": "account-{run}", "customerId": "c-1", "accountType": "checking"} |
      | account-{run}   | bank.payments | TransactionProcessed | {"aggregateId": "account-{run}", "aggregateType": "Account", "transactionId": "tx-1", "amount": 100.5, "type": "deposit"}              |
      | account-{run}   | bank.payments | TransactionProcessed | {"aggregateId": "account-{run}", "aggregateType": "Account", "transactionId": "tx-2", "amount": 30.25, "type": "withdrawal"}           |
    And the query function is asked {"op": "loadState", "streamId": "account-{run}"}
    Then the answer's state balance is 70.25 at version 3

  Scenario: Seed 003's items, published on the bus, reach the read model
    When these events are published on the bus, each stored before the next:
      | stream        | source | detail-type         | detail                                                          |
      | items-{run}   | poc    | ITEM_CREATED        | {"streamId": "items-{run}", "itemId": "a-{run}", "amount": 225} |
      | items-{run}   | poc    | ITEM_CREATED        | {"streamId": "items-{run}", "itemId": "b-{run}", "amount": 10}  |
      | items-{run}   | poc    | ITEM_AMOUNT_CHANGED | {"streamId": "items-{run}", "itemId": "a-{run}", "amount": 500} |
      | items-{run}   | poc    | ITEM_DELETED        | {"streamId": "items-{run}", "itemId": "b-{run}"}                |
    Then read model "testItems" comes to hold {"itemId": "a-{run}", "amount": 500} at key "a-{run}"
    And read model "testItems" comes to hold nothing at key "b-{run}"

  Scenario: Seed 000's maintenance cycle completes and its metering event is published
    Given a queue subscribed to source "event-store.metering" on the store's bus
    When these events are published on the bus, each stored before the next:
      | stream    | source                      | detail-type     | detail                  |
      | 21{run}   | SustainablePersonalAccounts | ExpiredAccount  | {"Account": "21{run}"}  |
      | 21{run}   | SustainablePersonalAccounts | PurgedAccount   | {"Account": "21{run}"}  |
      | 21{run}   | SustainablePersonalAccounts | PreparedAccount | {"Account": "21{run}"}  |
      | 21{run}   | SustainablePersonalAccounts | ReleasedAccount | {"Account": "21{run}"}  |
    Then a CycleCompleted event of cycle "account-maintenance" for "21{run}" arrives on that queue

  Scenario: Seed 001's UpdatedEvent brings a ValidatableEvent follow-up, stored in the same stream
    When these events are published on the bus, each stored before the next:
      | stream          | source           | detail-type          | detail                                                                              |
      | customer-{run}  | kahula.customers | CustomerUpdatedEvent | {"entityId": "customer-{run}", "DOMAIN": "customer", "saga_id": "saga-{run}"}       |
    Then stream "customer-{run}" comes to hold CustomerUpdatedEvent, ValidatableEvent

  Scenario: The store's change notices are published but never ingested again
    Given a queue subscribed to source "event-store.changes" on the store's bus
    When these events are published on the bus, each stored before the next:
      | stream        | source | detail-type  | detail                                           |
      | notice-{run}  | poc    | ITEM_CREATED | {"streamId": "notice-{run}", "itemId": "n-{run}"} |
    Then a change notice for stream "notice-{run}" arrives on that queue
    And once the ingest queue is drained, stream "notice-{run}" holds 1 event
