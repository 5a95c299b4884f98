//! Where each part of the overlay goes: the title, legend and 'Initialization' boxes at the
//! top, the colour bar and insets on the right, labels where the 3D frame projected them, and
//! the strip of plots along the bottom (the camera's `bottom_inset` keeps the 3D view above it).

use std::collections::HashMap;

use egui::epaint::CornerRadius;
use egui::{Align2, Color32, FontId, Pos2, Rect, pos2, vec2};

use super::legend_box::LegendColumn;
use super::look;
use super::plot_paint::{PlotLayout, paint_plot};
use super::style::{Inset, OverlayContent, PlotPlacement};
use super::widgets::{
    fit_line, inset_frame, inset_image_width, paint_color_bar, paint_inset, paint_label, paint_paths,
};
use super::{OverlayLayout, pixels_per_point_for};

/// Paints `content` into `area` (logical points) on the overlay's layer, with the insets'
/// images from `textures` (by inset id); returns where the parts went (points).
pub fn paint_content(
    ctx: &egui::Context,
    area: Rect,
    content: &OverlayContent,
    textures: &HashMap<u64, egui::TextureId>,
    cached_grounds: &[Rect],
) -> OverlayLayout {
    let layer = egui::LayerId::new(egui::Order::Background, egui::Id::unique("descent.overlay"));
    let painter = ctx.layer_painter(layer).with_clip_rect(ctx.viewport_rect());
    let inner = area.shrink(look::MARGIN);
    // Lay everything out first, so the corners can make room for the title.
    let title = content.title.as_deref().filter(|t| !t.is_empty()).map(|t| {
        let galley = fit_line(&painter, t, look::TITLE_SIZE, look::TEXT, inner.width());
        let rect = Align2::CENTER_TOP.anchor_size(inner.center_top(), galley.size());
        (galley, rect)
    });
    // The subtitle, centred under the title (or where it would be).
    let subtitle = content.subtitle.as_deref().filter(|t| !t.is_empty()).map(|t| {
        let galley = fit_line(&painter, t, look::STATUS_SIZE, look::STATUS, inner.width());
        let top = title.as_ref().map_or(inner.top(), |(_, r)| r.bottom() + 2.0);
        let rect = Align2::CENTER_TOP.anchor_size(pos2(inner.center().x, top), galley.size());
        (galley, rect)
    });
    // One block for what keeps clear of it: (first galley, whole rect, the subtitle).
    let title = match (title, subtitle) {
        (title, None) => title.map(|(g, r)| (g, r, None)),
        (Some((g, r)), Some((sg, sr))) => Some((g, r.union(sr), Some((sg, sr)))),
        (None, Some((sg, sr))) => Some((sg, sr, None)),
    };
    let status = (!content.status.is_empty()).then(|| {
        let galley = painter.layout_no_wrap(
            content.status.clone(),
            FontId::proportional(look::STATUS_SIZE),
            look::STATUS,
        );
        let rect = Align2::LEFT_TOP.anchor_size(inner.left_top(), galley.size());
        (galley, rect)
    });
    let column = LegendColumn::new(&painter, &content.legend, &content.starts);
    // A corner block that would touch the title moves down below it.
    let title_rect = title.as_ref().map(|(_, r, _)| *r);
    let clear_of_title = |rect: Rect| match title_rect {
        Some(t) if rect.expand(look::BOX_GAP).intersects(t) => t.bottom() + look::BOX_GAP - rect.top(),
        _ => 0.0,
    };
    let status = status.map(|(galley, rect)| (galley, rect.translate(vec2(0.0, clear_of_title(rect)))));
    let column_rect = Rect::from_min_size(
        inner.right_top() - vec2(column.width, 0.0),
        vec2(column.width, column.height()),
    );
    let down = clear_of_title(column_rect);
    // The 3D view's labels, then the plots over them, then the text over both.
    let labels: Vec<Rect> = content
        .labels
        .iter()
        .map(|l| paint_label(&painter, l, ctx.pixels_per_point()))
        .collect();
    paint_paths(&painter, &content.paths, ctx.pixels_per_point());
    let top_band = [title_rect, status.as_ref().map(|(_, r)| *r)]
        .into_iter()
        .flatten()
        .map(|r| r.bottom() + look::BOX_GAP)
        .fold(inner.top(), f32::max);
    let column_left = (column.height() > 0.0).then(|| column_rect.left() - look::BOX_GAP);
    let plots = paint_plots(
        &painter,
        area,
        inner,
        top_band,
        column_left,
        content,
        cached_grounds,
    );
    let status = status.map(|(galley, rect)| {
        painter.galley(rect.min, galley, look::STATUS);
        rect
    });
    let title = title.map(|(galley, rect, subtitle)| {
        let x = rect.center().x - galley.size().x / 2.0;
        painter.galley(pos2(x, rect.top()), galley, look::TEXT);
        if let Some((galley, at)) = subtitle {
            painter.galley(at.min, galley, look::STATUS);
        }
        rect
    });
    let (legend, starts) = column.paint(&painter, inner.right_top() + vec2(0.0, down));
    let below = [legend, starts]
        .into_iter()
        .flatten()
        .map(|r| r.bottom() + look::BOX_GAP)
        .fold(inner.top() + down, f32::max);
    let (color_bar, color_bar_labels) = match content.color_bar.as_ref() {
        Some(bar) => {
            let (rect, labels) = paint_color_bar(&painter, bar, pos2(inner.right(), below), column.width);
            (Some(rect), labels)
        }
        None => (None, Vec::new()),
    };
    let mut right = inner.right();
    // Insets sit above a strip of small plots, not over it.
    let inset_area = if content.plots.iter().any(|p| p.placement == PlotPlacement::Strip) {
        let bottom = inner.bottom() - strip_height(inner.height()) - PLOT_GAP;
        Rect::from_min_max(inner.min, pos2(inner.max.x, bottom.max(inner.top() + 80.0)))
    } else {
        inner
    };
    let side = (0.3 * inset_area.height()).clamp(60.0, 260.0);
    let ppp = ctx.pixels_per_point();
    let axis_lines: Vec<[Pos2; 2]> = content
        .axis_lines
        .iter()
        .map(|l| [pos2(l[0], l[1]) / ppp, pos2(l[2], l[3]) / ppp])
        .collect();
    let (insets, inset_frames) = match content.insets.first() {
        Some(inset) if content.full_inset => {
            let (image, frame) = paint_full_inset(&painter, inner, top_band, inset, textures);
            (vec![image], vec![frame])
        }
        _ => content
            .insets
            .iter()
            .map(|inset| {
                let corner = pos2(right + look::PAD, inset_area.bottom() + 2.0);
                let (corner, side) =
                    clear_of_axes(&painter, inset, corner, side, &labels, &axis_lines, below);
                let rect = paint_inset(&painter, inset, textures.get(&inset.id).copied(), corner, side);
                let frame = inset_frame(&painter, inset, corner, side).0;
                // The next box ends left of this one's whole frame (its y labels included).
                right = frame.left() - look::BOX_GAP - look::PAD;
                (rect, frame)
            })
            .unzip(),
    };
    OverlayLayout {
        title,
        legend,
        starts,
        status,
        labels,
        plots,
        color_bar,
        color_bar_labels,
        insets,
        inset_frames,
    }
}

