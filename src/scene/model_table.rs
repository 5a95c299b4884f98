//! `[model]` and `[slice]`: a scene that trains a model on data (`descent run --model` as a
//! file). The optimizers, steps and tol come from `[[optimizer]]` and `[run]` as for a
//! surface; there is no `[surface]` or `[starts]` (the window and `descent render` draw its
//! loss slice, with a `[view]` as any scene's). Every value is checked where it is written;
//! the files it names (a data CSV, an initial-parameter CSV) are read relative to the scene
//! file when it is parsed.
//!
//! ```toml
//! [model]
//! model = "mlp:2-8-1:tanh"
//! loss = "bce"                        # optional: the model's default
//! data = "two-moons:n=200,noise=0.1"  # a built-in set, or a CSV file
//! inits = 1000                        # or init = "init.csv"
//! seed = 0
//! [slice]                             # optional: what `--slice FILE` draws
//! directions = "random:seed=1"       # random[:seed=N], pca, params:A,B
//! around = "final"                    # final | initial [:K]
//! size = "81x81"
//! range = "-1:1,-1:1"
//! ```

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::SceneError;
use crate::model::{Generator, Loss, ModelSpec, ProblemArgs};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ModelSection {
    model: Spanned<String>,
    loss: Option<Spanned<String>>,
    data: Spanned<String>,
    init: Option<Spanned<String>>,
    inits: Option<Spanned<u32>>,
    #[serde(default)]
    seed: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SliceSection {
    directions: Option<String>,
    around: Option<String>,
    size: Option<String>,
    range: Option<String>,
}

/// A model scene's `[model]` and `[slice]`, as the flags would give them.
#[derive(Clone, Debug, Default)]
pub struct ModelScene {
    /// `[model]`: data and init paths as written (relative to the scene file).
    pub args: ProblemArgs,
    /// The texts of the files `data` and `init` name, read with the scene, by those names.
    pub files: Vec<(String, String)>,
    pub slice: SliceScene,
}

/// `[slice]`: the slice flags' values (`--directions`, `--slice-around`, `--slice-size`,
/// `--slice-range`); each is checked against the model when the run is planned.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SliceScene {
    pub directions: Option<String>,
    pub around: Option<String>,
    pub size: Option<String>,
    pub range: Option<String>,
}

impl ModelScene {
    /// Reads the files this scene names (as the run's file reader would): the texts kept
    /// with the scene, else `read`.
    pub fn read<'a>(
        &'a self,
        read: &'a dyn Fn(&str) -> std::io::Result<String>,
    ) -> impl Fn(&str) -> std::io::Result<String> + 'a {
        move |path: &str| match self.files.iter().find(|(name, _)| name == path) {
            Some((_, text)) => Ok(text.clone()),
            None => read(path),
        }
    }
}

type ErrAt<'a> = &'a dyn Fn(Option<Range<usize>>, String) -> SceneError;

/// Checks `[model]` and `[slice]` where they are written and reads the files they name.
pub(super) fn model_scene(
    file: &str,
    m: &ModelSection,
    slice: Option<&SliceSection>,
    read: &dyn Fn(&Path) -> std::io::Result<String>,
    err: ErrAt<'_>,
) -> Result<ModelScene, SceneError> {
    // Columns count characters inside the string; spans count bytes from the quote.
    let at = |s: &Spanned<String>, column: usize| {
        let text = s.get_ref();
        let byte = text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(text.len(), |(b, _)| b);
        let p = s.span().start + 1 + byte;
        Some(p..p)
    };
    ModelSpec::parse(m.model.get_ref()).map_err(|e| err(at(&m.model, e.column), e.message))?;
    if let Some(l) = &m.loss {
        Loss::parse(l.get_ref()).map_err(|msg| err(Some(l.span()), msg))?;
    }
    if m.inits.as_ref().is_some_and(|n| *n.get_ref() == 0) {
        let span = m.inits.as_ref().map(|n| n.span());
        return Err(err(span, "inits must be at least 1".into()));
    }
    if let (Some(_), Some(i)) = (&m.inits, &m.init) {
        return Err(err(
            Some(i.span()),
            "inits and init both give the initial parameters: give one".into(),
        ));
    }
    let base = Path::new(file).parent().unwrap_or(Path::new(""));
    let mut files = Vec::new();
    let mut keep = |name: &Spanned<String>| -> Result<(), SceneError> {
        let path = base.join(name.get_ref());
        let text = read(&path).map_err(|e| err(Some(name.span()), format!("{}: {e}", path.display())))?;
        files.push((name.get_ref().clone(), text));
        Ok(())
    };
    if Generator::is_generator(m.data.get_ref()) {
        Generator::parse(m.data.get_ref()).map_err(|(column, msg)| err(at(&m.data, column), msg))?;
    } else {
        keep(&m.data)?;
    }
    if let Some(i) = &m.init {
        keep(i)?;
    }
    let slice = slice.map_or_else(SliceScene::default, |s| SliceScene {
        directions: s.directions.clone(),
        around: s.around.clone(),
        size: s.size.clone(),
        range: s.range.clone(),
    });
    Ok(ModelScene {
        args: ProblemArgs {
            model: m.model.get_ref().clone(),
            loss: m.loss.as_ref().map(|l| l.get_ref().clone()),
            data: m.data.get_ref().clone(),
            init: m.init.as_ref().map(|i| i.get_ref().clone()),
            inits: m.inits.as_ref().map(|n| *n.get_ref()),
            seed: m.seed,
        },
        files,
        slice,
    })
}
