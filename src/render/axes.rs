//! matplotlib-like 3D axes: the three back panes (light grey) with grid lines at 'nice' tick
//! values (1-2-5 steps), the axis lines with outward tick marks, and the tick labels and axis
//! names ("x", "y", "loss") projected to the screen as [`ScreenLabel`]s for the text overlay.
//!
//! Which panes and edges, following matplotlib's `axis3d`: the pane perpendicular to each axis
//! sits on the side of the box away from the eye. The x axis runs along the floor's edge on the
//! near side in y; the y axis along the floor's edge on the near side in x; the z axis up the
//! vertical edge that is near in x and far in y. Ticks point away from the box. An axis seen
//! end-on (the z axis from straight above) gets no ticks or labels.
//!
//! Everything here is CPU geometry rebuilt per frame (a few dozen segments): it depends on the
//! camera. It is drawn first, as background, like matplotlib draws its axes behind artists.

use glam::{Mat4, Vec3, Vec4};

use crate::camera::OrbitCamera;
use crate::render::gpu_data::{FillVertex, LineSegment};
use crate::render::overlay::style::{Anchor, ScreenLabel, srgb_to_linear};
use crate::render::plot_box::{HALF_EXTENT, PlotBox};

/// Ticks per axis at most.
pub const MAX_TICKS: usize = 6;

/// A 'nice' step (1, 2, 2.5 or 5 times a power of ten) of at least `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * magnitude >= raw * (1.0 - 1e-9) {
            return m * magnitude;
        }
    }
    10.0 * magnitude
}

/// Tick values in [lo, hi] at a nice step, at most `max_ticks` of them (at least 2 when the
/// range allows).
pub fn nice_ticks(lo: f64, hi: f64, max_ticks: usize) -> (Vec<f64>, f64) {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return (vec![lo], 1.0);
    }
    let max_ticks = max_ticks.max(2);
    let mut step = nice_step(span / (max_ticks - 1) as f64);
    loop {
        let first = (lo / step - 1e-9).ceil();
        let last = (hi / step + 1e-9).floor();
        let count = (last - first + 1.0).max(0.0) as usize;
        if count <= max_ticks {
            let ticks = (0..count)
                .map(|k| {
                    let v = (first + k as f64) * step;
                    if v.abs() < step * 1e-9 { 0.0 } else { v }
                })
                .collect();
            return (ticks, step);
        }
        step = nice_step(step * 1.01);
    }
}

/// A tick label with as many decimals as the step needs (matplotlib's plain style).
pub fn format_tick(v: f64, step: f64) -> String {
    let big = v.abs().max(step);
    if big >= 1e6 || step < 1e-4 {
        let s = format!("{v:.1e}");
        return s.replace(".0e", "e");
    }
    // As many decimals as the step has: 0.5 -> 1, 0.25 -> 2, 500 -> 0.
    let decimals = (0..10)
        .find(|&d| {
            let s = step * 10f64.powi(d);
            (s - s.round()).abs() < 1e-6 * s.max(1.0)
        })
        .unwrap_or(6) as usize;
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// Colours and sizes of the axes: sRGB bytes; line widths in pixels (times the ui scale);
/// font sizes in logical points, which the overlay scales by its own pixels-per-point.
#[derive(Clone, Debug, PartialEq)]
pub struct AxesStyle {
    /// Names of the x, y and loss axes.
    pub names: [String; 3],
    /// Panes perpendicular to x, y, z (matplotlib's greys at 50% over the background).
    pub panes: [[u8; 4]; 3],
    pub grid: [u8; 4],
    pub axis: [u8; 4],
    pub text: [u8; 4],
    pub grid_width_px: f32,
    pub axis_width_px: f32,
    pub tick_font: f32,
    pub label_font: f32,
}

impl AxesStyle {
    /// matplotlib's look over a background colour.
    pub fn over(background: [u8; 4]) -> Self {
        let pane = |g: f32| {
            let mix = |b: u8| (0.5 * g * 255.0 + 0.5 * f32::from(b)).round() as u8;
            [mix(background[0]), mix(background[1]), mix(background[2]), 255]
        };
        let dark = luminance(background) < 0.5;
        Self {
            names: ["x", "y", "loss"].map(String::from),
            panes: [pane(0.95), pane(0.90), pane(0.925)],
            grid: if dark {
                [90, 90, 90, 255]
            } else {
                [205, 205, 205, 255]
            },
            axis: if dark {
                [220, 220, 220, 255]
            } else {
                [0, 0, 0, 255]
            },
            text: if dark {
                [235, 235, 235, 255]
            } else {
                [0, 0, 0, 255]
            },
            grid_width_px: 1.0,
            axis_width_px: 1.0,
            tick_font: 10.0,
            label_font: 12.0,
        }
    }
}

fn luminance(c: [u8; 4]) -> f32 {
    (0.2126 * f32::from(c[0]) + 0.7152 * f32::from(c[1]) + 0.0722 * f32::from(c[2])) / 255.0
}

/// The axes for one frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AxesGeometry {
    /// Pane triangles (world space).
    pub fills: Vec<FillVertex>,
    /// Grid lines, axis lines, tick marks (world space).
    pub segments: Vec<LineSegment>,
    /// Tick labels and axis names, in pixels (origin top-left).
    pub labels: Vec<ScreenLabel>,
    /// The axis lines as drawn, in pixels: `[x0, y0, x1, y1]` (what insets keep clear of).
    pub axis_lines: Vec<[f32; 4]>,
}

