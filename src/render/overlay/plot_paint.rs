//! Paints [`Plot`]s with egui's painter for the overlay: axes box, nice ticks, labels, lines
//! and dots, clipped to the data area. Sizes are logical points; text is ~9-10 pt.

use egui::epaint::{CornerRadius, StrokeKind, TextShape};
use egui::{Align2, Color32, FontId, Pos2, Rect, Shape, Stroke, pos2};

use crate::render::axes::{format_tick, nice_ticks};
use crate::render::overlay::style::{Plot, SeriesStyle};

const TITLE_SIZE: f32 = 10.0;
const TEXT_SIZE: f32 = 9.0;
const PAD: f32 = 6.0;
const TICK: f32 = 3.0;
const TICK_GAP: f32 = 2.0;
const TEXT: Color32 = Color32::from_rgb(34, 34, 34);
const SPINE: Color32 = Color32::from_rgb(60, 60, 60);
const BOX_FILL: Color32 = Color32::from_rgba_unmultiplied_const(255, 255, 255, 245);
const BOX_EDGE: Color32 = Color32::from_rgb(204, 204, 204);

/// Where a plot went and how data maps to it; rects in points until scaled.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotLayout {
    /// The plot's whole box (title, labels, ticks included).
    pub frame: Rect,
    /// The data area inside the axes.
    pub data: Rect,
    pub x_range: [f64; 2],
    /// In log10 units when `log_y`.
    pub y_range: [f64; 2],
    pub log_y: bool,
}

impl PlotLayout {
    /// Screen position of data point `p` (same units as the rects), or `None` for a
    /// non-positive y on a log axis.
    pub fn to_screen(&self, p: [f64; 2]) -> Option<Pos2> {
        let y = if self.log_y {
            (p[1] > 0.0).then(|| p[1].log10())?
        } else {
            p[1]
        };
        let tx = (p[0] - self.x_range[0]) / (self.x_range[1] - self.x_range[0]);
        let ty = (y - self.y_range[0]) / (self.y_range[1] - self.y_range[0]);
        Some(pos2(
            self.data.left() + tx as f32 * self.data.width(),
            self.data.bottom() - ty as f32 * self.data.height(),
        ))
    }

    pub(crate) fn scaled(self, s: f32) -> Self {
        let sc = |r: Rect| Rect::from_min_max(r.min * s, r.max * s);
        Self {
            frame: sc(self.frame),
            data: sc(self.data),
            ..self
        }
    }
}

/// The range of `values` padded by 5%, or `fixed`.
fn range(values: impl Iterator<Item = f64>, fixed: Option<[f64; 2]>) -> [f64; 2] {
    if let Some(r) = fixed
        && r[1] > r[0]
    {
        return r;
    }
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !(lo.is_finite() && hi.is_finite()) {
        return [0.0, 1.0];
    }
    if hi - lo <= 1e-12 * lo.abs().max(hi.abs()).max(1e-300) {
        let d = (0.1 * lo.abs()).max(0.5);
        return [lo - d, hi + d];
    }
    let pad = 0.05 * (hi - lo);
    [lo - pad, hi + pad]
}

/// Ticks and their labels in [lo, hi]; on a log axis `lo`, `hi` are log10 values.
fn ticks(lo: f64, hi: f64, max: usize, log: bool) -> Vec<(f64, String)> {
    if log {
        let (first, last) = (lo.ceil() as i32, hi.floor() as i32);
        if last >= first {
            let every = ((last - first) as usize / max.max(2) + 1) as i32;
            return (first..=last)
                .filter(|k| (k - first) % every == 0)
                .map(|k| (f64::from(k), format!("1e{k}")))
                .collect();
        }
        let (t, _) = nice_ticks(lo, hi, max);
        return t
            .into_iter()
            .map(|v| (v, crate::numbers::short_number(10f64.powf(v))))
            .collect();
    }
    let (t, step) = nice_ticks(lo, hi, max);
    t.into_iter().map(|v| (v, format_tick(v, step))).collect()
}

/// The fill of a boxed plot at `rect` (points) alone: what [`paint_plot`] leaves out when
/// `fill` is false (the overlay painted it into the static layer).
pub fn paint_ground(painter: &egui::Painter, rect: Rect) {
    painter.rect(
        rect,
        CornerRadius::same(3),
        BOX_FILL,
        Stroke::NONE,
        StrokeKind::Inside,
    );
}

