//! The overlay's painted parts: colour bar, insets with their titles and axes, screen-space
//! paths, labels and marker shapes.

use std::sync::Arc;

use egui::epaint::{CornerRadius, Galley, Mesh, PathStroke, StrokeKind};
use egui::{Align2, Color32, FontId, Pos2, Rect, Shape, Stroke, Vec2, pos2, vec2};

use super::look;
use super::style::{Anchor, ColorBar, Inset, MarkerShape, ScreenLabel};

pub(super) fn color(c: [u8; 4]) -> Color32 {
    Color32::from_rgba_unmultiplied(c[0], c[1], c[2], c[3])
}

/// Highlighted paths: a dark casing under the colour so they read on any surface colour,
/// and a dot at the head.
pub(super) fn paint_paths(
    painter: &egui::Painter,
    paths: &[crate::render::overlay::style::ScreenPath],
    pixels_per_point: f32,
) {
    for path in paths {
        let points: Vec<Pos2> = path
            .points
            .iter()
            .map(|p| pos2(p[0] / pixels_per_point, p[1] / pixels_per_point))
            .collect();
        let Some(&head) = points.last() else { continue };
        painter.add(Shape::line(
            points.clone(),
            Stroke::new(path.width + 2.0, Color32::BLACK),
        ));
        painter.add(Shape::line(points, Stroke::new(path.width, color(path.color))));
        painter.circle(
            head,
            path.width + 2.0,
            color(path.color),
            Stroke::new(1.5, Color32::BLACK),
        );
    }
}

/// A colour bar in a legend-style box whose top right corner is `top_right`: its title, the
/// gradient, ticks under it.
pub(super) fn paint_color_bar(
    painter: &egui::Painter,
    bar: &ColorBar,
    top_right: Pos2,
    min_width: f32,
) -> (Rect, Vec<Rect>) {
    const BAR_HEIGHT: f32 = 10.0;
    const TICK_SIZE: f32 = 11.0;
    let title = painter.layout_no_wrap(
        bar.title.clone(),
        FontId::proportional(look::TEXT_SIZE),
        look::TEXT,
    );
    let ticks: Vec<(f32, Arc<Galley>)> = bar
        .ticks
        .iter()
        .map(|(t, text)| {
            let g = painter.layout_no_wrap(text.clone(), FontId::proportional(TICK_SIZE), look::TEXT);
            (*t, g)
        })
        .collect();
    let tick_h = ticks.iter().map(|(_, g)| g.size().y).fold(0.0, f32::max);
    let width = (title.size().x + 2.0 * look::PAD).max(min_width).max(170.0);
    let height = look::PAD + title.size().y + 4.0 + BAR_HEIGHT + 3.0 + tick_h + look::PAD;
    let rect = Rect::from_min_size(pos2(top_right.x - width, top_right.y), vec2(width, height));
    painter.rect(
        rect,
        CornerRadius::same(look::CORNER),
        look::BOX_FILL,
        Stroke::new(1.0, look::BOX_EDGE),
        StrokeKind::Inside,
    );
    painter.galley(rect.min + vec2(look::PAD, look::PAD), title.clone(), look::TEXT);
    // Room for the end labels' halves inside the box.
    let inset = look::PAD + 8.0;
    let bar_rect = Rect::from_min_size(
        pos2(rect.left() + inset, rect.top() + look::PAD + title.size().y + 4.0),
        vec2(width - 2.0 * inset, BAR_HEIGHT),
    );
    let mut mesh = Mesh::default();
    let n = bar.colors.len().max(1);
    for (k, c) in bar.colors.iter().enumerate() {
        let x = bar_rect.left() + bar_rect.width() * k as f32 / (n - 1).max(1) as f32;
        let c = color(*c);
        mesh.colored_vertex(pos2(x, bar_rect.top()), c);
        mesh.colored_vertex(pos2(x, bar_rect.bottom()), c);
        if k > 0 {
            let i = 2 * k as u32;
            mesh.add_triangle(i - 2, i - 1, i);
            mesh.add_triangle(i - 1, i + 1, i);
        }
    }
    painter.add(Shape::mesh(mesh));
    painter.rect_stroke(
        bar_rect,
        CornerRadius::ZERO,
        Stroke::new(0.75, look::BOX_EDGE),
        StrokeKind::Outside,
    );
    // Every tick gets its mark; labels that would touch a neighbour's are left out, the ends'
    // first kept ("1e-4" and "0.001" side by side read as "1e-40.001").
    let placed: Vec<(f32, Rect)> = ticks
        .iter()
        .map(|(t, galley)| {
            let x = bar_rect.left() + bar_rect.width() * t.clamp(0.0, 1.0);
            (
                x,
                Align2::CENTER_TOP.anchor_size(pos2(x, bar_rect.bottom() + 3.0), galley.size()),
            )
        })
        .collect();
    let shown = spaced_labels(&placed.iter().map(|(_, r)| *r).collect::<Vec<_>>(), 4.0);
    let mut labels = Vec::new();
    for (k, ((x, at), (_, galley))) in placed.into_iter().zip(ticks).enumerate() {
        painter.line_segment(
            [pos2(x, bar_rect.bottom()), pos2(x, bar_rect.bottom() + 3.0)],
            Stroke::new(1.0, look::TEXT),
        );
        if shown[k] {
            painter.galley(at.min, galley, look::TEXT);
            labels.push(at);
        }
    }
    (rect, labels)
}

