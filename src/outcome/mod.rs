//! What a run's outcome looks like: the basins particles end in (`basins.rs`), particle colours
//! by outcome with their colour bar (`coloring.rs`), the start map of a grid of starts coloured
//! by where each went (`start_map.rs`), the sweep map of a hyperparameter sweep
//! (`sweep_map.rs`, coloured by outcome or by the trainability score of `trainability.rs`), and
//! one sweep group's paths picked from its map (`sweep_view.rs`); the ranges of a zoom into a
//! map (`zoom.rs`). Plain
//! data and images from particles read back; the renderer draws them as insets.

pub mod basins;
pub mod coloring;
pub mod start_map;
pub mod sweep_map;
pub mod sweep_view;
pub mod trainability;
pub mod zoom;