/// Paints `plot` in `rect` (points); `boxed`: on a translucent white box with an edge, whose
/// fill is painted when `fill` (else it is already there: [`paint_ground`]).
pub fn paint_plot(painter: &egui::Painter, rect: Rect, plot: &Plot, boxed: bool, fill: bool) -> PlotLayout {
    if boxed {
        // Fill and edge as two shapes, so that a fill in the static layer gives the same
        // pixels (egui feathers a lone fill's corners differently from one under an edge).
        if fill {
            paint_ground(painter, rect);
        }
        painter.rect_stroke(
            rect,
            CornerRadius::same(3),
            Stroke::new(1.0, BOX_EDGE),
            StrokeKind::Inside,
        );
    }
    let font = FontId::proportional(TEXT_SIZE);
    let log_y = plot.log_y;
    let xs = plot.series.iter().flat_map(|s| s.points.iter().map(|p| p[0]));
    let x_range = range(xs, plot.x_range);
    let ys = plot.series.iter().flat_map(|s| s.points.iter().map(|p| p[1]));
    let y_range = if log_y {
        let fixed = plot
            .y_range
            .and_then(|r| (r[0] > 0.0).then(|| [r[0].log10(), r[1].log10()]));
        range(ys.filter(|&y| y > 0.0).map(f64::log10), fixed)
    } else {
        range(ys, plot.y_range)
    };

    // Text first: it decides the margins of the data area.
    let title = (!plot.title.is_empty())
        .then(|| painter.layout_no_wrap(plot.title.clone(), FontId::proportional(TITLE_SIZE), TEXT));
    let x_label =
        (!plot.x_label.is_empty()).then(|| painter.layout_no_wrap(plot.x_label.clone(), font.clone(), TEXT));
    let y_label =
        (!plot.y_label.is_empty()).then(|| painter.layout_no_wrap(plot.y_label.clone(), font.clone(), TEXT));
    let line_h = painter.layout_no_wrap("0".into(), font.clone(), TEXT).size().y;
    let inner = rect.shrink(PAD);
    let top = inner.top() + title.as_ref().map_or(0.0, |g| g.size().y + 3.0) + 0.5 * line_h;
    let bottom =
        inner.bottom() - x_label.as_ref().map_or(0.0, |g| g.size().y + 1.0) - line_h - TICK - TICK_GAP;
    let y_max_ticks = (((bottom - top) / (2.2 * line_h)) as usize).clamp(2, 7);
    let y_ticks = ticks(y_range[0], y_range[1], y_max_ticks, log_y);
    let y_galleys: Vec<_> = y_ticks
        .iter()
        .map(|(v, s)| (*v, painter.layout_no_wrap(s.clone(), font.clone(), TEXT)))
        .collect();
    let tick_w = y_galleys.iter().map(|(_, g)| g.size().x).fold(0.0_f32, f32::max);
    let left = inner.left() + y_label.as_ref().map_or(0.0, |g| g.size().y + 2.0) + tick_w + TICK + TICK_GAP;
    let right = inner.right() - 0.5 * line_h.max(8.0);
    let data = Rect::from_min_max(
        pos2(left, top),
        pos2(right.max(left + 1.0), bottom.max(top + 1.0)),
    );
    let layout = PlotLayout {
        frame: rect,
        data,
        x_range,
        y_range,
        log_y,
    };
    let x_max_ticks = ((data.width() / 45.0) as usize).clamp(2, 8);
    let x_ticks = ticks(x_range[0], x_range[1], x_max_ticks, false);

    // Series, clipped to the data area.
    let clipped = painter.with_clip_rect(data.expand(0.5).intersect(painter.clip_rect()));
    for s in &plot.series {
        let color = Color32::from_rgba_unmultiplied(s.color[0], s.color[1], s.color[2], s.color[3]);
        if s.style == SeriesStyle::Band {
            let half = s.points.len() / 2;
            let mut mesh = egui::epaint::Mesh::default();
            for (lo, hi) in s.points[..half].iter().zip(&s.points[half..]) {
                let (Some(a), Some(b)) = (layout.to_screen(*lo), layout.to_screen(*hi)) else {
                    continue;
                };
                if !(a.is_finite() && b.is_finite()) {
                    continue;
                }
                let i = mesh.vertices.len() as u32;
                mesh.colored_vertex(a, color);
                mesh.colored_vertex(b, color);
                if i >= 2 {
                    mesh.add_triangle(i - 2, i - 1, i);
                    mesh.add_triangle(i - 1, i + 1, i);
                }
            }
            // A band of one step has no area yet (and an empty mesh would reach the GPU as
            // an empty index buffer).
            if !mesh.indices.is_empty() {
                clipped.add(Shape::mesh(mesh));
            }
            continue;
        }
        let pts: Vec<Pos2> = s
            .points
            .iter()
            .filter_map(|&p| layout.to_screen(p))
            .filter(|p| p.is_finite())
            .collect();
        // Lines lose the points that lie within a tenth of a pixel of them: a converging
        // curve has most of its points in a flat tail, and every point is triangles to raster.
        let pts = match s.style {
            SeriesStyle::Line { .. } | SeriesStyle::Dashed { .. } => {
                simplify(&pts, 0.1 / painter.pixels_per_point())
            }
            _ => pts,
        };
        match s.style {
            SeriesStyle::Line { width } => {
                if pts.len() >= 2 {
                    clipped.add(Shape::line(pts, Stroke::new(width, color)));
                }
            }
            SeriesStyle::Dashed { width } => {
                if pts.len() >= 2 {
                    clipped.extend(Shape::dashed_line(&pts, Stroke::new(width, color), 5.0, 3.0));
                }
            }
            SeriesStyle::Dots { radius } => {
                for p in pts {
                    clipped.circle_filled(p, radius, color);
                }
            }
            SeriesStyle::Band => {}
        }
    }

    // Axes: the box, ticks out, labels.
    painter.rect_stroke(
        data,
        CornerRadius::ZERO,
        Stroke::new(0.8, SPINE),
        StrokeKind::Middle,
    );
    let stroke = Stroke::new(0.8, SPINE);
    let ty = |v: f64| data.bottom() - ((v - y_range[0]) / (y_range[1] - y_range[0])) as f32 * data.height();
    let tx = |v: f64| data.left() + ((v - x_range[0]) / (x_range[1] - x_range[0])) as f32 * data.width();
    for (v, g) in y_galleys {
        let y = ty(v);
        painter.line_segment([pos2(data.left() - TICK, y), pos2(data.left(), y)], stroke);
        let at = pos2(data.left() - TICK - TICK_GAP, y);
        let r = Align2::RIGHT_CENTER.anchor_size(at, g.size());
        painter.galley(r.min, g, TEXT);
    }
    for (v, s) in x_ticks {
        let x = tx(v);
        painter.line_segment([pos2(x, data.bottom()), pos2(x, data.bottom() + TICK)], stroke);
        painter.text(
            pos2(x, data.bottom() + TICK + TICK_GAP),
            Align2::CENTER_TOP,
            s,
            font.clone(),
            TEXT,
        );
    }
    if let Some(g) = title {
        let r = Align2::CENTER_TOP.anchor_size(pos2(data.center().x, inner.top()), g.size());
        painter.galley(r.min, g, TEXT);
    }
    if let Some(g) = x_label {
        let r = Align2::CENTER_BOTTOM.anchor_size(pos2(data.center().x, inner.bottom()), g.size());
        painter.galley(r.min, g, TEXT);
    }
    if let Some(g) = y_label {
        // Rotated a quarter turn anticlockwise about its top-left corner: it then spans
        // [x, x + height] across and [y - width, y] down.
        let at = pos2(inner.left(), data.center().y + 0.5 * g.size().x);
        painter.add(TextShape::new(at, g, TEXT).with_angle(-std::f32::consts::FRAC_PI_2));
    }
    layout
}

