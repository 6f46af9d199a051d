Feature: Projections from the table's stream
  The projector reads the events table's DynamoDB stream (the records of real appends, as the
  local endpoint's Streams API gives them) and keeps read models and stream summaries, applying
  each stored event exactly once whatever the delivery.

  Background:
    Given these events in stream "poc-1":
      | eventType           | data                           |
      | ITEM_CREATED        | {"itemId": "1", "amount": 225} |
      | ITEM_CREATED        | {"itemId": "2", "amount": 10}  |
      | ITEM_AMOUNT_CHANGED | {"itemId": "1", "amount": 500} |
      | ITEM_DELETED        | {"itemId": "2"}                |

  Scenario: Seed 003's items list follows the stream
    When the projector receives the stream's records
    Then read model "testItems" lists {"itemId": "1", "amount": 500} only
    And the summary of stream "poc-1" says version 4 after 4 events

  Scenario: The same records delivered twice change nothing
    When the projector receives the stream's records 2 times
    Then read model "testItems" lists {"itemId": "1", "amount": 500} only
    And the summary of stream "poc-1" says version 4 after 4 events

  Scenario: Records out of order are applied in version order
    When the projector receives the stream's records in reverse order
    Then read model "testItems" lists {"itemId": "1", "amount": 500} only
    And the summary of stream "poc-1" says version 4 after 4 events
