Feature: Event types: schemas on append, upcasts on read
  The functions run with fixtures/event-types.json: seed 002's ProductCreated has a JSON Schema
  for its schema versions 1.0 and 2.0 and an upcast from 1.0 to 2.0 (name renamed title, the
  price moved under price.amount, a currency defaulted). An event that breaks its version's
  schema is refused before anything is written, naming the JSON pointer and the rule; an event
  written as 1.0 is read by every path as 2.0, and stays stored as written.

  Scenario: An event that breaks its schema is refused naming the pointer and the rule
    When the persister is asked {"streamId": "product-{run}", "expectedVersion": 0, "events": [{"eventType": "ProductCreated", "data": {"productId": "p-1", "name": "Lamp", "price": -5}, "metadata": {"schemaVersion": "1.0"}}]}
    Then the answer is a Validation error
    And the answer's error names "events[0].data/price" and says "(minimum)"
    When the query function is asked {"op": "readStream", "streamId": "product-{run}"}
    Then the answer holds no events

  Scenario: A version 1.0 event is read in version 2.0's shape
    When the persister is asked {"streamId": "product-{run}", "expectedVersion": 0, "events": [{"eventType": "ProductCreated", "data": {"productId": "p-1", "name": "Lamp", "price": 12}}]}
    Then the answer gives versions 1
    When the query function is asked {"op": "readStream", "streamId": "product-{run}"}
    Then event 1 of the answer has data {"productId": "p-1", "title": "Lamp", "price": {"amount": 12, "currency": "EUR"}} at schema version 2.0
    When the query function is asked {"op": "getEvent", "streamId": "product-{run}", "version": 1}
    Then the answer has data {"productId": "p-1", "title": "Lamp", "price": {"amount": 12, "currency": "EUR"}} at schema version 2.0
    When the query function is asked {"op": "loadState", "streamId": "product-{run}"}
    Then the answer's state has "title" "Lamp" at version 1

  Scenario: An event of a schema version the file does not know is refused naming it
    When the persister is asked {"streamId": "product-{run}", "expectedVersion": 0, "events": [{"eventType": "ProductCreated", "data": {"productId": "p-1"}, "metadata": {"schemaVersion": "7.0"}}]}
    Then the answer is a Validation error
    And the answer's error names "events[0].metadata.schemaVersion" and says "versions 1.0, 2.0 only"