/// Which side of the box (+1 or -1 along each axis) is away from the eye.
pub fn far_sides(eye: Vec3) -> Vec3 {
    let side = |e: f32, tie: f32| {
        if e.abs() < 1e-4 {
            tie
        } else if e > 0.0 {
            -1.0
        } else {
            1.0
        }
    };
    // Ties (an edge-on pane): panes at +x and +y, the floor at -z, so the top view gets its
    // x axis at the bottom and its y axis on the left, like a 2D plot.
    Vec3::new(side(eye.x, 1.0), side(eye.y, 1.0), side(eye.z, -1.0))
}

struct Projector {
    clip_from_world: Mat4,
    width: f32,
    height: f32,
}

impl Projector {
    /// Pixels, origin top-left; None behind the eye.
    fn px(&self, p: Vec3) -> Option<[f32; 2]> {
        let c: Vec4 = self.clip_from_world * p.extend(1.0);
        if c.w <= 1e-6 {
            return None;
        }
        Some([
            (c.x / c.w * 0.5 + 0.5) * self.width,
            (0.5 - c.y / c.w * 0.5) * self.height,
        ])
    }
}

/// Builds the axes for a camera and a viewport of `width` x `height` pixels.
pub fn build(
    camera: &OrbitCamera,
    plot: &PlotBox,
    width: u32,
    height: u32,
    style: &AxesStyle,
    ui_scale: f32,
) -> AxesGeometry {
    let mut out = AxesGeometry::default();
    let projector = Projector {
        clip_from_world: camera.clip_from_world(width as f32 / height.max(1) as f32),
        width: width as f32,
        height: height as f32,
    };
    let h = HALF_EXTENT;
    let far = far_sides(camera.eye()) * h;
    let near = -far;

    // Panes.
    for axis in 0..3 {
        let (j, k) = ((axis + 1) % 3, (axis + 2) % 3);
        let corner = |sj: f32, sk: f32| {
            let mut p = Vec3::ZERO;
            p[axis] = far[axis];
            p[j] = sj * h[j];
            p[k] = sk * h[k];
            p
        };
        let quad = [
            corner(-1.0, -1.0),
            corner(1.0, -1.0),
            corner(1.0, 1.0),
            corner(-1.0, -1.0),
            corner(1.0, 1.0),
            corner(-1.0, 1.0),
        ];
        let color = srgb_to_linear(style.panes[axis]);
        out.fills.extend(quad.iter().map(|p| FillVertex {
            position: [p.x, p.y, p.z, 1.0],
            color,
        }));
    }

    let ticks: Vec<(Vec<f64>, f64)> = (0..3)
        .map(|a| nice_ticks(plot.min[a], plot.max[a], MAX_TICKS))
        .collect();
    let world_of = |axis: usize, v: f64| -> f32 {
        let mut d = plot.min;
        d[axis] = v;
        plot.world_from_data(d)[axis]
    };

    // Grid lines on each pane: for each in-plane axis j, a line at each of its ticks,
    // spanning the third axis.
    let grid_color = srgb_to_linear(style.grid);
    let grid_w = style.grid_width_px * ui_scale;
    for pane in 0..3 {
        for j in [(pane + 1) % 3, (pane + 2) % 3] {
            let k = 3 - pane - j;
            for &v in &ticks[j].0 {
                let mut a = Vec3::ZERO;
                a[pane] = far[pane];
                a[j] = world_of(j, v);
                a[k] = -h[k];
                let mut b = a;
                b[k] = h[k];
                out.segments.push(segment(a, b, grid_w, grid_color, false));
            }
        }
    }

    // Axis lines: (axis, coordinate set to the near side, coordinate set to the far side).
    let axis_color = srgb_to_linear(style.axis);
    let axis_w = style.axis_width_px * ui_scale;
    let names = &style.names;
    for (axis, near_coord, far_coord) in [(0usize, 1usize, 2usize), (1, 0, 2), (2, 0, 1)] {
        let mut a = Vec3::ZERO;
        a[near_coord] = near[near_coord];
        a[far_coord] = far[far_coord];
        a[axis] = -h[axis];
        let mut b = a;
        b[axis] = h[axis];
        // An axis seen end-on (the loss axis from straight above) would be a blot of stacked
        // tick marks: leave it out, with its labels.
        let (Some(pa), Some(pb), Some(centre)) = (projector.px(a), projector.px(b), projector.px(Vec3::ZERO))
        else {
            continue;
        };
        let along = [pb[0] - pa[0], pb[1] - pa[1]];
        let on_screen = (along[0] * along[0] + along[1] * along[1]).sqrt();
        if on_screen < 0.15 * width.min(height) as f32 {
            continue;
        }
        out.segments.push(segment(a, b, axis_w, axis_color, true));
        out.axis_lines.push([pa[0], pa[1], pb[0], pb[1]]);

        // Tick marks point away from the box along the near coordinate.
        let mut outward = Vec3::ZERO;
        outward[near_coord] = near[near_coord].signum();
        let (values, step) = &ticks[axis];
        let positions: Vec<Vec3> = values
            .iter()
            .map(|&v| {
                let mut p = a;
                p[axis] = world_of(axis, v);
                p
            })
            .collect();
        for p in &positions {
            out.segments
                .push(segment(*p, *p + outward * 0.045, axis_w, axis_color, false));
        }

        // Labels are placed in screen space, off the axis on the side away from the box's
        // centre: robust in every view, even where the tick direction points at the eye.
        let dir = [along[0] / on_screen, along[1] / on_screen];
        let mid = [(pa[0] + pb[0]) / 2.0, (pa[1] + pb[1]) / 2.0];
        let mut n = [-dir[1], dir[0]];
        if n[0] * (mid[0] - centre[0]) + n[1] * (mid[1] - centre[1]) < 0.0 {
            n = [-n[0], -n[1]];
        }
        let sideways = n[0].abs() >= 0.5;
        let anchor = match (sideways, n[0] > 0.0, n[1] > 0.0) {
            (true, true, _) => Anchor::Right,
            (true, false, _) => Anchor::Left,
            (false, _, true) => Anchor::Bottom,
            (false, _, false) => Anchor::Top,
        };
        // Room a tick label needs along the axis, and its extent away from it (pixels).
        let text_scale = text_pixels_per_point(height);
        let (need, extent) = if sideways {
            (14.0 * text_scale / dir[1].abs().max(0.05), 34.0 * text_scale)
        } else {
            (34.0 * text_scale / dir[0].abs().max(0.05), 16.0 * text_scale)
        };
        let spacing = on_screen / (positions.len().max(2) - 1) as f32;
        let every = (need / spacing).ceil().max(1.0) as usize;
        let pad = 5.0 * ui_scale;
        if every < positions.len() {
            for (k, (p, &v)) in positions.iter().zip(values).enumerate() {
                if k % every != 0 {
                    continue;
                }
                if let Some(at) = projector.px(*p) {
                    out.labels.push(ScreenLabel {
                        pos: [at[0] + n[0] * pad, at[1] + n[1] * pad],
                        text: format_tick(v, *step),
                        anchor,
                        size: style.tick_font,
                        color: style.text,
                    });
                }
            }
        }
        let name_off = pad + extent + 4.0 * text_scale;
        out.labels.push(ScreenLabel {
            pos: [mid[0] + n[0] * name_off, mid[1] + n[1] * name_off],
            text: names[axis].clone(),
            anchor,
            size: style.label_font,
            color: style.text,
        });
    }
    out.labels = declutter(
        std::mem::take(&mut out.labels),
        names,
        text_pixels_per_point(height),
    );
    out
}

