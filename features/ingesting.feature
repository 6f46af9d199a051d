Feature: Ingesting events through the persister
  The persister stores what the bus delivers, through the ingest queue (SQS batches) or a rule
  targeting it directly (one EventBridge event), and what clients append with an expected
  version. Every scenario invokes the function through the Lambda Invoke API.

  Scenario: A batch from the ingest queue fails only its poison messages
    When the persister is invoked with "sqs/ingest-batch-with-poison.json"
    Then the batch item failures are msg-poison-json, msg-poison-no-stream
    And stream "account-123" holds 1 event
    And stream "210987654321" holds 1 event

  Scenario: A redelivered EventBridge event is stored once
    When the persister is invoked with "events/seed-004-account-created.json" 3 times
    Then the answer says duplicate
    And stream "account-123" holds 1 event

  Scenario: Seed 001's events keep their DOMAIN and saga
    When the persister is invoked with "events/seed-001-customer-updated.json"
    Then event 1 of stream "mbocdp-77" has aggregate type "customer" and correlation id "saga-2024-03-10-001"

  Scenario: A direct append with a stale expected version is a conflict
    Given the persister was invoked with "invoke/append-command.json"
    When the persister is invoked with "invoke/append-stale.json"
    Then the answer is a Conflict error, expected 1 and actual 2

  Scenario: Seed 004's command shape is accepted as it is
    When the persister is invoked with "invoke/seed-004-command.json"
    Then the answer gives versions 1
