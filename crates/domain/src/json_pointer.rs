//! JSON pointers (RFC 6901) into an event's data: read, take out and put in, as upcasts and
//! personal-data rules address fields.

use serde_json::{Map, Value};

/// A parsed JSON pointer: its reference tokens, unescaped (`~1` is `/`, `~0` is `~`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPointer {
    text: String,
    tokens: Vec<String>,
}

impl JsonPointer {
    /// Parses `text`, which is empty (the whole value) or starts with `/`; the error says why.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Ok(JsonPointer {
                text: String::new(),
                tokens: Vec::new(),
            });
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!(
                "{text:?} is not a JSON pointer: it must start with /"
            ));
        };
        let tokens = rest
            .split('/')
            .map(|token| token.replace("~1", "/").replace("~0", "~"))
            .collect();
        Ok(JsonPointer {
            text: text.to_owned(),
            tokens,
        })
    }

    /// The pointer as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The value it points at in `root`, if any.
    pub fn get<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        self.tokens
            .iter()
            .try_fold(root, |value, token| step(value, token))
    }

    /// The value it points at in `root`, for changing in place.
    pub fn get_mut<'v>(&self, root: &'v mut Value) -> Option<&'v mut Value> {
        self.tokens
            .iter()
            .try_fold(root, |value, token| match value {
                Value::Object(map) => map.get_mut(token),
                Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
                _ => None,
            })
    }

    /// Removes and returns the value it points at (an object member or an array item).
    pub fn take(&self, root: &mut Value) -> Option<Value> {
        let (last, parents) = self.tokens.split_last()?;
        let mut parent = root;
        for token in parents {
            parent = match parent {
                Value::Object(map) => map.get_mut(token)?,
                Value::Array(items) => items.get_mut(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        match parent {
            Value::Object(map) => map.remove(last),
            Value::Array(items) => {
                let index = last.parse::<usize>().ok().filter(|i| *i < items.len())?;
                Some(items.remove(index))
            }
            _ => None,
        }
    }

    /// Puts `value` where it points, making the objects on the way that are missing; false
    /// (and `root` unchanged) when something on the way is neither an object nor missing.
    pub fn put(&self, root: &mut Value, value: Value) -> bool {
        let Some((last, parents)) = self.tokens.split_last() else {
            *root = value;
            return true;
        };
        let mut parent = root;
        for token in parents {
            let Value::Object(map) = parent else {
                return false;
            };
            parent = map
                .entry(token.clone())
                .or_insert_with(|| Value::Object(Map::new()));
        }
        match parent {
            Value::Object(map) => {
                map.insert(last.clone(), value);
                true
            }
            _ => false,
        }
    }

    /// The same pointer with its last token replaced by `name` (a rename in place).
    pub fn with_last(&self, name: &str) -> Option<JsonPointer> {
        let (_, parents) = self.tokens.split_last()?;
        let mut tokens = parents.to_vec();
        tokens.push(name.to_owned());
        let text = tokens
            .iter()
            .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
            .collect();
        Some(JsonPointer { text, tokens })
    }
}

fn step<'v>(value: &'v Value, token: &str) -> Option<&'v Value> {
    match value {
        Value::Object(map) => map.get(token),
        Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pointer_reads_takes_and_puts() {
        let mut data = json!({"customer": {"name": "Ada", "tags": ["a", "b"]}, "a/b": 1});
        let name = JsonPointer::parse("/customer/name").unwrap();
        assert_eq!(name.get(&data), Some(&json!("Ada")));
        assert_eq!(name.take(&mut data), Some(json!("Ada")));
        assert_eq!(name.get(&data), None);
        assert!(JsonPointer::parse("/customer/full/name")
            .unwrap()
            .put(&mut data, json!("Ada L")));
        assert_eq!(data["customer"]["full"]["name"], "Ada L");
        assert_eq!(
            JsonPointer::parse("/a~1b").unwrap().get(&data),
            Some(&json!(1))
        );
        assert_eq!(
            JsonPointer::parse("/customer/tags/1")
                .unwrap()
                .take(&mut data),
            Some(json!("b"))
        );
    }

    #[test]
    fn a_put_through_a_scalar_changes_nothing() {
        let mut data = json!({"n": 1});
        assert!(!JsonPointer::parse("/n/x").unwrap().put(&mut data, json!(2)));
        assert_eq!(data, json!({"n": 1}));
    }

    #[test]
    fn a_text_without_a_leading_slash_is_refused() {
        assert!(JsonPointer::parse("name")
            .unwrap_err()
            .contains("must start with /"));
    }

    #[test]
    fn a_rename_keeps_the_parents() {
        let pointer = JsonPointer::parse("/a/old")
            .unwrap()
            .with_last("n/ew")
            .unwrap();
        assert_eq!(pointer.as_str(), "/a/n~1ew");
    }
}