/// Douglas-Peucker: the points of `line` that keep every dropped point within `tolerance` of
/// the simplified line (first and last always kept).
pub fn simplify(line: &[Pos2], tolerance: f32) -> Vec<Pos2> {
    if line.len() < 3 {
        return line.to_vec();
    }
    let mut keep = vec![false; line.len()];
    keep[0] = true;
    keep[line.len() - 1] = true;
    let mut stack = vec![(0, line.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        let (p, q) = (line[a], line[b]);
        let d = q - p;
        let len = d.length();
        let mut far = (0.0f32, a);
        for (i, r) in line.iter().enumerate().take(b).skip(a + 1) {
            let dist = if len > 0.0 {
                (d.x * (r.y - p.y) - d.y * (r.x - p.x)).abs() / len
            } else {
                (*r - p).length()
            };
            if dist > far.0 {
                far = (dist, i);
            }
        }
        if far.0 > tolerance {
            keep[far.1] = true;
            stack.push((a, far.1));
            stack.push((far.1, b));
        }
    }
    line.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| *p)
        .collect()
}

#[cfg(test)]
mod simplify_tests {
    use super::simplify;
    use egui::pos2;

    #[test]
    fn straight_runs_collapse_and_corners_stay() {
        let line: Vec<_> = (0..=100)
            .map(|i| pos2(i as f32, 0.0))
            .chain((1..=50).map(|i| pos2(100.0, i as f32)))
            .collect();
        assert_eq!(
            simplify(&line, 0.1),
            vec![pos2(0.0, 0.0), pos2(100.0, 0.0), pos2(100.0, 50.0)]
        );
    }

    #[test]
    fn every_dropped_point_stays_within_the_tolerance() {
        let line: Vec<_> = (0..200)
            .map(|i| pos2(i as f32 * 1.3, 120.0 * (-(i as f32) / 25.0).exp()))
            .collect();
        let kept = simplify(&line, 0.1);
        assert!(kept.len() < line.len() / 2, "{} of {}", kept.len(), line.len());
        for p in &line {
            let near = kept.windows(2).any(|w| {
                let (a, b) = (w[0], w[1]);
                let d = b - a;
                let t = (((*p - a).dot(d)) / d.length_sq().max(1e-12)).clamp(0.0, 1.0);
                (a + d * t - *p).length() <= 0.1 + 1e-4
            });
            assert!(
                near,
                "{p:?} is further than the tolerance from the simplified line"
            );
        }
    }
}
