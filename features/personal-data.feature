Feature: Personal data: sealed on append, erased on every path once its subject is forgotten
  The functions run with fixtures/event-types.json: a CustomerRegistered event's name, email and
  address and a CustomerContactChanged event's email and phone are the personal data of the
  customer its customerId names. They are stored sealed under that customer's key (the local
  keys table, wrapped by the local KMS key) and read back whole until the customer is forgotten;
  from then on every path reads them as "[erased]" and everything else in each event as it was.
  The read model "customers" copies them, as a projection of real users' would. Ids ending in
  {run} are fresh per scenario.

  Scenario: A forgotten customer's personal values are gone from query, api, esctl, read models, rebuilds and republishes
    Given a queue subscribed to source "event-store.replay" on the store's bus
    When the persister is asked {"streamId": "customers-{run}", "expectedVersion": 0, "events": [{"eventType": "CustomerRegistered", "data": {"customerId": "ada-{run}", "name": "Ada Lovelace", "email": "ada@example.com", "address": {"city": "London"}, "plan": "gold"}}, {"eventType": "CustomerRegistered", "data": {"customerId": "charles-{run}", "name": "Charles Babbage", "email": "charles@example.com", "address": {"city": "Walworth"}, "plan": "silver"}}]}
    Then the answer gives versions 1, 2
    And read model "customers" comes to hold {"customerId": "ada-{run}", "name": "Ada Lovelace", "email": "ada@example.com", "plan": "gold"} at key "ada-{run}"
    When the query function is asked {"op": "readStream", "streamId": "customers-{run}"}
    Then event 1 of the answer has data {"customerId": "ada-{run}", "name": "Ada Lovelace", "email": "ada@example.com", "address": {"city": "London"}, "plan": "gold"}

    When the api is asked POST "/subjects/ada-{run}/forget?by=dpo@example.com"
    Then the api's answer says 1 key of "ada-{run}" was forgotten
    When the query function is asked {"op": "readStream", "streamId": "erasure-ada-{run}"}
    Then the answer holds versions 1
    And event 1 of the answer is a "SubjectForgotten" of "ada-{run}"
    And event 1 of the answer was asked for by "dpo@example.com"

    When the query function is asked {"op": "readStream", "streamId": "customers-{run}"}
    Then event 1 of the answer has data {"customerId": "ada-{run}", "name": "[erased]", "email": "[erased]", "address": "[erased]", "plan": "gold"}
    And event 2 of the answer has data {"customerId": "charles-{run}", "name": "Charles Babbage", "email": "charles@example.com", "address": {"city": "Walworth"}, "plan": "silver"}
    When the query function is asked {"op": "loadState", "streamId": "customers-{run}"}
    Then the answer says nothing of "Ada Lovelace", "ada@example.com" or "London"
    When the api is asked GET "/streams/customers-{run}"
    Then event 1 of the answer has data {"customerId": "ada-{run}", "name": "[erased]", "email": "[erased]", "address": "[erased]", "plan": "gold"}
    And the answer says nothing of "Ada Lovelace", "ada@example.com" or "London"
    When esctl is run with "--json read customers-{run}"
    Then event 1 of the answer has data {"customerId": "ada-{run}", "name": "[erased]", "email": "[erased]", "address": "[erased]", "plan": "gold"}
    And event 2 of the answer has data {"customerId": "charles-{run}", "name": "Charles Babbage", "email": "charles@example.com", "address": {"city": "Walworth"}, "plan": "silver"}
    And read model "customers" comes to hold {"customerId": "ada-{run}", "name": "[erased]", "email": "[erased]", "plan": "gold"} at key "ada-{run}"

    When the replay function is asked {"op": "rebuild", "models": ["customers"]}
    Then the replay is complete
    And read model "customers" comes to hold {"customerId": "ada-{run}", "name": "[erased]", "email": "[erased]", "plan": "gold"} at key "ada-{run}"
    And read model "customers" comes to hold {"customerId": "charles-{run}", "name": "Charles Babbage", "email": "charles@example.com", "plan": "silver"} at key "charles-{run}"

    When the replay function is asked {"op": "republish", "filter": {"streamId": "customers-{run}"}}
    Then the replay is complete, having done 2 events
    And 2 replays of stream "customers-{run}" arrive on that queue, each naming its original event
    And what arrived on that queue says "Charles Babbage" and nothing of "Ada Lovelace", "ada@example.com" or "London"

  Scenario: esctl forgets a subject, forgetting again records nothing more, and what comes after is stored erased
    When the persister is asked {"streamId": "customers-{run}", "expectedVersion": 0, "events": [{"eventType": "CustomerContactChanged", "data": {"customerId": "grace-{run}", "email": "grace@example.com", "phone": "+1 555 0100"}}]}
    Then the answer gives versions 1
    When esctl is run with "--json forget grace-{run} --by dpo@example.com"
    Then the answer says 1 key of "grace-{run}" was forgotten
    When esctl is run with "--json forget grace-{run}"
    Then the answer says 0 keys of "grace-{run}" were forgotten, already recorded
    When the query function is asked {"op": "readStream", "streamId": "customers-{run}"}
    Then event 1 of the answer has data {"customerId": "grace-{run}", "email": "[erased]", "phone": "[erased]"}
    When the query function is asked {"op": "readStream", "streamId": "erasure-grace-{run}"}
    Then the answer holds versions 1
    When the persister is asked {"streamId": "customers-{run}", "expectedVersion": 1, "events": [{"eventType": "CustomerContactChanged", "data": {"customerId": "grace-{run}", "email": "grace@new.example.com", "phone": "+1 555 0199"}}]}
    Then the answer gives versions 2
    When the query function is asked {"op": "readStream", "streamId": "customers-{run}"}
    Then event 2 of the answer has data {"customerId": "grace-{run}", "email": "[erased]", "phone": "[erased]"}
    And the answer says nothing of "grace@new.example.com" or "+1 555 0199"

  Scenario: Only the store records a forget and seals values
    When the persister is asked {"streamId": "erasure-mallory-{run}", "expectedVersion": 0, "events": [{"eventType": "SubjectForgotten", "data": {"subjectId": "mallory-{run}", "keyIds": []}}]}
    Then the answer is a Validation error naming "events[0].eventType"
    When the persister is asked {"streamId": "customers-{run}", "expectedVersion": 0, "events": [{"eventType": "CustomerNoted", "data": {"note": {"$sealed": {"subject": "ada", "key": "k", "nonce": "n", "ciphertext": "c"}}}}]}
    Then the answer is a Validation error naming "events[0].data/note"
    When the query function is asked {"op": "readStream", "streamId": "customers-{run}"}
    Then the answer holds no events