/// An inset as large as fits `inner` below `top` (its box centred): where its image and its
/// whole box went.
fn paint_full_inset(
    painter: &egui::Painter,
    inner: Rect,
    top: f32,
    inset: &Inset,
    textures: &HashMap<u64, egui::TextureId>,
) -> (Rect, Rect) {
    let region = Rect::from_min_max(pos2(inner.left(), top), inner.max);
    // What labels and title add around a large image (wider than its title).
    const BIG: f32 = 4096.0;
    let (big, big_image) = inset_frame(painter, inset, pos2(0.0, 0.0), BIG);
    let extra = big.size() - big_image.size();
    let (per_w, per_h) = (big_image.width() / BIG, big_image.height() / BIG);
    let side_w = (region.width() - extra.x) / per_w.max(1e-6);
    let side_h = (region.height() - extra.y) / per_h.max(1e-6);
    let side = side_w.min(side_h).max(16.0);
    let (frame, _) = inset_frame(painter, inset, pos2(0.0, 0.0), side);
    let corner = pos2(
        region.center().x + 0.5 * frame.width(),
        region.center().y + 0.5 * frame.height(),
    );
    let image = paint_inset(painter, inset, textures.get(&inset.id).copied(), corner, side);
    (image, inset_frame(painter, inset, corner, side).0)
}

/// The smallest image side an inset shrinks to, to sit beside the axes rather than on them.
const MIN_INSET_SIDE: f32 = 100.0;

/// Where an inset's box goes (its bottom-right corner and image side) so that it covers no
/// axis line or label: where it is, if it covers none; else beside the axes (right of every
/// line and label, shrunk to fit down to [`MIN_INSET_SIDE`]); else raised above what it covers,
/// if it then stays below `top`; else where it was.
fn clear_of_axes(
    painter: &egui::Painter,
    inset: &Inset,
    corner: Pos2,
    side: f32,
    labels: &[Rect],
    lines: &[[Pos2; 2]],
    top: f32,
) -> (Pos2, f32) {
    // What the frame covers, as rects (a line by the part of it inside the frame).
    let covered = |frame: Rect| -> Vec<Rect> {
        let boxes = labels.iter().filter(|l| l.intersects(frame)).copied();
        let segments = lines.iter().filter_map(|&[a, b]| clip_segment(frame, a, b));
        boxes.chain(segments).collect()
    };
    let at = |corner: Pos2, side: f32| inset_frame(painter, inset, corner, side).0;
    if covered(at(corner, side)).is_empty() {
        return (corner, side);
    }
    // Beside the axes: right of every label and line end, shrunk to fit.
    let axes_right = labels
        .iter()
        .map(|l| l.right())
        .chain(lines.iter().flat_map(|l| [l[0].x, l[1].x]))
        .fold(f32::NEG_INFINITY, f32::max);
    let room = corner.x - axes_right - look::BOX_GAP;
    let fixed = at(corner, side).width() - inset_image_width(inset, side);
    let fit = ((room - fixed) / inset_image_width(inset, 1.0)).min(side);
    if fit >= MIN_INSET_SIDE && covered(at(corner, fit)).is_empty() {
        return (corner, fit);
    }
    // Above what it covers, as often as that uncovers something else.
    let mut raised = corner;
    for _ in 0..=labels.len() + lines.len() {
        let frame = at(raised, side);
        let Some(highest) = covered(frame).iter().map(|r| r.top()).reduce(f32::min) else {
            return (raised, side);
        };
        raised.y = highest - look::BOX_GAP;
        if raised.y - frame.height() < top {
            break;
        }
    }
    (corner, side)
}

