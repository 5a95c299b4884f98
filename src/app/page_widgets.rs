//! The page's widgets as a script sees them: each labelled widget of the panel with its role
//! and rectangle in CSS pixels, read from egui's accessibility tree (which egui builds only
//! once asked). `descent.widgets()` returns them: a blog post's script, or the browser tests,
//! can find "contour lines" and click it as a person would.

use std::cell::{Cell, RefCell};

use egui::accesskit;

/// One labelled widget: its role (as AccessKit names it), label and rectangle (CSS pixels).
#[derive(Clone, Debug)]
pub struct Widget {
    pub role: String,
    pub label: String,
    pub rect: [f64; 4],
}

thread_local! {
    static WANTED: Cell<bool> = const { Cell::new(false) };
    static WIDGETS: RefCell<Vec<Widget>> = const { RefCell::new(Vec::new()) };
}

/// The widgets of the last frame; the first call asks egui for its tree, which comes with the
/// next frame (until then the list is empty).
pub fn list() -> Vec<Widget> {
    WANTED.with(|w| w.set(true));
    WIDGETS.with(|w| w.borrow().clone())
}

pub(super) fn wanted() -> bool {
    WANTED.with(Cell::get)
}

/// Keeps the labelled widgets of `update`; egui's points are `css_per_point` CSS pixels.
pub(super) fn record(update: &accesskit::TreeUpdate, css_per_point: f64) {
    let widgets = update
        .nodes
        .iter()
        .filter_map(|(_, node)| {
            let label = node.label()?.to_string();
            let b = node.bounds()?;
            Some(Widget {
                role: format!("{:?}", node.role()),
                label,
                rect: [b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0].map(|v| v * css_per_point),
            })
        })
        .collect();
    WIDGETS.with(|w| *w.borrow_mut() = widgets);
}
