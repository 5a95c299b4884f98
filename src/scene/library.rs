//! The scenes shipped in `assets/scenes`, built into the program: the panel's "open a scene"
//! menu in the window and in the page (which has no file system to read them from).
//! `tests/scene.rs` checks the list against the folder, so a new scene file cannot be left out.

use super::{Scene, SceneError, no_files};

/// Each shipped scene's path under `assets/scenes`, and its text.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "cosine-quadratic.toml",
        include_str!("../../assets/scenes/cosine-quadratic.toml"),
    ),
    (
        "himmelblau-basins.toml",
        include_str!("../../assets/scenes/himmelblau-basins.toml"),
    ),
    (
        "linear-regression-minibatch.toml",
        include_str!("../../assets/scenes/linear-regression-minibatch.toml"),
    ),
    (
        "linear-regression-only-b.toml",
        include_str!("../../assets/scenes/linear-regression-only-b.toml"),
    ),
    (
        "linear-regression.toml",
        include_str!("../../assets/scenes/linear-regression.toml"),
    ),
    (
        "momentum-map.toml",
        include_str!("../../assets/scenes/momentum-map.toml"),
    ),
    (
        "noisy-sgd.toml",
        include_str!("../../assets/scenes/noisy-sgd.toml"),
    ),
    (
        "rastrigin-million.toml",
        include_str!("../../assets/scenes/rastrigin-million.toml"),
    ),
    (
        "rastrigin-swarm.toml",
        include_str!("../../assets/scenes/rastrigin-swarm.toml"),
    ),
    (
        "rosenbrock-race.toml",
        include_str!("../../assets/scenes/rosenbrock-race.toml"),
    ),
    (
        "rosenbrock-schedules.toml",
        include_str!("../../assets/scenes/rosenbrock-schedules.toml"),
    ),
    (
        "saddle-two-starts.toml",
        include_str!("../../assets/scenes/saddle-two-starts.toml"),
    ),
    ("sgd-1d.toml", include_str!("../../assets/scenes/sgd-1d.toml")),
    (
        "sgd-2d-top.toml",
        include_str!("../../assets/scenes/sgd-2d-top.toml"),
    ),
    (
        "sgd-vs-adam.toml",
        include_str!("../../assets/scenes/sgd-vs-adam.toml"),
    ),
    (
        "theta-squared.toml",
        include_str!("../../assets/scenes/theta-squared.toml"),
    ),
    (
        "models/linear-regression-model.toml",
        include_str!("../../assets/scenes/models/linear-regression-model.toml"),
    ),
    (
        "models/logistic-blobs.toml",
        include_str!("../../assets/scenes/models/logistic-blobs.toml"),
    ),
    (
        "models/spirals-mlp.toml",
        include_str!("../../assets/scenes/models/spirals-mlp.toml"),
    ),
    (
        "models/trainability-fractal.toml",
        include_str!("../../assets/scenes/models/trainability-fractal.toml"),
    ),
    (
        "models/trainability-paraminit.toml",
        include_str!("../../assets/scenes/models/trainability-paraminit.toml"),
    ),
    (
        "models/two-moons-mlp.toml",
        include_str!("../../assets/scenes/models/two-moons-mlp.toml"),
    ),
];

/// The shipped scene at `path` (under `assets/scenes`), parsed; None when there is none.
pub fn shipped(path: &str) -> Option<Result<Scene, SceneError>> {
    SHIPPED
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(p, text)| Scene::parse_with(&format!("assets/scenes/{p}"), text, &no_files))
}
