//! Rendering: the 3D renderers (surface, trails, markers, axes) draw into an offscreen
//! target; the overlay draws text over it. The window, tests and capture share this path.
pub mod legend;
pub mod overlay;
pub mod style;
