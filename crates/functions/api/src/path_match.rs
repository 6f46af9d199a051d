//! Finds the route of a request: the path matched segment by segment against each template,
//! `{name}` capturing one segment (percent-decoded), a seed's alias rewritten to the path it
//! stands for.

use crate::api_request::decode;
use crate::routes::{RouteSpec, ROUTES};

/// What the router found for a method and path.
#[derive(Debug)]
pub enum Matched {
    /// The route and the path parameters it captured.
    Route(&'static RouteSpec, Vec<(&'static str, String)>),
    /// The path exists, not with this method: these are the ones it takes.
    WrongMethod(Vec<&'static str>),
    /// No route has this path.
    NoRoute,
}

/// The route for `method` and `path`.
pub fn find(method: &str, path: &str) -> Matched {
    let path = path.trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    let mut methods = Vec::new();
    for spec in ROUTES {
        let Some(captures) = captures(spec.path, path) else {
            continue;
        };
        if spec.method != method {
            methods.push(spec.method);
            continue;
        }
        return match spec.alias_of {
            Some(target) => find(method, target),
            None => Matched::Route(spec, captures),
        };
    }
    if methods.is_empty() {
        Matched::NoRoute
    } else {
        Matched::WrongMethod(methods)
    }
}

/// The `{name}` segments of `template` in `path`, or `None` when it does not match.
fn captures(template: &'static str, path: &str) -> Option<Vec<(&'static str, String)>> {
    let mut found = Vec::new();
    let mut wanted = template.split('/');
    let mut given = path.split('/');
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return Some(found),
            (Some(segment), Some(value)) => {
                if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    if value.is_empty() {
                        return None;
                    }
                    found.push((name, decode(value)));
                } else if segment != value {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::Operation;

    fn operation(method: &str, path: &str) -> (Operation, Vec<(&'static str, String)>) {
        match find(method, path) {
            Matched::Route(spec, captures) => (spec.operation, captures),
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn paths_find_their_routes_and_capture_decoded_segments() {
        assert_eq!(operation("POST", "/events").0, Operation::AppendEvents);
        assert_eq!(operation("GET", "/events").0, Operation::FindEvents);
        assert_eq!(
            operation("GET", "/events/e-1"),
            (Operation::EventById, vec![("eventId", "e-1".to_owned())])
        );
        assert_eq!(
            operation("GET", "/streams/account%3A1"),
            (
                Operation::ReadStream,
                vec![("streamId", "account:1".to_owned())]
            )
        );
        assert_eq!(
            operation("GET", "/streams/a/state").0,
            Operation::StreamState
        );
        assert_eq!(
            operation("GET", "/read-models/testItems/1").1,
            vec![("model", "testItems".to_owned()), ("key", "1".to_owned())]
        );
        assert_eq!(
            operation("GET", "/replays/r-1/").0,
            Operation::ReplayProgress
        );
    }

    #[test]
    fn seed_003s_paths_are_the_routes_they_stand_for() {
        assert_eq!(operation("POST", "/addEvent").0, Operation::AppendEvents);
        assert_eq!(
            operation("GET", "/listTestItems"),
            (
                Operation::ListReadModel,
                vec![("model", "testItems".to_owned())]
            )
        );
        assert_eq!(operation("POST", "/replay").0, Operation::StartReplay);
    }

    #[test]
    fn a_known_path_with_another_method_names_the_methods_it_takes() {
        assert!(
            matches!(find("DELETE", "/events"), Matched::WrongMethod(m) if m == ["POST", "GET"])
        );
        assert!(matches!(find("GET", "/nowhere"), Matched::NoRoute));
        assert!(matches!(find("GET", "/streams/"), Matched::NoRoute));
        assert!(matches!(find("GET", "/streams/a/b/c"), Matched::NoRoute));
    }
}
