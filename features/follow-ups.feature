Feature: Follow-up events
  Seed 001: an event whose type matches a rule causes a follow-up carrying the source's DOMAIN,
  published by the projector from the stream, so it exists only if its source was stored.

  Scenario: An updated event causes a validatable event carrying its domain
    Given these events in stream "mbocdp-1":
      | eventType            | data                                          |
      | CustomerUpdatedEvent | {"DOMAIN": "customer", "name": "Ada"}         |
    When the projector receives the stream's records
    Then a "ValidatableEvent" follow-up of stream "mbocdp-1" with DOMAIN "customer" reaches the bus

  Scenario: A rule set that could loop is refused when settings load
    When the projector settings have the follow-up rule "*Event" to "ValidatableEvent"
    Then loading them fails saying the rules could loop
