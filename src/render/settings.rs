//! How frames look ([`RenderSettings`]), what a frame draws of its particles
//! ([`ParticleLayers`]), and the looks that follow the particle count or the loss range.

use super::axes;
use super::{ColorScale, Colormap, DensityScale, TrailStyle, target};

/// How frames look. Sizes are pixels at `ui_scale` 1.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderSettings {
    pub width: u32,
    pub height: u32,
    /// Samples per pixel: 4 (default) or 1.
    pub msaa: u32,
    pub colormap: Colormap,
    /// Isolines of loss on the surface.
    pub contours: bool,
    /// matplotlib's `edgecolors='k'`: thin mesh lines on the surface.
    pub grid_lines: bool,
    pub trail_width_px: f32,
    /// Steps of history each trail shows behind its head (a comet's tail); None: all.
    pub trail_length: Option<u32>,
    /// Older parts of a trail fade out.
    pub fade_trails: bool,
    pub show_axes: bool,
    pub show_trails: bool,
    /// Start points, minima and heads.
    pub show_markers: bool,
    /// sRGB, opaque.
    pub background: [u8; 4],
    /// Multiplies every size in pixels (line widths, markers, fonts): 2 for a 4K capture.
    pub ui_scale: f32,
    /// The loss range of the box; None: sampled from the surface.
    pub loss_range: Option<[f64; 2]>,
    /// Names of the x, y and loss axes ("m", "b", "J(m, b)" for linear regression).
    pub axis_names: [String; 3],
    /// Most trail segments drawn per frame; beyond, trails skip records evenly. None: 300,000
    /// on a CPU adapter (lavapipe), 8,000,000 on a GPU.
    pub trail_segment_budget: Option<u32>,
    /// How trails are drawn: lines, density, heads only, or by particle count.
    pub trails: TrailStyle,
    /// How density counts map to brightness.
    pub density_scale: DensityScale,
    /// How the surface's colours and contour levels follow the loss.
    pub color_scale: ColorScale,
    /// The frame's colour format: Rgba8UnormSrgb (captures), or Bgra8UnormSrgb for a window
    /// whose surface is BGRA, so the frame is copied into it rather than drawn by a shader.
    pub color_format: wgpu::TextureFormat,
    /// Most trail segments the density layer accumulates in one frame (a rebuild beyond it
    /// skips records evenly); None: all (captures). The window sets one.
    pub density_budget: Option<u64>,
}

pub use crate::scene::AUTO_LINES_MAX;
/// Up to this many heads are drawn as markers; beyond, heads are accumulated (density).
pub const HEAD_MARKERS_MAX: u32 = 2000;

/// How far the surface's colormap steps back to grey under a density layer.
pub const DENSITY_SURFACE_MUTE: f32 = 1.0;

/// What a frame draws of the particles, from the style, the settings and the count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParticleLayers {
    pub line_trails: bool,
    pub density_trails: bool,
    pub head_markers: bool,
    pub density_heads: bool,
}

impl ParticleLayers {
    pub fn of(settings: &RenderSettings, particles: u32) -> Self {
        let style = settings.trails.resolve(particles);
        let many = particles > HEAD_MARKERS_MAX;
        let trails = settings.show_trails;
        let (line_trails, density_trails) = match style {
            TrailStyle::Lines => (trails, false),
            TrailStyle::Density => (false, trails),
            // Comet tails only when a length is set, drawn as the count suits.
            _ => {
                let tails = trails && settings.trail_length.is_some();
                (tails && !many, tails && many)
            }
        };
        let heads = settings.show_markers;
        let density = matches!(style, TrailStyle::Density | TrailStyle::Heads);
        Self {
            line_trails,
            density_trails,
            head_markers: heads && !(density && many),
            density_heads: heads && density && many,
        }
    }

    pub(crate) fn density(&self) -> bool {
        self.density_trails || self.density_heads
    }
}