/// The box a label will take on screen, estimated from its length and size (pixels).
fn label_box(l: &ScreenLabel, text_scale: f32) -> [f32; 4] {
    let w = 0.6 * l.size * text_scale * l.text.chars().count() as f32 + 3.0;
    let h = 1.2 * l.size * text_scale;
    let [x, y] = l.pos;
    match l.anchor {
        Anchor::Left => [x - w, y - h / 2.0, x, y + h / 2.0],
        Anchor::Right => [x, y - h / 2.0, x + w, y + h / 2.0],
        Anchor::Top => [x - w / 2.0, y - h, x + w / 2.0, y],
        Anchor::Bottom => [x - w / 2.0, y, x + w / 2.0, y + h],
        Anchor::Center => [x - w / 2.0, y - h / 2.0, x + w / 2.0, y + h / 2.0],
    }
}

/// Drops tick labels that would overlap a label kept before them (axis names first), so a
/// corner where two axes meet does not print two numbers on top of each other.
fn declutter(labels: Vec<ScreenLabel>, names: &[String; 3], text_scale: f32) -> Vec<ScreenLabel> {
    let is_name = |l: &ScreenLabel| names.contains(&l.text);
    let (names, ticks): (Vec<_>, Vec<_>) = labels.into_iter().partition(is_name);
    let mut kept: Vec<ScreenLabel> = Vec::new();
    let mut boxes: Vec<[f32; 4]> = Vec::new();
    for l in names.into_iter().chain(ticks) {
        let b = label_box(&l, text_scale);
        let overlaps = boxes
            .iter()
            .any(|o| b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]);
        if !overlaps || is_name(&l) {
            boxes.push(b);
            kept.push(l);
        }
    }
    kept
}

