//! A request and its answer as the handler sees them, apart from any transport: `lambda_http`
//! (API Gateway) and `api-local` (hyper) both turn theirs into these.

use serde_json::Value;

/// One HTTP request.
#[derive(Debug, Clone, Default)]
pub struct ApiRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path without the stage (`/streams/account-1`), percent-encoded as received.
    pub path: String,
    /// The query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The body's bytes (empty when none).
    pub body: Vec<u8>,
    /// The `Idempotency-Key` header, as sent.
    pub idempotency_key: Option<String>,
    /// Who sent it, as the front door authenticated them (API Gateway's IAM caller ARN); none
    /// locally.
    pub caller: Option<String>,
    /// The API Gateway resource that took the request (`/{proxy+}`, or a route declared on its
    /// own such as the forget route); none locally.
    pub resource: Option<String>,
}

impl ApiRequest {
    /// A request of `method` to `path` (which may carry `?query`), with no body.
    pub fn new(method: &str, path_and_query: &str) -> Self {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        ApiRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            query: parse_query(query),
            body: Vec::new(),
            idempotency_key: None,
            caller: None,
            resource: None,
        }
    }

    /// The same request with `key` as its `Idempotency-Key`.
    pub fn with_idempotency_key(mut self, key: &str) -> Self {
        self.idempotency_key = Some(key.to_owned());
        self
    }

    /// The same request as sent by `caller`.
    pub fn with_caller(mut self, caller: &str) -> Self {
        self.caller = Some(caller.to_owned());
        self
    }

    /// The same request as taken by API Gateway's resource `resource`.
    pub fn through_resource(mut self, resource: &str) -> Self {
        self.resource = Some(resource.to_owned());
        self
    }

    /// The same request with `body` as JSON.
    pub fn with_json(mut self, body: &Value) -> Self {
        self.body = serde_json::to_vec(body).expect("JSON serializes");
        self
    }

    /// The first value of query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// One answer: a status, extra headers, a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    /// The HTTP status.
    pub status: u16,
    /// Headers besides `content-type: application/json`.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Value,
}

impl ApiResponse {
    /// `body` with `status`.
    pub fn json(status: u16, body: Value) -> Self {
        ApiResponse {
            status,
            headers: Vec::new(),
            body,
        }
    }

    /// As an HTTP response with its JSON text as the body (what `lambda_http` and hyper serve,
    /// each with its own body type).
    pub fn into_http(self) -> http::Response<String> {
        let mut builder = http::Response::builder()
            .status(self.status)
            .header("content-type", "application/json");
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        builder
            .body(self.body.to_string())
            .expect("a status and headers the handler chose")
    }

    /// The same answer with header `name: value`.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// `a=1&b=x%20y` as pairs, `+` and percent escapes decoded.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                decode(&key.replace('+', " ")),
                decode(&value.replace('+', " ")),
            )
        })
        .collect()
}

/// Percent-decodes `text`; an escape that is not one stays as it is.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let escape = (bytes[at] == b'%')
            .then(|| bytes.get(at + 1..at + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escape {
            Some(byte) => {
                decoded.push(byte);
                at += 3;
            }
            None => {
                decoded.push(bytes[at]);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_decoded() {
        let request = ApiRequest::new(
            "GET",
            "/events?eventType=Item%20Created&from=2024-01-01T00%3A00%3A00Z&x+y=a+b&flag",
        );
        assert_eq!(request.path, "/events");
        assert_eq!(request.param("eventType"), Some("Item Created"));
        assert_eq!(request.param("from"), Some("2024-01-01T00:00:00Z"));
        assert_eq!(request.param("x y"), Some("a b"));
        assert_eq!(request.param("flag"), Some(""));
        assert_eq!(request.param("to"), None);
    }

    #[test]
    fn a_broken_escape_stays_as_written() {
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz%41"), "%zzA");
        assert_eq!(decode("account%3A1%23x"), "account:1#x");
    }
}
