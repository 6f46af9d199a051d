Feature: Replays, end to end
  The replay function re-publishes stored events to the bus, marked as replays of their originals,
  and rebuilds read models into new generations that go live once complete. It runs under the
  local stack that `make dev` runs and is asked through the Lambda Invoke API, as on AWS. Ids
  ending in {run} are fresh per scenario.

  Scenario: A stream re-published to the bus arrives marked as replays and is never stored again
    Given a queue subscribed to source "event-store.replay" on the store's bus
    When these events are published on the bus, each stored before the next:
      | stream         | source | detail-type         | detail                                                           |
      | replay-{run}   | poc    | ITEM_CREATED        | {"streamId": "replay-{run}", "itemId": "r-{run}", "amount": 1}   |
      | replay-{run}   | poc    | ITEM_AMOUNT_CHANGED | {"streamId": "replay-{run}", "itemId": "r-{run}", "amount": 2}   |
    And the replay function is asked {"op": "republish", "filter": {"streamId": "replay-{run}"}}
    Then the replay is complete, having done 2 events
    And 2 replays of stream "replay-{run}" arrive on that queue, each naming its original event
    And once the ingest queue is drained, stream "replay-{run}" holds 2 events

  Scenario: A dry run counts what a republish would send
    When these events are published on the bus, each stored before the next:
      | stream       | source | detail-type  | detail                                                         |
      | dry-{run}    | poc    | ITEM_CREATED | {"streamId": "dry-{run}", "itemId": "d-{run}", "amount": 1}    |
    And the replay function is asked {"op": "republish", "filter": {"streamId": "dry-{run}"}, "dryRun": true}
    Then the answer counts 1 event

  Scenario: A rebuilt read model answers as the live one did, while the pipeline keeps running
    When these events are published on the bus, each stored before the next:
      | stream          | source | detail-type         | detail                                                              |
      | rebuilt-{run}   | poc    | ITEM_CREATED        | {"streamId": "rebuilt-{run}", "itemId": "x-{run}", "amount": 225}   |
      | rebuilt-{run}   | poc    | ITEM_CREATED        | {"streamId": "rebuilt-{run}", "itemId": "y-{run}", "amount": 10}    |
      | rebuilt-{run}   | poc    | ITEM_AMOUNT_CHANGED | {"streamId": "rebuilt-{run}", "itemId": "x-{run}", "amount": 500}   |
      | rebuilt-{run}   | poc    | ITEM_DELETED        | {"streamId": "rebuilt-{run}", "itemId": "y-{run}"}                  |
    Then read model "testItems" comes to hold nothing at key "y-{run}"
    When the replay function is asked {"op": "rebuild", "models": ["testItems"], "segments": 2}
    Then the replay is complete
    And the replay function's progress of that replay says complete
    And read model "testItems" comes to hold {"itemId": "x-{run}", "amount": 500} at key "x-{run}"
    And read model "testItems" comes to hold nothing at key "y-{run}"
