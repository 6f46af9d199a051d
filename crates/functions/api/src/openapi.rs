//! The OpenAPI 3 document of the api, made from the route table: paths, parameters, bodies and
//! statuses as the router serves them, the error payload and the request bodies as schemas.
//! `docs/openapi.json` is this document checked in (a test fails when they differ).

use serde_json::{json, Map, Value};

use crate::routes::{In, ROUTES};

/// The document.
pub fn openapi_document() -> Value {
    let mut paths = Map::new();
    for spec in ROUTES.iter().filter(|spec| spec.alias_of.is_none()) {
        let parameters: Vec<Value> = spec
            .params
            .iter()
            .map(|param| {
                json!({
                    "name": param.name,
                    "in": match param.location { In::Path => "path", In::Query => "query", In::Header => "header" },
                    "required": param.location == In::Path,
                    "description": param.description,
                    "schema": {"type": param.kind},
                })
            })
            .collect();
        let mut responses = Map::new();
        for (status, meaning) in spec.statuses {
            let schema = if *status >= 400 {
                json!({"$ref": "#/components/schemas/Error"})
            } else {
                json!({"type": "object"})
            };
            let mut response = json!({
                "description": meaning,
                "content": {"application/json": {"schema": schema}},
            });
            if *status == 503 {
                response["headers"] = json!({"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait before trying again"}});
            }
            responses.insert(status.to_string(), response);
        }
        let aliases: Vec<String> = ROUTES
            .iter()
            .filter(|alias| alias.alias_of == Some(spec.path) && alias.method == spec.method)
            .map(|alias| format!("{} {}", alias.method, alias.path))
            .collect();
        let mut operation = json!({
            "operationId": spec.operation_id,
            "summary": spec.summary,
            "parameters": parameters,
            "responses": responses,
        });
        if !aliases.is_empty() {
            operation["description"] =
                json!(format!("Also served as seed 003's {}.", aliases.join(", ")));
        }
        if let Some(body) = spec.body {
            operation["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{body}")}}},
            });
        }
        let entry = paths.entry(spec.path).or_insert_with(|| json!({}));
        entry[spec.method.to_lowercase()] = operation;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Serverless event store",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The event store's REST interface (the api function behind API Gateway). Errors carry a stable type, the same as the functions' payloads.",
        },
        "components": {
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"}},
            "schemas": schemas(),
        },
        "security": [{"apiKey": []}],
        "paths": paths,
    })
}

fn schemas() -> Value {
    json!({
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {
                "type": "object",
                "required": ["type", "message", "retryable"],
                "properties": {
                    "type": {"type": "string", "enum": ["Validation", "NotFound", "MethodNotAllowed", "Conflict", "TooLarge", "IdReused", "PartlyStored", "Unavailable", "NotWriteRegion", "Expired", "Corrupt", "AccessDenied", "ResourceNotFound", "Refused"]},
                    "message": {"type": "string"},
                    "retryable": {"type": "boolean"},
                    "field": {"type": "string", "description": "Validation: what is wrong"},
                    "expected": {"description": "Conflict: the expected version"},
                    "actual": {"type": "integer", "description": "Conflict: the stream's version"},
                    "storedIn": {"type": "object", "description": "IdReused: where the id is stored"},
                    "bytes": {"type": "integer", "description": "TooLarge: the item's size"},
                    "limit": {"type": "integer", "description": "TooLarge: the limit"},
                    "writeRegion": {"type": "string", "description": "NotWriteRegion: where appends go"},
                },
            }},
        },
        "NewEvent": {
            "type": "object",
            "required": ["eventType"],
            "properties": {
                "eventId": {"type": "string", "description": "the producer's id: a retry with it is stored once"},
                "eventType": {"type": "string"},
                "aggregateType": {"type": "string"},
                "eventTime": {"type": "string", "format": "date-time"},
                "data": {},
                "metadata": {"type": "object"},
            },
        },
        "AppendCommand": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["streamId", "events"],
                    "properties": {
                        "streamId": {"type": "string"},
                        "expectedVersion": {"description": "a version, \"any\", \"noStream\" or \"streamExists\""},
                        "events": {"type": "array", "items": {"$ref": "#/components/schemas/NewEvent"}},
                    },
                },
                {
                    "type": "object",
                    "description": "seed 003's single event",
                    "required": ["streamId", "type"],
                    "properties": {"streamId": {"type": "string"}, "type": {"type": "string"}, "data": {}, "eventId": {"type": "string"}},
                },
                {
                    "type": "object",
                    "description": "seed 004's single event",
                    "required": ["aggregateId", "eventType"],
                    "properties": {"aggregateId": {"type": "string"}, "eventType": {"type": "string"}, "eventData": {}, "eventId": {"type": "string"}},
                },
            ],
        },
        "ReplayRequest": {
            "type": "object",
            "required": ["op"],
            "properties": {
                "op": {"type": "string", "enum": ["republish", "rebuild"]},
                "filter": {"type": "object", "properties": {
                    "streamId": {"type": "string"}, "aggregateType": {"type": "string"}, "eventType": {"type": "string"},
                    "from": {"type": "string", "format": "date-time"}, "to": {"type": "string", "format": "date-time"},
                }},
                "models": {"type": "array", "items": {"type": "string"}},
                "segments": {"type": "integer"},
                "eventsPerSecond": {"type": "number"},
                "dryRun": {"type": "boolean"},
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented_with_its_parameters_and_statuses() {
        let document = openapi_document();
        for spec in ROUTES.iter().filter(|spec| spec.alias_of.is_none()) {
            let operation = &document["paths"][spec.path][spec.method.to_lowercase()];
            assert_eq!(operation["operationId"], spec.operation_id, "{}", spec.path);
            for param in spec.params {
                assert!(
                    operation["parameters"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|p| p["name"] == param.name),
                    "{} {}",
                    spec.path,
                    param.name
                );
            }
            for (status, _) in spec.statuses {
                assert!(operation["responses"][status.to_string()].is_object());
            }
        }
        assert!(
            document["paths"]["/addEvent"].is_null(),
            "aliases are not paths of their own"
        );
        assert!(document["paths"]["/events"]["post"]["description"]
            .as_str()
            .unwrap()
            .contains("/addEvent"));
    }
}