fn segment(a: Vec3, b: Vec3, width: f32, color: [f32; 4], caps: bool) -> LineSegment {
    LineSegment {
        a: [a.x, a.y, a.z, width],
        b: [b.x, b.y, b.z, if caps { 1.0 } else { 0.0 }],
        color,
    }
}

/// Pixels per point the text overlay uses for a frame `height` pixels tall (its rule: 1 up to
/// 1080 lines, proportional above), to leave room for labels of a given point size.
fn text_pixels_per_point(height: u32) -> f32 {
    (height as f32 / 1080.0).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_step_by_1_2_5() {
        assert_eq!(nice_ticks(-1.0, 1.0, 6), (vec![-1.0, -0.5, 0.0, 0.5, 1.0], 0.5));
        let (t, s) = nice_ticks(0.0, 2500.0, 6);
        assert_eq!(s, 500.0);
        assert_eq!(t.len(), 6);
        let (t, s) = nice_ticks(-5.12, 5.12, 6);
        assert_eq!((t.first(), s), (Some(&-5.0), 2.5));
        assert!(t.len() <= 6);
        for (lo, hi) in [(0.1, 0.13), (-3e7, 2e7), (17.0, 95.0), (-1e-6, 1e-6)] {
            let (t, s) = nice_ticks(lo, hi, 6);
            assert!((2..=6).contains(&t.len()), "{lo}..{hi}: {t:?}");
            assert!(t.iter().all(|v| *v >= lo - 1e-12 && *v <= hi + 1e-12));
            let m = s / 10f64.powf(s.log10().floor());
            assert!([1.0, 2.0, 2.5, 5.0].iter().any(|k| (k - m).abs() < 1e-9), "{s}");
        }
    }

    #[test]
    fn tick_labels_read_like_matplotlib() {
        assert_eq!(format_tick(-1.0, 0.5), "-1.0");
        assert_eq!(format_tick(0.0, 0.5), "0.0");
        assert_eq!(format_tick(0.25, 0.25), "0.25");
        assert_eq!(format_tick(1500.0, 500.0), "1500");
        assert_eq!(format_tick(-0.0, 1.0), "0");
        assert_eq!(format_tick(2e7, 1e7), "2e7");
    }

    #[test]
    fn post_view_puts_the_axes_where_matplotlib_does() {
        let camera = OrbitCamera::post();
        // azim 120: the eye is at -x, +y, above: panes at +x, -y and the floor.
        assert_eq!(far_sides(camera.eye()), Vec3::new(1.0, -1.0, -1.0));
        let plot = PlotBox::new([-1.0, 1.0], [-1.0, 1.0], [-1.0, 1.0]);
        let g = build(&camera, &plot, 480, 360, &AxesStyle::over([255; 4]), 1.0);
        assert_eq!(g.fills.len(), 18);
        let names: Vec<_> = g
            .labels
            .iter()
            .filter(|l| l.size > 10.0)
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(names, ["x", "y", "loss"]);
        // The x axis is in front (low on screen), its label below-left of the box centre.
        let x = g.labels.iter().find(|l| l.text == "x").unwrap();
        assert!(x.pos[1] > 250.0 && x.pos[0] < 240.0, "{x:?}");
        // The loss axis is on the right.
        let z = g.labels.iter().find(|l| l.text == "loss").unwrap();
        assert!(z.pos[0] > 300.0, "{z:?}");
        assert!(g.labels.iter().all(|l| l.pos[0] >= 0.0 && l.pos[0] <= 480.0));
    }

    #[test]
    fn labels_never_overlap_and_end_on_axes_get_none() {
        let plot = PlotBox::new([-1.0, 1.0], [-1.0, 1.0], [-1.0, 1.0]);
        for camera in [OrbitCamera::post(), OrbitCamera::top(), OrbitCamera::side()] {
            let g = build(&camera, &plot, 480, 360, &AxesStyle::over([255; 4]), 1.0);
            let boxes: Vec<_> = g.labels.iter().map(|l| label_box(l, 1.0)).collect();
            for (i, a) in boxes.iter().enumerate() {
                for b in &boxes[i + 1..] {
                    let overlap = a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
                    assert!(!overlap, "{camera:?}: labels overlap: {:?}", g.labels);
                }
            }
            assert!(g.labels.iter().filter(|l| l.text.contains('.')).count() >= 6);
        }
        // From the side (looking along y) the y axis is end-on: no y label.
        let g = build(
            &OrbitCamera::side(),
            &plot,
            480,
            360,
            &AxesStyle::over([255; 4]),
            1.0,
        );
        assert!(g.labels.iter().all(|l| l.text != "y"));
    }

    #[test]
    fn top_view_has_no_loss_axis_labels() {
        let camera = OrbitCamera::top();
        let plot = PlotBox::new([-2.0, 2.0], [-1.0, 3.0], [0.0, 10.0]);
        let g = build(&camera, &plot, 400, 400, &AxesStyle::over([255; 4]), 1.0);
        assert!(g.labels.iter().all(|l| l.text != "loss"));
        let x = g.labels.iter().find(|l| l.text == "x").unwrap();
        let y = g.labels.iter().find(|l| l.text == "y").unwrap();
        assert!(
            x.pos[1] > 300.0 && (x.pos[0] - 200.0).abs() < 5.0,
            "x below: {x:?}"
        );
        assert!(
            y.pos[0] < 100.0 && (y.pos[1] - 200.0).abs() < 5.0,
            "y left: {y:?}"
        );
        assert_eq!(x.anchor, Anchor::Bottom);
        assert_eq!(y.anchor, Anchor::Left);
        // Nor its line and tick marks: seen end-on they would stack into one blot.
        let style = AxesStyle::over([255; 4]);
        let projector = Projector {
            clip_from_world: camera.clip_from_world(1.0),
            width: 400.0,
            height: 400.0,
        };
        let ends: Vec<[i32; 4]> = g
            .segments
            .iter()
            .filter(|s| s.color == srgb_to_linear(style.axis))
            .map(|s| {
                let a = projector.px(Vec3::new(s.a[0], s.a[1], s.a[2])).unwrap();
                let b = projector.px(Vec3::new(s.b[0], s.b[1], s.b[2])).unwrap();
                [a[0], a[1], b[0], b[1]].map(|v| v.round() as i32)
            })
            .collect();
        for (i, e) in ends.iter().enumerate() {
            assert!(!ends[i + 1..].contains(e), "stacked axis segments at {e:?}");
        }
    }
}
