Feature: Exactly once on every path
  An accepted event is stored once, whatever path it comes back by (an expected version or
  none, the bus, another stream), and an id reused for other content is refused with an error of
  its own, never answered as a success. Every scenario goes through the functions' Lambda
  Invoke API, as a user with the AWS CLI would, with ids fresh per scenario ({run}).

  Scenario: An event appended at a version and sent again without one is a duplicate
    Given the persister was invoked with {"streamId": "once-a-{run}", "expectedVersion": 0, "events": [{"eventId": "ev-a-{run}", "eventType": "ItemAdded", "data": {"n": 1}}]}
    When the persister is invoked with {"streamId": "once-a-{run}", "events": [{"eventId": "ev-a-{run}", "eventType": "ItemAdded", "data": {"n": 1}}]}
    Then the answer is a duplicate at version 1 of stream "once-a-{run}"
    And stream "once-a-{run}" holds 1 event

  Scenario: The same id with other content is refused as a reused id, naming where it is stored
    Given the persister was invoked with {"streamId": "once-b-{run}", "expectedVersion": 0, "events": [{"eventId": "ev-b-{run}", "eventType": "ItemAdded", "data": {"n": 1}}]}
    When the persister is invoked with {"streamId": "once-b-{run}", "events": [{"eventId": "ev-b-{run}", "eventType": "ItemAdded", "data": {"n": 2}}]}
    Then the answer is an IdReused error naming version 1 of stream "once-b-{run}"
    And stream "once-b-{run}" holds 1 event

  Scenario: An id another producer already used in another stream is refused, not reported stored
    Given the persister was invoked with {"streamId": "once-c1-{run}", "events": [{"eventId": "ev-c-{run}", "eventType": "ItemAdded", "data": {"producer": "first"}}]}
    When the persister is invoked with {"streamId": "once-c2-{run}", "events": [{"eventId": "ev-c-{run}", "eventType": "ItemAdded", "data": {"producer": "second"}}]}
    Then the answer is an IdReused error naming version 1 of stream "once-c1-{run}"
    And stream "once-c2-{run}" holds 0 events

  Scenario: A writer whose answer was lost appends the same event again at the new version
    Given the persister was invoked with {"streamId": "once-d-{run}", "expectedVersion": 0, "events": [{"eventId": "ev-d-{run}", "eventType": "ItemAdded", "data": {"n": 1}}]}
    When the persister is invoked with {"streamId": "once-d-{run}", "expectedVersion": 1, "events": [{"eventId": "ev-d-{run}", "eventType": "ItemAdded", "data": {"n": 1}}]}
    Then the answer is a duplicate at version 1 of stream "once-d-{run}"
    And stream "once-d-{run}" holds 1 event

  Scenario: A batch of stored and new events is refused whole, naming the stored ones
    Given the persister was invoked with {"streamId": "once-e-{run}", "expectedVersion": 0, "events": [{"eventId": "ev-e1-{run}", "eventType": "ItemAdded", "data": {"n": 1}}]}
    When the persister is invoked with {"streamId": "once-e-{run}", "expectedVersion": 1, "events": [{"eventId": "ev-e1-{run}", "eventType": "ItemAdded", "data": {"n": 1}}, {"eventId": "ev-e2-{run}", "eventType": "ItemAdded", "data": {"n": 2}}]}
    Then the answer is a PartlyStored error naming "ev-e1-{run}"
    And stream "once-e-{run}" holds 1 event

  Scenario: On the bus path, a reused id fails its own message and no other
    Given the persister was invoked with "events/seed-004-account-created.json"
    When the persister is invoked with "sqs/reused-id-batch.json"
    Then the batch item failures are msg-reused-id
    And stream "account-123" holds 2 events

  Scenario: An event is read by its id alone, with its payload hash
    Given the persister was invoked with {"streamId": "once-f-{run}", "events": [{"eventId": "ev-f-{run}", "eventType": "TransactionProcessed", "data": {"b": [1, "x", null], "amount": 80.0}}]}
    When the query function is asked {"op": "getEventById", "eventId": "ev-f-{run}"}
    Then the answer's event is version 1 of stream "once-f-{run}" with payload hash "1af6daf80ad81d57cbc50d0614c1f45b12efac7f8e3e9b3f0a3c3fdc394c485f"

  Scenario: Seed 004's commands, exactly as its test plan sends them, reconstruct the balance
    When the persister is invoked with {"aggregateId": "account-g{run}", "eventType": "AccountCreated", "eventData": {"accountId": "account-g{run}", "customerId": "customer-456", "accountType": "checking", "createdAt": "2024-01-15T10:00:00Z"}}
    And the persister is invoked with {"aggregateId": "account-g{run}", "eventType": "TransactionProcessed", "eventData": {"transactionId": "tx-789", "amount": 100.50, "type": "deposit", "timestamp": "2024-01-15T10:30:00Z"}}
    And the query function is asked {"queryType": "reconstructState", "aggregateId": "account-g{run}"}
    Then the answer's state balance is 100.5 at version 2

  Scenario: An append over the dedupe scope's limit is refused naming the limit
    When the persister is asked to append 50 events to stream "once-h-{run}" with no expected version
    Then the answer is a Validation error naming "events"
    And the error message says "the limit per append is 49"
    And stream "once-h-{run}" holds 0 events

  Scenario: A bad expected version is named as such
    When the persister is invoked with {"streamId": "once-i-{run}", "expectedVersion": "latest", "events": [{"eventType": "ItemAdded", "data": {}}]}
    Then the answer is a Validation error naming "expectedVersion"

  Scenario: A page limit outside its range is refused naming the range
    When the query function is asked {"op": "readStream", "streamId": "once-j-{run}", "limit": 0}
    Then the answer is a Validation error naming "limit"
    And the error message says "from 1 to 1000"
