//! The legend box (one row per optimizer: swatch, marker, label) and the 'Initialization' box
//! of start points under it, as matplotlib draws them.

use std::sync::Arc;

use egui::epaint::{CornerRadius, Galley, StrokeKind};
use egui::{Color32, FontId, Pos2, Rect, Stroke, pos2, vec2};

use super::look;
use super::style::{LegendEntry, MarkerShape, StartEntry};
use super::widgets::{color, paint_marker};

/// One laid-out row of a legend box: what to draw left of the text, and the text.
pub(super) struct Row {
    swatch: Swatch,
    galley: Arc<Galley>,
}

pub(super) enum Swatch {
    /// Optimizer: a short line in its colour with a dot in the middle.
    Line(Color32),
    /// Start point: its marker shape.
    Marker(MarkerShape),
    /// The box's heading.
    None,
}

/// The optimizer legend and, under it, the 'Initialization' box: right-aligned, sharing one
/// width so they read as one column.
pub(super) struct LegendColumn {
    legend: Vec<Row>,
    starts: Vec<Row>,
    pub(super) width: f32,
}

impl LegendColumn {
    const TEXT_X: f32 = look::PAD + look::SWATCH_LEN + look::SWATCH_GAP;

    pub(super) fn new(painter: &egui::Painter, legend: &[LegendEntry], starts: &[StartEntry]) -> Self {
        let font = FontId::proportional(look::TEXT_SIZE);
        let layout =
            |text: &str, color: Color32| painter.layout_no_wrap(text.to_owned(), font.clone(), color);
        let legend: Vec<Row> = legend
            .iter()
            .map(|e| Row {
                swatch: Swatch::Line(color(e.color)),
                galley: layout(&e.label, look::TEXT),
            })
            .collect();
        let mut start_rows = Vec::new();
        if !starts.is_empty() {
            start_rows.push(Row {
                swatch: Swatch::None,
                galley: layout("Initialization", look::HEADER),
            });
            start_rows.extend(starts.iter().map(|s| Row {
                swatch: Swatch::Marker(s.shape),
                galley: layout(&s.label, look::TEXT),
            }));
            let shapes = MarkerShape::CYCLE.len();
            if starts.len() > shapes {
                // Each start has its own shape up to the cycle's length; past it, say so.
                start_rows.push(Row {
                    swatch: Swatch::None,
                    galley: layout(&format!("(marker shapes repeat after {shapes})"), look::STATUS),
                });
            }
        }
        let row_width = |r: &Row| match r.swatch {
            Swatch::None => look::PAD + r.galley.size().x,
            _ => Self::TEXT_X + r.galley.size().x,
        };
        let width = legend
            .iter()
            .chain(&start_rows)
            .map(row_width)
            .fold(0.0_f32, f32::max)
            + look::PAD;
        Self {
            legend,
            starts: start_rows,
            width,
        }
    }

    pub(super) fn box_height(rows: &[Row]) -> f32 {
        rows.iter().map(|r| r.galley.size().y).sum::<f32>()
            + look::ROW_GAP * rows.len().saturating_sub(1) as f32
            + 2.0 * look::PAD
    }

    pub(super) fn height(&self) -> f32 {
        match (self.legend.is_empty(), self.starts.is_empty()) {
            (true, true) => 0.0,
            (false, true) => Self::box_height(&self.legend),
            (true, false) => Self::box_height(&self.starts),
            (false, false) => Self::box_height(&self.legend) + look::BOX_GAP + Self::box_height(&self.starts),
        }
    }

    /// Paints both boxes (those with rows) down from `top_right`; returns their rects.
    pub(super) fn paint(&self, painter: &egui::Painter, top_right: Pos2) -> (Option<Rect>, Option<Rect>) {
        let mut top = top_right.y;
        let mut paint_box = |rows: &[Row]| -> Option<Rect> {
            if rows.is_empty() {
                return None;
            }
            let rect = Rect::from_min_size(
                pos2(top_right.x - self.width, top),
                vec2(self.width, Self::box_height(rows)),
            );
            top = rect.bottom() + look::BOX_GAP;
            painter.rect(
                rect,
                CornerRadius::same(look::CORNER),
                look::BOX_FILL,
                Stroke::new(1.0, look::BOX_EDGE),
                StrokeKind::Inside,
            );
            let mut y = rect.top() + look::PAD;
            for row in rows {
                let h = row.galley.size().y;
                let swatch_centre = pos2(rect.left() + look::PAD + 0.5 * look::SWATCH_LEN, y + 0.5 * h);
                let text_left = match row.swatch {
                    Swatch::Line(c) => {
                        let half = vec2(0.5 * look::SWATCH_LEN, 0.0);
                        painter.line_segment(
                            [swatch_centre - half, swatch_centre + half],
                            Stroke::new(look::SWATCH_WIDTH, c),
                        );
                        painter.circle(
                            swatch_centre,
                            look::DOT_RADIUS,
                            c,
                            Stroke::new(0.75, look::MARKER_EDGE),
                        );
                        rect.left() + Self::TEXT_X
                    }
                    Swatch::Marker(shape) => {
                        paint_marker(
                            painter,
                            shape,
                            swatch_centre,
                            look::START_MARKER,
                            look::START_FILL,
                            Stroke::new(1.25, look::MARKER_EDGE),
                        );
                        rect.left() + Self::TEXT_X
                    }
                    Swatch::None => rect.left() + look::PAD,
                };
                painter.galley(pos2(text_left, y), row.galley.clone(), look::TEXT);
                y += h + look::ROW_GAP;
            }
            Some(rect)
        };
        let legend = paint_box(&self.legend);
        let starts = paint_box(&self.starts);
        (legend, starts)
    }
}
