Feature: Appending events
  Events are appended to a stream with optimistic concurrency: the writer says which version it
  expects the stream to be at, and the store refuses the append when another writer got there
  first. Appends are atomic and idempotent by event id.

  Background:
    Given a new stream

  Scenario: The first events of a stream get versions from 1
    When I append "ITEM_CREATED" and "ITEM_AMOUNT_CHANGED" expecting no stream
    Then the append succeeds with versions 1 to 2
    And the stream holds 2 events

  Scenario: Appending at a known version is one request and no read
    Given the stream holds 3 events
    When I append "ITEM_DELETED" expecting version 3
    Then the append succeeds with versions 4 to 4
    And it took 1 request: TransactWriteItems

  Scenario: A stale expected version conflicts and names the actual version
    Given the stream holds 3 events
    When I append "ITEM_DELETED" expecting version 1
    Then the append fails with a conflict: expected 1, actual 3
    And the stream holds 3 events

  Scenario: Retrying an append is a no-op
    Given I appended event "evt-1" expecting no stream
    When I append event "evt-1" expecting no stream
    Then the append is reported as a duplicate at version 1
    And the stream holds 1 event

  Scenario: An event redelivered without an expected version is stored once
    When I append event "bus-1" expecting any version 3 times
    Then the stream holds 1 event

  Scenario: A batch is all or nothing
    Given the stream holds 2 events
    When I append a batch of 3 events expecting version 1
    Then the append fails with a conflict: expected 1, actual 2
    And the stream holds 2 events

  Scenario: An event over DynamoDB's item limit is rejected before anything is sent
    When I append an event with 410 KB of data expecting any version
    Then the append fails as too large, naming the event
    And no request was sent

  Scenario Outline: Invalid input is rejected naming the field
    When I submit an append with <field> set to "<value>"
    Then the append is rejected as invalid, naming "<field>"

    Examples:
      | field           | value     |
      | streamId        |           |
      | streamId        | $reserved |
      | eventType       |           |
      | eventId         | a b       |
      | expectedVersion | latest    |