/// Which of the labels at `rects` (left to right) to show so that none comes within `gap` of
/// another: the first and the last, then each one clear of those kept before it and of the
/// last.
pub(super) fn spaced_labels(rects: &[Rect], gap: f32) -> Vec<bool> {
    let clash = |a: &Rect, b: &Rect| {
        a.expand2(vec2(0.5 * gap, 0.0))
            .intersects(b.expand2(vec2(0.5 * gap, 0.0)))
    };
    let mut shown = vec![false; rects.len()];
    let Some(last) = rects.len().checked_sub(1) else {
        return shown;
    };
    shown[0] = true;
    let mut previous = 0;
    for k in 1..last {
        if !clash(&rects[previous], &rects[k]) && !clash(&rects[k], &rects[last]) {
            shown[k] = true;
            previous = k;
        }
    }
    if last > 0 && !clash(&rects[previous], &rects[last]) {
        shown[last] = true;
    }
    shown
}

/// Label text size of an inset's axis ranges.
const INSET_LABEL_SIZE: f32 = 11.0;

/// The size of an inset's image whose longer side is `side` points.
fn inset_image_size(inset: &Inset, side: f32) -> Vec2 {
    let (w, h) = inset.image.dimensions();
    let aspect = w.max(1) as f32 / h.max(1) as f32;
    if aspect >= 1.0 {
        vec2(side, side / aspect)
    } else {
        vec2(side * aspect, side)
    }
}

/// The width of an inset's image whose longer side is `side` points.
pub(super) fn inset_image_width(inset: &Inset, side: f32) -> f32 {
    inset_image_size(inset, side).x
}

/// An inset's title over an image `image_width` points wide: it may reach over the y labels'
/// column (`y_width`, with its gap) on either side, then it shrinks (see [`fit_line`]).
fn inset_title(painter: &egui::Painter, inset: &Inset, image_width: f32, y_width: f32) -> Arc<egui::Galley> {
    let room = image_width + 2.0 * y_width;
    fit_line(painter, &inset.title, look::TEXT_SIZE, look::TEXT, room)
}

/// `text` on one line at `size` points, or smaller (down to half) where that is wider than
/// `width`; wrapped at half size where even that is too wide. A small frame's title stays
/// whole rather than running off both sides.
pub(super) fn fit_line(
    painter: &egui::Painter,
    text: &str,
    size: f32,
    color: Color32,
    width: f32,
) -> Arc<egui::Galley> {
    let galley = painter.layout_no_wrap(text.to_owned(), FontId::proportional(size), color);
    if galley.size().x <= width {
        return galley;
    }
    let smaller = (0.98 * size * width / galley.size().x).max(size * 0.5);
    let galley = painter.layout_no_wrap(text.to_owned(), FontId::proportional(smaller), color);
    if galley.size().x <= width {
        return galley;
    }
    painter.layout(text.to_owned(), FontId::proportional(smaller), color, width)
}

