//! Where the stream mapping has got to in each shard, kept in a JSON file so that a restarted
//! mapping resumes after the last record it processed instead of from the start.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::LocalStackError;

/// Sequence number of the last processed record, per stream ARN and shard id.
#[derive(Debug)]
pub struct Checkpoints {
    path: PathBuf,
    positions: BTreeMap<String, BTreeMap<String, String>>,
}

impl Checkpoints {
    /// The checkpoints in `path` (none yet if the file does not exist).
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, LocalStackError> {
        let path = path.into();
        let positions = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| failure(&path, e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(failure(&path, e)),
        };
        Ok(Self { path, positions })
    }

    /// The last processed sequence number in `shard` of `stream`.
    pub fn get(&self, stream: &str, shard: &str) -> Option<&str> {
        self.positions.get(stream)?.get(shard).map(String::as_str)
    }

    /// Records `sequence` as processed and writes the file (atomically: a temporary file renamed).
    pub fn save(
        &mut self,
        stream: &str,
        shard: &str,
        sequence: &str,
    ) -> Result<(), LocalStackError> {
        self.positions
            .entry(stream.to_owned())
            .or_default()
            .insert(shard.to_owned(), sequence.to_owned());
        let text = serde_json::to_string_pretty(&self.positions).expect("strings serialize");
        let temporary = self.path.with_extension("json.tmp");
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| failure(&self.path, e))?;
        }
        std::fs::write(&temporary, text).map_err(|e| failure(&temporary, e))?;
        std::fs::rename(&temporary, &self.path).map_err(|e| failure(&self.path, e))
    }
}

fn failure(path: &Path, error: impl std::fmt::Display) -> LocalStackError {
    LocalStackError::Checkpoint {
        path: path.display().to_string(),
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_position_is_there_after_reopening() {
        let dir = std::env::temp_dir().join(format!("checkpoints-test-{}", std::process::id()));
        let path = dir.join("checkpoints.json");
        let _ = std::fs::remove_file(&path);
        let mut checkpoints = Checkpoints::open(&path).unwrap();
        assert_eq!(checkpoints.get("arn", "shard-1"), None);
        checkpoints.save("arn", "shard-1", "100").unwrap();
        checkpoints.save("arn", "shard-1", "200").unwrap();
        let reopened = Checkpoints::open(&path).unwrap();
        assert_eq!(reopened.get("arn", "shard-1"), Some("200"));
        assert_eq!(reopened.get("other", "shard-1"), None);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_unreadable_file_is_an_error_naming_it() {
        let path =
            std::env::temp_dir().join(format!("checkpoints-bad-{}.json", std::process::id()));
        std::fs::write(&path, "not json").unwrap();
        let error = Checkpoints::open(&path).unwrap_err();
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{error}"
        );
        std::fs::remove_file(path).unwrap();
    }
}