/// The part of the segment `a`-`b` inside `rect` (Liang-Barsky), as its bounding rect.
fn clip_segment(rect: Rect, a: Pos2, b: Pos2) -> Option<Rect> {
    let d = b - a;
    let (mut t0, mut t1) = (0.0f32, 1.0f32);
    for (p, q) in [
        (-d.x, a.x - rect.left()),
        (d.x, rect.right() - a.x),
        (-d.y, a.y - rect.top()),
        (d.y, rect.bottom() - a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    (t0 <= t1).then(|| Rect::from_two_pos(a + d * t0, a + d * t1))
}

/// Gap between plots, and between the strip and the 3D view above it (points).
const PLOT_GAP: f32 = 8.0;

/// Height of the plot strip for an inner area `inner_height` points tall.
fn strip_height(inner_height: f32) -> f32 {
    (0.32 * inner_height).min(180.0)
}

/// Share of a frame `height_px` tall that a strip of plots takes at the bottom (margin and gap
/// included): the camera's `bottom_inset`, so the 3D view sits above the strip.
pub fn strip_share(height_px: u32) -> f32 {
    let height = height_px as f32 / pixels_per_point_for(height_px);
    let inner = height - 2.0 * look::MARGIN;
    ((strip_height(inner) + look::MARGIN + PLOT_GAP) / height).clamp(0.0, 0.5)
}

/// Lays out and paints the plots: [`PlotPlacement::Full`] ones share the frame under the
/// title band and left of the legend column (on a white ground that hides the 3D view), the
/// others a strip along the bottom, left to right.
fn paint_plots(
    painter: &egui::Painter,
    area: Rect,
    inner: Rect,
    top_band: f32,
    column_left: Option<f32>,
    content: &OverlayContent,
    cached_grounds: &[Rect],
) -> Vec<PlotLayout> {
    const GAP: f32 = PLOT_GAP;
    let full: Vec<usize> = (0..content.plots.len())
        .filter(|&i| content.plots[i].placement == PlotPlacement::Full)
        .collect();
    let strip: Vec<usize> = (0..content.plots.len())
        .filter(|&i| content.plots[i].placement == PlotPlacement::Strip)
        .collect();
    let mut rects = vec![Rect::NOTHING; content.plots.len()];
    let mut strip_bottom = inner.bottom();
    if !full.is_empty() {
        painter.rect_filled(area, CornerRadius::ZERO, Color32::WHITE);
        let right = column_left.unwrap_or(inner.right()).max(inner.left() + 100.0);
        let mut region = Rect::from_min_max(pos2(inner.left(), top_band), pos2(right, inner.bottom()));
        if !strip.is_empty() {
            // Small plots keep their strip at the bottom; the big ones take the rest.
            let h = (0.3 * inner.height()).min(170.0);
            region.max.y -= h + GAP;
        }
        let w = (region.width() - GAP * (full.len() - 1) as f32) / full.len() as f32;
        for (k, &i) in full.iter().enumerate() {
            rects[i] = Rect::from_min_size(
                pos2(region.left() + k as f32 * (w + GAP), region.top()),
                vec2(w, region.height()),
            );
        }
        strip_bottom = inner.bottom();
    }
    if !strip.is_empty() {
        let k = strip.len() as f32;
        let w = ((inner.width() - GAP * (k - 1.0)) / k).min(280.0);
        let h = strip_height(inner.height());
        for (j, &i) in strip.iter().enumerate() {
            rects[i] = Rect::from_min_size(
                pos2(inner.left() + j as f32 * (w + GAP), strip_bottom - h),
                vec2(w, h),
            );
        }
    }
    content
        .plots
        .iter()
        .zip(rects)
        .map(|(plot, rect)| {
            let boxed = plot.placement == PlotPlacement::Strip;
            paint_plot(
                painter,
                rect,
                plot,
                boxed,
                boxed && !cached_grounds.contains(&rect),
            )
        })
        .collect()
}
