//! The page's widgets as a script sees them: each labelled widget of the panel with its role
//! and rectangle in CSS pixels, read from egui's accessibility tree (which egui builds only
//! once asked). `descent.widgets()` returns them: a blog post's script, or the browser tests,
//! can find "contour lines" and click it as a person would. The frame's insets (a sweep's
//! maps, a model's data views) are listed too, as role "Inset" labelled "inset K", so a
//! script can click a map's pixel.

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
/// next frame (until then the list is empty), drawn at once even by a resting page.
pub fn list() -> Vec<Widget> {
    if !WANTED.with(|w| w.replace(true)) {
        crate::gpu::later::wake();
    }
    WIDGETS.with(|w| w.borrow().clone())
}

pub(super) fn wanted() -> bool {
    WANTED.with(Cell::get)
}

/// Keeps the labelled widgets of `update` and the frame's `insets` (window points); egui's
/// points are `css_per_point` CSS pixels.
pub(super) fn record(update: &accesskit::TreeUpdate, css_per_point: f64, insets: &[egui::Rect]) {
    let insets = insets.iter().enumerate().map(|(k, r)| Widget {
        role: "Inset".to_string(),
        label: format!("inset {k}"),
        rect: [r.min.x, r.min.y, r.width(), r.height()].map(|v| f64::from(v) * css_per_point),
    });
    // A combo box is labelled by a label widget beside it, not by a label of its own.
    let texts: std::collections::HashMap<accesskit::NodeId, &str> = update
        .nodes
        .iter()
        .filter_map(|(id, node)| Some((*id, node.label().or(node.value())?)))
        .collect();
    let widgets = update
        .nodes
        .iter()
        .filter_map(|(_, node)| {
            let label = match node.label() {
                Some(label) => label.to_string(),
                None => node
                    .labelled_by()
                    .iter()
                    .find_map(|id| texts.get(id))?
                    .to_string(),
            };
            let b = node.bounds()?;
            Some(Widget {
                role: format!("{:?}", node.role()),
                label,
                rect: [b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0].map(|v| v * css_per_point),
            })
        })
        .chain(insets)
        .collect();
    WIDGETS.with(|w| *w.borrow_mut() = widgets);
}
