//! Shared visual vocabulary: optimizer colours, marker shapes, and what the 2D overlay shows.
//! The 3D renderers and the text overlay both use these, so the legend always matches the
//! picture.

/// Marker shapes; start points cycle through them by start index (the blog post's square and
/// circle are the first two).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MarkerShape {
    Square,
    Circle,
    Triangle,
    Diamond,
    Cross,
    Star,
}

impl MarkerShape {
    pub const CYCLE: [MarkerShape; 4] = [Self::Square, Self::Circle, Self::Triangle, Self::Diamond];

    /// The shape of start point `index`.
    pub fn for_start(index: usize) -> Self {
        Self::CYCLE[index % Self::CYCLE.len()]
    }

    /// The code the marker shader switches on.
    pub fn code(self) -> u32 {
        self as u32
    }
}

/// Optimizer colours: matplotlib's tab10 order, so a figure reads like the tutorials'.
pub const PALETTE: [[u8; 3]; 10] = [
    [31, 119, 180],  // blue
    [255, 127, 14],  // orange
    [44, 160, 44],   // green
    [214, 39, 40],   // red
    [148, 103, 189], // purple
    [140, 86, 75],   // brown
    [227, 119, 194], // pink
    [127, 127, 127], // grey
    [188, 189, 34],  // olive
    [23, 190, 207],  // cyan
];

/// sRGB colour of optimizer group `index`, opaque.
pub fn optimizer_color(index: usize) -> [u8; 4] {
    let [r, g, b] = PALETTE[index % PALETTE.len()];
    [r, g, b, 255]
}

/// sRGB bytes to linear floats, for shaders that write to an sRGB target.
pub fn srgb_to_linear(c: [u8; 4]) -> [f32; 4] {
    let f = |v: u8| {
        let v = f32::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    [f(c[0]), f(c[1]), f(c[2]), f32::from(c[3]) / 255.0]
}

/// Where a label sits relative to its anchor point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Center,
    Left,
    Right,
    Top,
    Bottom,
}

/// A piece of text at a screen position (physical pixels, origin top-left), e.g. an axis tick label.
#[derive(Clone, Debug, PartialEq)]
pub struct ScreenLabel {
    pub pos: [f32; 2],
    pub text: String,
    pub anchor: Anchor,
    /// Font size in logical points (scaled by the overlay's pixels-per-point).
    pub size: f32,
    pub color: [u8; 4],
}

#[derive(Clone, Debug, PartialEq)]
pub struct LegendEntry {
    pub color: [u8; 4],
    /// e.g. "adam lr=0.01"
    pub label: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StartEntry {
    pub shape: MarkerShape,
    /// e.g. "(1, 0.25)"
    pub label: String,
}

/// A colour bar under the legend: what a particle's colour says (its final loss, its steps).
#[derive(Clone, Debug, PartialEq)]
pub struct ColorBar {
    pub title: String,
    /// sRGB colours from the low end of the bar to the high end.
    pub colors: Vec<[u8; 4]>,
    /// Labels at positions 0..1 along the bar.
    pub ticks: Vec<(f32, String)>,
}

/// A picture in the bottom-right corner of the frame: the start map, or the key of the
/// start-position colours.
#[derive(Clone, Debug, PartialEq)]
pub struct Inset {
    /// Names the image: the overlay uploads an image once per id.
    pub id: u64,
    pub title: String,
    pub image: std::sync::Arc<image::RgbaImage>,
    /// Labels of the image's left and right edges, and of its bottom and top.
    pub x_range: [String; 2],
    pub y_range: [String; 2],
}

/// Everything the 2D overlay draws over a frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OverlayContent {
    pub title: Option<String>,
    /// A line under the title, in the status line's size (what a model scene's slice is).
    pub subtitle: Option<String>,
    /// One entry per optimizer.
    pub legend: Vec<LegendEntry>,
    /// The 'Initialization' box; empty when there are too many starts to list.
    pub starts: Vec<StartEntry>,
    /// e.g. "step 120 / 200"
    pub status: String,
    /// Axis tick labels and axis names, already projected to the screen.
    pub labels: Vec<ScreenLabel>,
    /// The 3D view's axis lines, `[x0, y0, x1, y1]` in physical pixels: insets keep clear.
    pub axis_lines: Vec<[f32; 4]>,
    /// 2D plots of the run (loss, coordinates, the regression line); none by default.
    pub plots: Vec<Plot>,
    /// The key of colours that say something other than the optimizer.
    pub color_bar: Option<ColorBar>,
    /// Pictures in the bottom-right corner.
    pub insets: Vec<Inset>,
    /// The first inset fills the frame under the title instead (a map-layout frame, drawn on
    /// a target cleared to white: no 3D view); the others are not drawn.
    pub full_inset: bool,
    /// Paths drawn over the 3D view, already projected (a sweep group picked on its map).
    pub paths: Vec<ScreenPath>,
}

/// A polyline over the 3D view, physical pixels (origin top-left), with a dot at its end.
#[derive(Clone, Debug, PartialEq)]
pub struct ScreenPath {
    pub points: Vec<[f32; 2]>,
    pub color: [u8; 4],
    /// Width in logical points.
    pub width: f32,
}

/// How a [`Series`] is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SeriesStyle {
    /// A polyline through the points, `width` points wide.
    Line { width: f32 },
    /// The same, dashed (a second start point's path in the same colour).
    Dashed { width: f32 },
    /// A filled dot of `radius` points at each point.
    Dots { radius: f32 },
    /// A filled band: the first half of the points is its lower edge, the second half its
    /// upper edge at the same x values (quantile bands of a swarm's loss).
    Band,
}

/// One set of points in a [`Plot`].
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub color: [u8; 4],
    pub points: Vec<[f64; 2]>,
    pub style: SeriesStyle,
}

/// Where the overlay puts a [`Plot`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PlotPlacement {
    /// In a strip of small plots along the bottom of the frame, left to right.
    #[default]
    Strip,
    /// The whole frame under the title, left of the legend, on an opaque white ground (the
    /// 3D view is hidden): for 1D problems, where a curve says more than a surface.
    Full,
}

/// A small 2D plot drawn by the overlay (the tutorials' matplotlib figures).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plot {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Fixed axis ranges; `None`: the data's range, padded by 5%.
    pub x_range: Option<[f64; 2]>,
    pub y_range: Option<[f64; 2]>,
    /// Logarithmic y axis (non-positive values are left out).
    pub log_y: bool,
    pub placement: PlotPlacement,
}
