//! Files on disk for the core's types: a scene file and the data files it names. The core
//! (`scene`, `regression`) reads text through a [`ReadFile`](crate::scene::ReadFile); the
//! platform rooms (command line, window, Python) read from disk through these.

use std::path::Path;

use crate::regression::{DataError, Dataset};
use crate::scene::{Scene, SceneError};

impl Scene {
    pub fn load(path: &Path) -> Result<Self, SceneError> {
        let file = path.display().to_string();
        let src = std::fs::read_to_string(path).map_err(|e| SceneError {
            file: file.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read the scene file: {e}"),
            snippet: String::new(),
        })?;
        Self::parse(&file, &src)
    }

    /// Parses scene text; `file` names it in errors, and the files it names are read from disk
    /// relative to it.
    pub fn parse(file: &str, src: &str) -> Result<Self, SceneError> {
        Self::parse_with(file, src, &|p| std::fs::read_to_string(p))
    }
}

impl Dataset {
    /// A CSV file with columns x and y (a header line naming them is optional).
    pub fn from_csv(path: &Path) -> Result<Self, DataError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| DataError::Read {
            file: file.clone(),
            source,
        })?;
        Self::parse_csv(&file, &text)
    }
}
