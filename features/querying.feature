Feature: Querying through the query function
  Clients read streams, single events, events across streams and states by Lambda invoke with
  `{"op": ...}`; errors come back as typed payloads.

  Background:
    Given the persister was invoked with "streams/account-123.json"

  Scenario: Seed 004's account balance is reconstructed
    When the query function is asked {"queryType": "reconstructState", "aggregateId": "account-123"}
    Then the answer's state balance is 70.25 at version 3

  Scenario: Seed 004's own request shape takes a version too
    When the query function is asked {"queryType": "reconstructState", "aggregateId": "account-123", "atVersion": 1}
    Then the answer's state balance is 0 at version 1

  Scenario: Seed 004's account as it was after its deposit, and as the store held it at a time
    When the query function is asked {"op": "loadState", "streamId": "account-123", "atVersion": 2}
    Then the answer's state balance is 100.5 at version 2
    When the query function is asked {"op": "loadState", "streamId": "account-123", "atTime": "2999-01-01T00:00:00Z"}
    Then the answer's state balance is 70.25 at version 3

  Scenario: State as of a version past the stream's end is refused
    When the query function is asked {"op": "loadState", "streamId": "account-123", "atVersion": 4}
    Then the answer is a Validation error
    And the answer's error names "atVersion" and says "past"

  Scenario: A stream reads in pages
    When the query function is asked {"op": "readStream", "streamId": "account-123", "limit": 2}
    Then the answer holds versions 1, 2 and a next page token

  Scenario: Events are found by correlation id
    When the query function is asked {"op": "eventsByCorrelation", "correlationId": "tx-790"}
    Then the answer holds versions 3

  Scenario: An unknown operation is a validation error
    When the query function is asked {"op": "forecast", "streamId": "account-123"}
    Then the answer is a Validation error