impl Default for RenderSettings {
    fn default() -> Self {
        Self {
            width: 640,
            height: 480,
            msaa: 4,
            colormap: Colormap::Coolwarm,
            contours: false,
            grid_lines: true,
            trail_width_px: 2.5,
            trail_length: None,
            fade_trails: false,
            show_axes: true,
            show_trails: true,
            show_markers: true,
            background: [255, 255, 255, 255],
            ui_scale: 1.0,
            loss_range: None,
            axis_names: ["x", "y", "loss"].map(String::from),
            trail_segment_budget: None,
            trails: TrailStyle::Auto,
            density_scale: DensityScale::EqHist,
            color_scale: ColorScale::Linear,
            color_format: target::COLOR_FORMAT,
            density_budget: None,
        }
    }
}

impl RenderSettings {
    /// Defaults for a size, with `ui_scale` growing with the height past 480 lines (sizes are
    /// tuned for a matplotlib-sized figure, 480 pixels tall): 1.5 at 720p, 2.25 at 1080p.
    pub fn for_size(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            ui_scale: (height as f32 / 480.0).clamp(1.0, 4.0),
            ..Self::default()
        }
    }
}

/// eps of the log colour scale as a share of the surface's loss range: log10(f - min f + eps)
/// spans five decades, so a valley floor a millionth of the range deep still gets the
/// colormap's bottom tenth, while the mesh's own resolution sets what is actually seen.
pub const LOG_EPS_SHARE: f64 = 1e-5;

/// The log colour scale of a loss range [lo, hi]: eps, log10 at the colormap's bottom and
/// top, and a contour step in decades giving about 13 levels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogColorScale {
    pub eps: f64,
    pub bottom: f64,
    pub top: f64,
    pub contour_step: f64,
}

impl LogColorScale {
    pub fn new(lo: f64, hi: f64) -> Self {
        let span = (hi - lo).abs().max(1e-30);
        let eps = span * LOG_EPS_SHARE;
        let (bottom, top) = (eps.log10(), (span + eps).log10());
        let (_, contour_step) = axes::nice_ticks(bottom, top, 13);
        Self {
            eps,
            bottom,
            top,
            contour_step,
        }
    }

    /// Where loss `f` falls on the colormap, 0..1.
    pub fn position(&self, lo: f64, f: f64) -> f64 {
        (((f - lo).max(0.0) + self.eps).log10() - self.bottom) / (self.top - self.bottom)
    }
}

/// Trail width factor and opacity for a particle count: a swarm's trails get thin and
/// translucent so the surface and the flow stay readable.
pub fn trail_look(particles: u32) -> (f32, f32) {
    match particles {
        0..=64 => (1.0, 1.0),
        65..=1000 => (0.6, 0.7),
        1001..=20000 => (0.4, 0.3),
        _ => (0.4, 0.15),
    }
}

/// Head marker diameter and outline (px) for a particle count: big outlined dots for a few
/// particles, small plain dots for a swarm.
pub fn head_size(particles: u32) -> (f32, f32) {
    match particles {
        0..=64 => (8.0, 1.2),
        65..=1000 => (6.0, 0.9),
        1001..=20000 => (3.5, 0.0),
        _ => (2.5, 0.0),
    }
}

/// Mesh cells between grid lines: a divisor of `cells` giving 10 to 30 lines (20 preferred),
/// so lines fall on mesh vertices; else whatever gives about 20.
pub fn cells_per_grid_line(cells: u32) -> u32 {
    let cells = cells.max(1);
    (1..=cells)
        .filter(|d| cells.is_multiple_of(*d) && (10..=30).contains(&(cells / d)))
        .min_by_key(|d| (cells / d).abs_diff(20))
        .unwrap_or_else(|| (cells as f32 / 20.0).round().max(1.0) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_lines_fall_on_mesh_vertices() {
        assert_eq!(cells_per_grid_line(80), 4);
        assert_eq!(cells_per_grid_line(20), 1);
        assert_eq!(cells_per_grid_line(100), 5);
        assert_eq!(cells_per_grid_line(97), 5);
        assert_eq!(cells_per_grid_line(1), 1);
    }
}