/// The box of an inset (title, image, axis ranges) whose bottom-right corner is at `corner`,
/// its image `side` points on its longer side; and the image's rect inside it.
pub(super) fn inset_frame(painter: &egui::Painter, inset: &Inset, corner: Pos2, side: f32) -> (Rect, Rect) {
    let font = FontId::proportional(INSET_LABEL_SIZE);
    let label = |text: &str| {
        painter
            .layout_no_wrap(text.to_owned(), font.clone(), look::TEXT)
            .size()
    };
    let x0 = label(&inset.x_range[0]);
    let y_width = label(&inset.y_range[0]).x.max(label(&inset.y_range[1]).x) + look::LABEL_GAP;
    let size = inset_image_size(inset, side);
    let title = inset_title(painter, inset, size.x, y_width).size();
    // The title is centred over the image; a title wider than the image moves the image left
    // so that the title stays inside the box too.
    let overhang = (0.5 * (title.x - size.x)).max(0.0);
    let image = Rect::from_min_size(
        pos2(
            corner.x - look::PAD - overhang - size.x,
            corner.y - 2.0 - x0.y - look::LABEL_GAP - size.y,
        ),
        size,
    );
    let frame = Rect::from_min_max(
        pos2(
            (image.left() - y_width).min(image.left() - overhang) - look::PAD,
            image.top() - title.y - 4.0 - look::PAD,
        ),
        corner,
    );
    (frame, image)
}

/// An inset whose box's bottom-right corner is at `corner`, its image `side` points on its
/// longer side (see [`inset_frame`]): a title over the image, the ranges of its axes at its
/// edges. Returns the image's rect.
pub(super) fn paint_inset(
    painter: &egui::Painter,
    inset: &Inset,
    texture: Option<egui::TextureId>,
    corner: Pos2,
    side: f32,
) -> Rect {
    let (frame, image) = inset_frame(painter, inset, corner, side);
    let font = FontId::proportional(INSET_LABEL_SIZE);
    let label = |text: &str| painter.layout_no_wrap(text.to_owned(), font.clone(), look::TEXT);
    let (x0, x1) = (label(&inset.x_range[0]), label(&inset.x_range[1]));
    let (y0, y1) = (label(&inset.y_range[0]), label(&inset.y_range[1]));
    let y_width = y0.size().x.max(y1.size().x) + look::LABEL_GAP;
    let title = inset_title(painter, inset, image.width(), y_width);
    painter.rect(
        frame,
        CornerRadius::same(look::CORNER),
        look::BOX_FILL,
        Stroke::new(1.0, look::BOX_EDGE),
        StrokeKind::Inside,
    );
    painter.galley(
        pos2(
            image.center().x - 0.5 * title.size().x,
            image.top() - title.size().y - 4.0,
        ),
        title,
        look::TEXT,
    );
    if let Some(id) = texture {
        painter.image(
            id,
            image,
            Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
            Color32::WHITE,
        );
    }
    painter.rect_stroke(
        image,
        CornerRadius::ZERO,
        Stroke::new(0.75, look::TEXT),
        StrokeKind::Outside,
    );
    let below = image.bottom() + look::LABEL_GAP;
    painter.galley(pos2(image.left(), below), x0, look::TEXT);
    painter.galley(pos2(image.right() - x1.size().x, below), x1, look::TEXT);
    painter.galley(
        pos2(
            image.left() - look::LABEL_GAP - y0.size().x,
            image.bottom() - y0.size().y,
        ),
        y0,
        look::TEXT,
    );
    painter.galley(
        pos2(image.left() - look::LABEL_GAP - y1.size().x, image.top()),
        y1,
        look::TEXT,
    );
    image
}

pub(super) fn paint_label(painter: &egui::Painter, label: &ScreenLabel, pixels_per_point: f32) -> Rect {
    let at = pos2(label.pos[0], label.pos[1]) / pixels_per_point;
    let g = look::LABEL_GAP;
    // `anchor` says where the label sits relative to the point: Left = to its left, so the
    // text's right edge is at the point.
    let (align, offset) = match label.anchor {
        Anchor::Center => (Align2::CENTER_CENTER, Vec2::ZERO),
        Anchor::Left => (Align2::RIGHT_CENTER, vec2(-g, 0.0)),
        Anchor::Right => (Align2::LEFT_CENTER, vec2(g, 0.0)),
        Anchor::Top => (Align2::CENTER_BOTTOM, vec2(0.0, -g)),
        Anchor::Bottom => (Align2::CENTER_TOP, vec2(0.0, g)),
    };
    painter.text(
        at + offset,
        align,
        &label.text,
        FontId::proportional(label.size.max(1.0)),
        color(label.color),
    )
}

