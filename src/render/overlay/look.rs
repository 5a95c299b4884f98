//! Sizes and colours of the overlay, in logical points and sRGB. One place to tune the look.

use egui::Color32;

/// Distance of the boxes and the title from the edges of the frame.
pub const MARGIN: f32 = 12.0;
pub const TITLE_SIZE: f32 = 18.0;
pub const TEXT_SIZE: f32 = 13.0;
pub const STATUS_SIZE: f32 = 13.0;
/// Inner padding of the legend boxes.
pub const PAD: f32 = 8.0;
/// Vertical space between legend rows.
pub const ROW_GAP: f32 = 4.0;
/// Gap between the legend box and the 'Initialization' box under it.
pub const BOX_GAP: f32 = 8.0;
/// Length of the coloured line in a legend row.
pub const SWATCH_LEN: f32 = 26.0;
pub const SWATCH_WIDTH: f32 = 2.5;
/// Radius of the optimizer marker on the swatch line.
pub const DOT_RADIUS: f32 = 4.0;
/// Half-size of a start marker.
pub const START_MARKER: f32 = 5.5;
/// Space between a swatch and its label.
pub const SWATCH_GAP: f32 = 8.0;
/// Gap between a label and its anchor point (except [`crate::render::overlay::style::Anchor::Center`]).
pub const LABEL_GAP: f32 = 3.0;
pub const CORNER: u8 = 4;

pub const TEXT: Color32 = Color32::from_rgb(34, 34, 34);
pub const STATUS: Color32 = Color32::from_rgb(68, 68, 68);
pub const HEADER: Color32 = Color32::from_rgb(17, 17, 17);
/// Matplotlib's legend: white at 80% opacity, edge '0.8'.
pub const BOX_FILL: Color32 = Color32::from_rgba_unmultiplied_const(255, 255, 255, 204);
pub const BOX_EDGE: Color32 = Color32::from_rgb(204, 204, 204);
pub const MARKER_EDGE: Color32 = Color32::from_rgb(0, 0, 0);
/// Fill of start markers in the 'Initialization' box (the 3D start markers should match).
pub const START_FILL: Color32 = Color32::from_rgb(255, 255, 255);
