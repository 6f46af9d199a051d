Feature: Correlated transactions
  Seed 000: an account's release and maintenance cycles are followed per account; each cycle
  instance is in progress, complete or partial, and a completed one is metered on the bus.

  Scenario: A maintenance cycle completes and is metered
    Given these events in stream "111111111111":
      | eventType       | eventTime            |
      | ExpiredAccount  | 2024-02-01T08:00:00Z |
      | PurgedAccount   | 2024-02-01T08:05:00Z |
      | PreparedAccount | 2024-02-01T08:10:00Z |
      | ReleasedAccount | 2024-02-01T08:12:00Z |
    When the projector receives the stream's records
    Then the most recent "account-maintenance" window of "111111111111" is complete
    And a metering event for "account-maintenance" of "111111111111" lasting 720 seconds reaches the bus

  Scenario: A release cycle completes and is metered
    Given these events in stream "444444444444":
      | eventType       | eventTime            |
      | CreatedAccount  | 2024-02-01T08:00:00Z |
      | PreparedAccount | 2024-02-01T08:03:00Z |
      | ReleasedAccount | 2024-02-01T08:04:00Z |
    When the projector receives the stream's records
    Then the most recent "account-release" window of "444444444444" is complete
    And a metering event for "account-release" of "444444444444" lasting 240 seconds reaches the bus

  Scenario: A maintenance cycle with a missing step is partial
    Given these events in stream "222222222222":
      | eventType       | eventTime            |
      | ExpiredAccount  | 2024-02-01T08:00:00Z |
      | PreparedAccount | 2024-02-01T08:10:00Z |
    When the projector receives the stream's records
    Then the most recent "account-maintenance" window of "222222222222" is partial: "PurgedAccount missing before PreparedAccount"

  Scenario: A cycle still running is in progress
    Given these events in stream "333333333333":
      | eventType      | eventTime            |
      | CreatedAccount | 2024-02-01T08:00:00Z |
    When the projector receives the stream's records
    Then the most recent "account-release" window of "333333333333" is inProgress
