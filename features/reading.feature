Feature: Reading events
  A stream reads forward or backward in pages with an opaque token; events of many streams are
  found by aggregate type, event type, correlation id or user id within a time range; a stream's
  state loads from its newest snapshot and the events after it, now or as it was at a version.

  Scenario: Reading forward in pages
    Given a new stream holding 25 events
    When I read the stream forward 10 at a time
    Then I get pages of versions 1-10, 11-20, 21-25

  Scenario: Reading backward in pages
    Given a new stream holding 25 events
    When I read the stream backward 10 at a time
    Then I get pages of versions 25-16, 15-6, 5-1

  Scenario: Reading a version range
    Given a new stream holding 25 events
    When I read versions 5 to 8
    Then I get pages of versions 5-8

  Scenario: Querying by event type within a time range, across streams
    Given events of type "PriceUpdated" at minutes 0, 10, 20, 30 in 3 streams
    When I query events of type "PriceUpdated" between minutes 5 and 25
    Then I get 6 events at minutes 10, 10, 10, 20, 20, 20

  Scenario: Querying by user, newest first
    Given events by user "u-42" at minutes 1, 2, 3 in 1 stream
    When I query events by user "u-42" newest first
    Then I get 3 events at minutes 3, 2, 1

  Scenario: Loading state as it was at a version, from the newest snapshot at or below it
    Given a new stream holding 25 events
    And a snapshot of the stream at version 10
    And a snapshot of the stream at version 20
    When I load the stream's state as of version 15
    Then it took 1 request: Query
    And the state as of 15 is built from the snapshot at 10 and 5 events

  Scenario: Loading state from a snapshot and the events after it
    Given a new stream holding 25 events
    And a snapshot of the stream at version 20
    When I load the stream's state
    Then it took 1 request: Query
    And the state is built from the snapshot at 20 and 5 events
