//! What the overlay says about a scene: one legend row per optimizer (its colour, name and
//! hyperparameters), the start points with their marker shapes (the blog post's
//! 'Initialization' box), the title and the step counter.

use crate::numbers::{count, short_number};
use crate::render::overlay::style::{
    LegendEntry, MarkerShape, OverlayContent, ScreenLabel, StartEntry, optimizer_color,
};
use crate::scene::Scene;

/// More start points than this are summarised in one line instead of listed.
pub const MAX_LISTED_STARTS: usize = 8;

/// What a scene's overlay says at `step`; `starts_noun` names its start points in the status
/// line when there are too many to list ("starts", or a model scene's "initialisations").
pub fn overlay_content(
    scene: &Scene,
    step: f64,
    labels: Vec<ScreenLabel>,
    starts_noun: &str,
) -> OverlayContent {
    let legend = scene
        .optimizers
        .iter()
        .enumerate()
        .map(|(i, o)| LegendEntry {
            color: optimizer_color(i),
            // A sweep is one row, however many groups it has.
            label: if o.sweep.is_empty() {
                o.describe()
            } else {
                format!("{} ({} groups)", o.describe(), count(o.group_count()))
            },
        })
        .collect();
    // A 1D problem's start is named by its variable: "x = 3", or "b = 0" when only the
    // intercept of a regression line descends.
    let variable = scene
        .view
        .axis_names
        .as_ref()
        .map_or("x", |names| names[0].as_str());
    // Generated only when few: a million random starts are not made again for every frame.
    let n_starts = scene.starts.count();
    let starts = if n_starts <= MAX_LISTED_STARTS as u64 {
        scene
            .start_points()
            .iter()
            .enumerate()
            .map(|(i, p)| StartEntry {
                shape: MarkerShape::for_start(i),
                label: if scene.surface.is_1d() {
                    format!("{variable} = {}", short_number(p[0]))
                } else {
                    format!("({}, {})", short_number(p[0]), short_number(p[1]))
                },
            })
            .collect()
    } else {
        Vec::new()
    };
    let shown = step.floor().min(f64::from(scene.steps)) as u32;
    let mut status = format!("step {shown} / {}", scene.steps);
    if n_starts > MAX_LISTED_STARTS as u64 {
        let k = scene.optimizers.len();
        status.push_str(&format!(
            "   {} {starts_noun} x {k} optimizer{}",
            count(n_starts),
            if k == 1 { "" } else { "s" }
        ));
    }
    OverlayContent {
        title: Some(scene.title.clone().unwrap_or_else(|| scene.surface.name.clone())),
        legend,
        starts,
        status,
        labels,
        ..OverlayContent::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separated() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(100_000), "100,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn numbers_read_like_a_person_wrote_them() {
        assert_eq!(short_number(1.0), "1");
        assert_eq!(short_number(0.25), "0.25");
        assert_eq!(short_number(1e-8), "1e-8");
        assert_eq!(short_number(-2.5), "-2.5");
        assert_eq!(short_number(0.0), "0");
    }

    #[test]
    fn the_saddle_legend() {
        let scene = Scene::default_scene();
        let c = overlay_content(&scene, 120.4, Vec::new(), "starts");
        assert_eq!(c.legend.len(), 1);
        assert_eq!(
            c.starts.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(),
            ["(1, 0)", "(1, 0.25)"]
        );
        assert_eq!(c.starts[0].shape, MarkerShape::Square);
        assert_eq!(c.status, "step 120 / 200");
    }
}