/// Paints a marker of `shape` centred at `centre`; `radius` is the half-size of a square
/// (the other shapes are sized to look as large). Usable by any egui UI (the window's panel).
pub fn paint_marker(
    painter: &egui::Painter,
    shape: MarkerShape,
    centre: Pos2,
    radius: f32,
    fill: Color32,
    stroke: Stroke,
) {
    let at = |dx: f32, dy: f32| centre + vec2(dx, dy);
    let r = radius;
    match shape {
        MarkerShape::Square => {
            painter.rect(
                Rect::from_center_size(centre, Vec2::splat(2.0 * r * 0.9)),
                CornerRadius::ZERO,
                fill,
                stroke,
                StrokeKind::Middle,
            );
        }
        MarkerShape::Circle => {
            painter.circle(centre, r, fill, stroke);
        }
        MarkerShape::Triangle => {
            // Pointing up; centred on its centroid, a little larger to match the square's area.
            let s = 1.25 * r;
            let points = [-90.0_f32, 30.0, 150.0]
                .map(|deg| {
                    let (sin, cos) = deg.to_radians().sin_cos();
                    at(s * cos, s * sin + 0.1 * r)
                })
                .to_vec();
            painter.add(Shape::convex_polygon(points, fill, stroke));
        }
        MarkerShape::Diamond => {
            let (w, h) = (0.95 * r, 1.3 * r);
            let points = vec![at(0.0, -h), at(w, 0.0), at(0.0, h), at(-w, 0.0)];
            painter.add(Shape::convex_polygon(points, fill, stroke));
        }
        MarkerShape::Cross => {
            // An 'x' has no inside: draw it in the outline colour, thick.
            let d = 0.85 * r;
            let thick = Stroke::new(stroke.width.max(0.25 * r), stroke.color);
            painter.line_segment([at(-d, -d), at(d, d)], thick);
            painter.line_segment([at(-d, d), at(d, -d)], thick);
        }
        MarkerShape::Star => {
            let points: Vec<Pos2> = (0..10)
                .map(|i| {
                    let rad = if i % 2 == 0 { 1.35 * r } else { 0.55 * r };
                    let (sin, cos) = (-90.0_f32 + 36.0 * i as f32).to_radians().sin_cos();
                    at(rad * cos, rad * sin + 0.1 * r)
                })
                .collect();
            // Not convex: fill as a fan around the centre, then outline.
            let mut mesh = Mesh::default();
            mesh.colored_vertex(centre, fill);
            for p in &points {
                mesh.colored_vertex(*p, fill);
            }
            for i in 0..10u32 {
                mesh.add_triangle(0, 1 + i, 1 + (i + 1) % 10);
            }
            painter.add(Shape::mesh(mesh));
            painter.add(Shape::closed_line(points, PathStroke::from(stroke)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: f32, w: f32) -> Rect {
        Rect::from_min_size(pos2(x, 0.0), vec2(w, 10.0))
    }

    #[test]
    fn labels_that_would_touch_are_left_out_but_the_ends() {
        // "1e-4" then "0.001" 2 points to its right: glued; the ends stay.
        let rects = [at(0.0, 24.0), at(26.0, 30.0), at(60.0, 24.0), at(120.0, 24.0)];
        assert_eq!(spaced_labels(&rects, 4.0), [true, false, true, true]);
        // A middle label too close to the last gives way to it.
        let rects = [at(0.0, 20.0), at(50.0, 20.0), at(72.0, 20.0)];
        assert_eq!(spaced_labels(&rects, 4.0), [true, false, true]);
        assert_eq!(spaced_labels(&[at(0.0, 20.0)], 4.0), [true]);
        assert!(spaced_labels(&[], 4.0).is_empty());
    }
}
