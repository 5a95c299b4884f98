//! The window's editing, driven through egui's test harness (egui_kittest): the real
//! `Viewer` (simulation, renderer, panel) runs its UI each harness frame on the test adapter,
//! with no window; keys, clicks, drags and panel widgets go in as egui input, and the viewer's
//! scene, camera and clock are read back. The real window under Xvfb is tests/window.rs.

mod common;

use descent::app::viewer::{Viewer, ViewerOptions};
use descent::camera::OrbitCamera;
use descent::scene::Scene;
use egui::{Key, Modifiers, PointerButton, Pos2, pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

struct App {
    viewer: Viewer,
}

/// A bowl over [-2, 2]^2 with no plots (the 3D view fills the viewport), GD from (1, 1),
/// seen from above.
const BOWL: &str = r#"
title = "bowl"
[surface]
name = "bowl"
[[optimizer]]
name = "gd"
lr = 0.1
[starts]
points = [[1.0, 1.0]]
[run]
steps = 50
[view]
camera = "top"
"#;

fn harness(scene_text: &str) -> Harness<'static, App> {
    harness_with(scene_text, descent::app::viewer::PANEL_REFRESH)
}

fn harness_with(scene_text: &str, panel_refresh: std::time::Duration) -> Harness<'static, App> {
    let gpu = common::gpu();
    let scene = Scene::parse("window.toml", scene_text).unwrap_or_else(|e| panic!("{e}"));
    let (settings, camera) = descent::render::view_settings(&scene.view, [1000, 700], 1).expect("view");
    let dir = std::env::temp_dir().join(format!("descent-panel-{}", std::process::id()));
    let viewer = Viewer::new(
        gpu,
        ViewerOptions {
            scene,
            size: [1000, 700],
            capture_dir: dir,
            record_size: None,
            exit_after_frames: None,
            paused: true,
            settings,
            camera,
            panel_refresh,
            panel: true,
        },
    )
    .expect("viewer");
    let mut h = Harness::builder()
        .with_size(egui::vec2(1000.0, 700.0))
        .with_accessibility_check(false)
        .build_ui_state(
            |ui, app: &mut App| app.viewer.ui(ui, common::gpu()),
            App { viewer },
        );
    h.run_steps(2);
    h
}

fn viewer<'a>(h: &'a Harness<'static, App>) -> &'a Viewer {
    &h.state().viewer
}

fn press(h: &mut Harness<'static, App>, key: Key) {
    h.key_press(key);
    h.run_steps(3);
}

/// The data point under viewport position `p`, by hand: the top view is orthographic, 2.8
/// world units tall and centred, x right and y up, the bowl's [-2, 2] mapped to world [-1, 1].
fn data_at(viewport: egui::Rect, p: Pos2) -> [f64; 2] {
    let scale = 2.8 / f64::from(viewport.height());
    let c = viewport.center();
    [
        2.0 * f64::from(p.x - c.x) * scale,
        -2.0 * f64::from(p.y - c.y) * scale,
    ]
}

/// Where data (x, y) shows in the viewport (the inverse of `data_at`).
fn screen_at(viewport: egui::Rect, x: f64, y: f64) -> Pos2 {
    let scale = f64::from(viewport.height()) / 2.8;
    let c = viewport.center();
    pos2(c.x + (x / 2.0 * scale) as f32, c.y - (y / 2.0 * scale) as f32)
}

fn click(h: &mut Harness<'static, App>, p: Pos2, modifiers: Modifiers) {
    h.event(egui::Event::PointerMoved(p));
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: p,
            button: PointerButton::Primary,
            pressed,
            modifiers,
        });
    }
    h.run_steps(3);
}

/// A left drag from `a` to `b` in ten moves, a frame each, with `modifiers` held.
fn drag(h: &mut Harness<'static, App>, a: Pos2, b: Pos2, modifiers: Modifiers) {
    h.event(egui::Event::ModifiersChanged(modifiers));
    h.event(egui::Event::PointerMoved(a));
    h.event(egui::Event::PointerButton {
        pos: a,
        button: PointerButton::Primary,
        pressed: true,
        modifiers,
    });
    h.run_steps(1);
    for k in 1..=10 {
        h.event(egui::Event::PointerMoved(a + (b - a) * (k as f32 / 10.0)));
        h.run_steps(1);
    }
    h.event(egui::Event::PointerButton {
        pos: b,
        button: PointerButton::Primary,
        pressed: false,
        modifiers,
    });
    h.event(egui::Event::ModifiersChanged(Modifiers::NONE));
    h.run_steps(3);
}

#[test]
fn clicking_the_surface_adds_a_start_there() {
    let mut h = harness(BOWL);
    let viewport = viewer(&h).viewport();
    assert!(viewport.width() > 400.0, "{viewport:?}");
    let target = screen_at(viewport, -1.0, 0.5);
    click(&mut h, target, Modifiers::NONE);
    let points = viewer(&h).scene().starts.points.clone();
    assert_eq!(points.len(), 2, "{points:?}");
    let want = data_at(viewport, target);
    assert!(
        (points[1][0] - want[0]).abs() < 0.02 && (points[1][1] - want[1]).abs() < 0.02,
        "clicked at {want:?} (by hand), start added at {:?}",
        points[1]
    );
    // The simulation runs the new start: one particle more.
    assert_eq!(viewer(&h).world().sim.particle_count(), 2);
    // Outside the surface (the viewport's corner, past the box): nothing.
    click(
        &mut h,
        viewport.left_top() + egui::vec2(5.0, 5.0),
        Modifiers::NONE,
    );
    assert_eq!(viewer(&h).scene().starts.points.len(), 2);
}

/// Two fingers on the view: spread apart they zoom in towards their centre (the camera comes
/// closer) and add no start; moved together they pan (the target moves) without orbiting.
#[test]
fn two_fingers_pinch_to_zoom_and_pan() {
    let mut h = harness(BOWL);
    let viewport = viewer(&h).viewport();
    let centre = viewport.center();
    // As egui-winit does, the first finger also moves the pointer (egui starts a gesture
    // where the pointer is).
    let touch = |h: &mut Harness<'static, App>, id: u64, phase: egui::TouchPhase, pos: Pos2| {
        if id == 1 {
            h.event(egui::Event::PointerMoved(pos));
        }
        h.event(egui::Event::Touch {
            device_id: egui::TouchDeviceId(1),
            id: egui::TouchId(id),
            phase,
            pos,
            force: None,
        });
    };
    let gesture = |h: &mut Harness<'static, App>, at: &dyn Fn(f32) -> [Pos2; 2]| {
        let [a, b] = at(0.0);
        touch(h, 1, egui::TouchPhase::Start, a);
        touch(h, 2, egui::TouchPhase::Start, b);
        h.run();
        for k in 1..=10 {
            let [a, b] = at(k as f32 / 10.0);
            touch(h, 1, egui::TouchPhase::Move, a);
            touch(h, 2, egui::TouchPhase::Move, b);
            h.run();
        }
        let [a, b] = at(1.0);
        touch(h, 1, egui::TouchPhase::End, a);
        touch(h, 2, egui::TouchPhase::End, b);
        h.run();
    };
    // What zooming scales: the distance, or an orthographic view's height (the top view's).
    let extent = |c: &OrbitCamera| match c.projection {
        descent::camera::Projection::Perspective { .. } => c.distance,
        descent::camera::Projection::Orthographic { height } => height,
    };
    let before = *viewer(&h).camera();
    // Spread from 40 to 240 pixels apart about the centre.
    gesture(&mut h, &|t| {
        let half = 20.0 + 100.0 * t;
        [centre - egui::vec2(half, 0.0), centre + egui::vec2(half, 0.0)]
    });
    let zoomed = *viewer(&h).camera();
    assert!(
        extent(&zoomed) < 0.5 * extent(&before),
        "{} -> {}",
        extent(&before),
        extent(&zoomed)
    );
    assert_eq!(
        (zoomed.azimuth_deg, zoomed.elevation_deg),
        (before.azimuth_deg, before.elevation_deg)
    );
    assert_eq!(viewer(&h).scene().starts.points.len(), 1, "a pinch adds no start");
    // Both fingers 150 pixels to the right, 60 apart.
    gesture(&mut h, &|t| {
        let x = 150.0 * t;
        [
            centre + egui::vec2(x - 30.0, 0.0),
            centre + egui::vec2(x + 30.0, 0.0),
        ]
    });
    let panned = *viewer(&h).camera();
    assert!(
        (panned.target - zoomed.target).length() > 1e-3,
        "{:?} -> {:?}",
        zoomed.target,
        panned.target
    );
    assert_eq!(
        (panned.azimuth_deg, panned.elevation_deg),
        (before.azimuth_deg, before.elevation_deg)
    );
    assert!((extent(&panned) - extent(&zoomed)).abs() < 1e-3 * extent(&zoomed));
}

#[test]
fn shift_drag_adds_a_five_by_five_grid_of_starts() {
    let mut h = harness(BOWL);
    let viewport = viewer(&h).viewport();
    let (a, b) = (screen_at(viewport, -1.5, -1.0), screen_at(viewport, 0.5, 1.0));
    drag(&mut h, a, b, Modifiers::SHIFT);
    let points = viewer(&h).scene().starts.points.clone();
    assert_eq!(points.len(), 26, "one start and a 5x5 grid");
    // The grid runs from corner a to corner b in quarters: x -1.5, -1, ..., 0.5; y -1, ..., 1.
    for (k, p) in points[1..].iter().enumerate() {
        let (i, j) = (k % 5, k / 5);
        let want = [-1.5 + 0.5 * i as f64, -1.0 + 0.5 * j as f64];
        assert!(
            (p[0] - want[0]).abs() < 0.03 && (p[1] - want[1]).abs() < 0.03,
            "grid point {k}: {p:?}, by hand {want:?}"
        );
    }
    // The camera did not orbit: a shift drag draws a rectangle.
    assert_eq!(*viewer(&h).camera(), OrbitCamera::top());
}

#[test]
fn keys_change_the_view_the_clock_and_the_speed() {
    let mut h = harness(BOWL);
    press(&mut h, Key::Num1);
    assert_eq!(*viewer(&h).camera(), OrbitCamera::post());
    press(&mut h, Key::Num3);
    assert_eq!(*viewer(&h).camera(), OrbitCamera::side());
    press(&mut h, Key::Num2);
    assert_eq!(*viewer(&h).camera(), OrbitCamera::top());
    press(&mut h, Key::Num1);
    press(&mut h, Key::Num0);
    assert_eq!(
        *viewer(&h).camera(),
        OrbitCamera::top(),
        "0 goes back to the scene's view"
    );

    // Paused: '.' steps once, twice; the simulation follows the clock.
    assert!(!viewer(&h).is_playing());
    assert_eq!(viewer(&h).time(), 0.0);
    press(&mut h, Key::Period);
    assert_eq!(viewer(&h).time(), 1.0);
    press(&mut h, Key::Period);
    assert_eq!(viewer(&h).time(), 2.0);
    assert_eq!(viewer(&h).world().sim.steps_done(), 2);
    // r restarts from the start points.
    press(&mut h, Key::R);
    assert_eq!(viewer(&h).time(), 0.0);
    assert_eq!(viewer(&h).world().sim.steps_done(), 0);
    // + and - change the speed by half again and back.
    let speed = viewer(&h).steps_per_second();
    press(&mut h, Key::Plus);
    assert!((viewer(&h).steps_per_second() - 1.5 * speed).abs() < 1e-9);
    press(&mut h, Key::Minus);
    press(&mut h, Key::Minus);
    assert!((viewer(&h).steps_per_second() - speed / 1.5).abs() < 1e-9);
    // Space plays: the clock moves on by itself.
    press(&mut h, Key::Space);
    assert!(viewer(&h).is_playing());
    std::thread::sleep(std::time::Duration::from_millis(200));
    h.run_steps(2);
    assert!(viewer(&h).time() > 0.0, "playing, the clock stands still");
}

#[test]
fn the_panel_edits_the_surface_and_the_optimizers() {
    let mut h = harness(BOWL);
    // A bad expression: the error shows at its character, the old surface keeps running.
    h.get_by_role(egui::Role::TextInput).focus();
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run_steps(1);
    h.get_by_role(egui::Role::TextInput).type_text("x^2 + sinn(y)");
    h.run_steps(3);
    let (message, column) = viewer(&h).panel().surface_error().cloned().expect("an error");
    assert!(message.contains("unknown function 'sinn'"), "{message}");
    assert_eq!(column, 7, "{message}");
    assert!(
        h.query_by_label_contains("unknown function 'sinn'").is_some(),
        "the error is not shown"
    );
    assert_eq!(viewer(&h).scene().surface.name, "bowl");
    // Still running: a step goes through.
    h.key_press(Key::Enter);
    h.run_steps(3);
    assert_eq!(viewer(&h).scene().surface.name, "bowl");
    // Click off the field (in the viewport's corner, off the surface) so keys reach the view.
    let corner = viewer(&h).viewport().left_top() + egui::vec2(5.0, 5.0);
    click(&mut h, corner, Modifiers::NONE);
    assert_eq!(viewer(&h).scene().starts.points.len(), 1);
    press(&mut h, Key::Period);
    assert_eq!(viewer(&h).world().sim.steps_done(), 1, "the old surface stopped");

    // A valid expression replaces the surface.
    h.get_by_role(egui::Role::TextInput).focus();
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run_steps(1);
    h.get_by_role(egui::Role::TextInput).type_text("x^2 + 2*y^2");
    h.run_steps(2);
    h.key_press(Key::Enter);
    h.run_steps(3);
    assert!(viewer(&h).panel().surface_error().is_none());
    assert_eq!(viewer(&h).scene().surface.source, "x^2 + 2*y^2");
    assert_eq!(viewer(&h).scene().surface.value([1.0, 1.0]), 3.0);

    // Add an optimizer (adam, the one offered first), then remove the first (gd).
    h.get_by_label("add").click();
    h.run_steps(3);
    let names: Vec<String> = viewer(&h)
        .scene()
        .optimizers
        .iter()
        .map(|o| o.name.clone())
        .collect();
    assert_eq!(names, ["gd", "adam"]);
    assert_eq!(viewer(&h).world().sim.particle_count(), 2);
    h.get_all_by_label("remove")
        .next()
        .expect("a remove button")
        .click();
    h.run_steps(3);
    let names: Vec<String> = viewer(&h)
        .scene()
        .optimizers
        .iter()
        .map(|o| o.name.clone())
        .collect();
    assert_eq!(names, ["adam"]);

    // Tune: adam's lr slider to 0.5 takes effect in the scene.
    let lr = h.get_by_role_and_label(egui::Role::Slider, "lr");
    lr.set_value_accesskit(0.5);
    h.run_steps(3);
    let lr = viewer(&h).scene().optimizers[0].params.lr;
    assert!((lr - 0.5).abs() < 1e-9, "lr {lr}");
}

/// An lr x momentum sweep on the bowl: 12 x 10 groups from one start.
const SWEEP: &str = r#"
title = "sweep"
[surface]
name = "bowl"
[[optimizer]]
name = "sgd"
lr = { from = 0.05, to = 1.5, count = 12 }
momentum = { from = 0.0, to = 0.9, count = 10 }
[starts]
points = [[1.0, 1.0]]
[run]
steps = 50
[view]
camera = "top"
"#;

#[test]
fn clicking_a_pixel_of_the_sweep_map_picks_that_group() {
    let mut h = harness(SWEEP);
    let viewport = viewer(&h).viewport();
    let layout = viewer(&h).overlay_layout().clone();
    let inset = *layout.insets.first().expect("the sweep map inset");
    assert_eq!(viewer(&h).world().sweep.borrow().maps[0].dims, [12, 10]);
    // Frame pixels to window points (1 pixel per point here): column 9 of 12, row 2 of 10
    // from the bottom.
    let at = |u: f32, v: f32| {
        viewport.min + egui::vec2(inset.left() + u * inset.width(), inset.top() + v * inset.height())
    };
    click(&mut h, at(9.5 / 12.0, 1.0 - 2.5 / 10.0), Modifiers::NONE);
    assert_eq!(viewer(&h).world().sweep.borrow().picked, Some(2 * 12 + 9));
    // No start point was added by that click.
    assert_eq!(viewer(&h).scene().starts.points.len(), 1);
    // Another pixel picks another group.
    click(&mut h, at(0.5 / 12.0, 1.0 - 0.5 / 10.0), Modifiers::NONE);
    assert_eq!(viewer(&h).world().sweep.borrow().picked, Some(0));
}

/// A drag on the sweep map zooms into its rectangle: the sweep runs again on the ranges under
/// it, with as many groups; `[` goes back and `]` forward again.
#[test]
fn dragging_on_the_sweep_map_zooms_into_its_rectangle() {
    let mut h = harness(SWEEP);
    let viewport = viewer(&h).viewport();
    let inset = *viewer(&h)
        .overlay_layout()
        .insets
        .first()
        .expect("the sweep map inset");
    let at = |u: f32, v: f32| {
        viewport.min + egui::vec2(inset.left() + u * inset.width(), inset.top() + v * inset.height())
    };
    // From the centre of cell (2, 1) to that of (8, 6), counted from the bottom left.
    let (from, to) = (at(2.5 / 12.0, 1.0 - 1.5 / 10.0), at(8.5 / 12.0, 1.0 - 6.5 / 10.0));
    drag(&mut h, from, to, Modifiers::NONE);
    let ranges = |h: &Harness<'static, App>| -> Vec<(f64, f64, u32)> {
        viewer(h).scene().optimizers[0]
            .sweep
            .iter()
            .map(|a| (a.range.from, a.range.to, a.range.count))
            .collect()
    };
    // lr cells are (1.5 - 0.05) / 11 apart, momentum cells 0.1.
    let lr = |i: f64| 0.05 + (1.5 - 0.05) * i / 11.0;
    let zoomed = ranges(&h);
    assert_eq!(zoomed.len(), 2);
    for (got, want) in zoomed.iter().zip([(lr(2.0), lr(8.0), 12), (0.1, 0.6, 10)]) {
        assert!(
            (got.0 - want.0).abs() < 0.02 && (got.1 - want.1).abs() < 0.02 && got.2 == want.2,
            "{zoomed:?}"
        );
    }
    assert_eq!(
        viewer(&h).world().sim.particle_count(),
        120,
        "as many groups, again"
    );
    assert!(
        viewer(&h).world().scene().optimizers[0].label.contains("lr="),
        "the legend's label"
    );
    // No orbit happened, no start was added.
    assert_eq!(viewer(&h).scene().starts.points.len(), 1);
    press(&mut h, Key::OpenBracket);
    assert_eq!(ranges(&h), [(0.05, 1.5, 12), (0.0, 0.9, 10)], "back");
    press(&mut h, Key::CloseBracket);
    assert_eq!(ranges(&h), zoomed, "forward");
}

/// The frame the viewer shows, as it drew it last.
fn shown_frame(h: &Harness<'static, App>) -> image::RgbaImage {
    descent::render::read_texture_rgba(common::gpu(), viewer(h).world().renderer.target().texture()).unwrap()
}

#[test]
fn the_timeline_scrubs_back_and_forth_without_re_running() {
    let mut h = harness(BOWL);
    for _ in 0..20 {
        press(&mut h, Key::Period);
    }
    assert_eq!(viewer(&h).world().sim.steps_done(), 20);
    assert_eq!(viewer(&h).recorded_steps(), 0..=20);
    let at_20 = shown_frame(&h);

    // Back to step 5 with the slider: shown there, the simulation stays at 20, paused.
    let slider = h.get_by_role_and_label(egui::Role::Slider, "step");
    slider.set_value_accesskit(5.0);
    h.run_steps(3);
    assert_eq!(viewer(&h).time(), 5.0);
    assert!(!viewer(&h).is_playing());
    assert_eq!(
        viewer(&h).world().sim.steps_done(),
        20,
        "scrubbing re-ran the simulation"
    );
    let at_5 = shown_frame(&h);
    // GD on the bowl from (1, 1): x_k = 0.8^k. Between steps 5 (0.33) and 20 (0.012) the path
    // runs through (0.1, 0.1) at step ~10: drawn at step 20, not at step 5.
    let viewport = viewer(&h).viewport();
    let p = screen_at(viewport, 0.107, 0.107) - viewport.min;
    let diff = |a: &image::RgbaImage, b: &image::RgbaImage| {
        let mut d = 0;
        for dy in -3..=3 {
            for dx in -3..=3 {
                let (x, y) = ((p.x as i32 + dx) as u32, (p.y as i32 + dy) as u32);
                let (u, v) = (a.get_pixel(x, y).0, b.get_pixel(x, y).0);
                d += (0..3)
                    .map(|k| (i32::from(u[k]) - i32::from(v[k])).abs())
                    .sum::<i32>();
            }
        }
        d
    };
    assert!(
        diff(&at_20, &at_5) > 500,
        "the path past step 5 is still drawn ({})",
        diff(&at_20, &at_5)
    );

    // ',' steps back one more; then forward to 20 again: the same frame as before.
    press(&mut h, Key::Comma);
    assert_eq!(viewer(&h).time(), 4.0);
    let slider = h.get_by_role_and_label(egui::Role::Slider, "step");
    slider.set_value_accesskit(20.0);
    h.run_steps(3);
    assert_eq!(viewer(&h).time(), 20.0);
    assert_eq!(viewer(&h).world().sim.steps_done(), 20);
    assert_eq!(
        diff(&at_20, &shown_frame(&h)),
        0,
        "back at step 20, the frame differs"
    );

    // Play resumes from the step shown (slowed to ~2 steps/s, so a few frames stay short of
    // step 20 whatever the frame time).
    for _ in 0..8 {
        press(&mut h, Key::Minus);
    }
    let slider = h.get_by_role_and_label(egui::Role::Slider, "step");
    slider.set_value_accesskit(5.0);
    h.run_steps(3);
    press(&mut h, Key::Space);
    assert!(viewer(&h).is_playing());
    let t = viewer(&h).time();
    assert!((5.0..20.0).contains(&t), "play went on from {t}, not from step 5");
}

#[test]
fn the_look_panel_switches_the_log_colour_scale() {
    let mut h = harness(BOWL);
    assert_eq!(
        viewer(&h).world().renderer.settings().color_scale,
        descent::render::ColorScale::Linear
    );
    // The Look section is below the fold of the side panel.
    h.get_by_label("log colour scale").click_accesskit();
    h.run_steps(3);
    assert_eq!(
        viewer(&h).world().renderer.settings().color_scale,
        descent::render::ColorScale::Log
    );
    assert_eq!(
        viewer(&h).scene().view.color_scale,
        Some(descent::render::ColorScale::Log)
    );
}

/// The panel's "open a scene" menu lists every shipped scene; one picked replaces the scene
/// with its own camera (sgd-2d-top looks from above) and panel, and the frame shows it.
#[test]
fn the_panel_opens_a_shipped_scene() {
    let mut h = harness(BOWL);
    let before = shown_frame(&h);
    h.get_by_label("open a scene").click();
    h.run_steps(2);
    assert!(
        h.query_by_label("models/two-moons-mlp").is_some(),
        "the model scenes are listed"
    );
    h.get_by_label("sgd-2d-top").click_accesskit();
    h.run_steps(4);
    let file = descent::scene::library::shipped("sgd-2d-top.toml")
        .expect("shipped")
        .expect("parses");
    assert_eq!(viewer(&h).scene().title, file.title);
    assert_eq!(viewer(&h).scene().optimizers.len(), file.optimizers.len());
    assert_eq!(
        viewer(&h).camera().elevation_deg,
        OrbitCamera::top().elevation_deg
    );
    let after = shown_frame(&h);
    let changed = before
        .pixels()
        .zip(after.pixels())
        .filter(|(a, b)| a.0.iter().zip(b.0).any(|(x, y)| x.abs_diff(y) > 40))
        .count();
    assert!(
        changed > (after.width() * after.height() / 10) as usize,
        "the frame barely changed: {changed} pixels"
    );
}

/// While the run plays, the panel's numbers (status, step slider, loss plot) follow it only
/// every `panel_refresh`, so the window mostly copies the panel's pixels; once it stops they
/// show the step reached at once.
#[test]
fn the_panel_follows_a_playing_run_at_its_refresh_rate_and_at_once_when_it_stops() {
    let mut h = harness_with(BOWL, std::time::Duration::from_secs(3600));
    h.run();
    assert!(
        h.query_by_label_contains("step 0 / 50").is_some(),
        "paused at step 0"
    );
    press(&mut h, Key::Space);
    let start = std::time::Instant::now();
    while viewer(&h).time() < 5.0 {
        assert!(start.elapsed().as_secs() < 60, "the run did not move");
        h.step();
    }
    assert!(
        h.query_by_label_contains("step 0 / 50").is_some(),
        "while playing, the panel showed a new step before its refresh was due"
    );
    press(&mut h, Key::Space);
    let step = viewer(&h).time().floor();
    assert!(step >= 5.0);
    // Once the simulation has caught up with the clock, the run has stopped moving.
    let label = format!("step {step:.0} / 50");
    let start = std::time::Instant::now();
    while h.query_by_label_contains(&label).is_none() {
        assert!(
            start.elapsed().as_secs() < 60,
            "paused at step {step}, the panel does not show it"
        );
        h.step();
    }
}

/// At its last step the run is "done" (not "playing"), and F9 on a finished run whose view
/// does not move records one frame, not a copy per redraw.
#[test]
fn a_finished_run_says_done_and_records_one_frame_of_a_still_view() {
    let mut h = harness(BOWL);
    press(&mut h, Key::Space);
    let start = std::time::Instant::now();
    while viewer(&h).time() < 50.0 || viewer(&h).is_animating() {
        assert!(start.elapsed().as_secs() < 60, "the run did not finish");
        h.step();
    }
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("step 50 / 50   done").is_some(),
        "the status line does not say done"
    );
    let dir = std::env::temp_dir().join(format!("descent-panel-{}", std::process::id()));
    let before: std::collections::HashSet<_> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    press(&mut h, Key::F9);
    h.run_steps(30);
    press(&mut h, Key::F9);
    let recording = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| !before.contains(p) && p.file_name().unwrap().to_string_lossy().starts_with("recording-"))
        .expect("a recording folder");
    let frames = std::fs::read_dir(&recording)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
        .count();
    assert_eq!(frames, 1, "{} frames of a still, finished run", frames);
}

/// A map-layout model sweep: Sohl-Dickstein's lr x lr map for a small mean-field network.
const MODEL_MAP: &str = r#"
title = "trainability"
[model]
model = "mlp:4-4-1:tanh:nobias:meanfield"
loss = "mse"
data = "teacher:n=20,d=4"
[[optimizer]]
name = "sgd"
lr_layer0 = { from = 1e-2, to = 1e4, count = 12, scale = "log" }
lr_layer1 = { from = 1e-2, to = 1e4, count = 10, scale = "log" }
[run]
steps = 30
[view]
sweep_score = "trainability"
layout = "map"
"#;

/// Frames until a model map has finished training (a slice of each frame goes to it).
fn until_trained(h: &mut Harness<'static, App>) {
    for _ in 0..2000 {
        if viewer(h).world().map_trained() {
            h.run_steps(2);
            return;
        }
        h.run_steps(1);
    }
    panic!("the map did not finish training");
}

/// In the map layout the window shows the map alone, filling the frame on white (no 3D
/// view), coloured by trainability, trained between frames coarse to fine; dragging on it
/// trains the models again over the rectangle's ranges, and `[` goes back.
#[test]
fn a_map_layout_model_sweep_fills_the_window_and_zooms() {
    let mut h = harness(MODEL_MAP);
    until_trained(&mut h);
    let viewport = viewer(&h).viewport();
    let inset = *viewer(&h).overlay_layout().insets.first().expect("the map");
    assert!(
        inset.height() > 0.6 * viewport.height(),
        "the map fills the frame: {inset:?} in {viewport:?}"
    );
    let frame = shown_frame(&h);
    let (w, h_px) = frame.dimensions();
    // Outside the map: white; inside: Spectral's red (diverged) and blue-violet (converged).
    assert_eq!(
        frame.get_pixel(4, h_px - 4).0,
        [255, 255, 255, 255],
        "no 3D view under the map"
    );
    let ppp = w as f32 / viewport.width();
    let inside: Vec<[u8; 4]> = (0..40)
        .flat_map(|i| (0..40).map(move |j| (i, j)))
        .map(|(i, j)| {
            let x = (inset.left() + (i as f32 + 0.5) / 40.0 * inset.width()) * ppp;
            let y = (inset.top() + (j as f32 + 0.5) / 40.0 * inset.height()) * ppp;
            frame.get_pixel(x as u32, y as u32).0
        })
        .collect();
    let red = inside.iter().filter(|p| p[0] > p[2].saturating_add(60)).count();
    let blue = inside.iter().filter(|p| p[2] > p[0].saturating_add(30)).count();
    assert!(red > 100 && blue > 100, "{red} red, {blue} blue of 1600");
    let at = |u: f32, v: f32| {
        viewport.min + egui::vec2(inset.left() + u * inset.width(), inset.top() + v * inset.height())
    };
    drag(&mut h, at(0.2, 0.8), at(0.7, 0.3), Modifiers::NONE);
    until_trained(&mut h);
    let ranges: Vec<(f64, f64)> = viewer(&h).scene().optimizers[0]
        .sweep
        .iter()
        .map(|a| (a.range.from, a.range.to))
        .collect();
    assert!(
        ranges[0].0 > 1e-2 && ranges[0].1 < 1e4 && ranges[1].0 > 1e-2 && ranges[1].1 < 1e4,
        "{ranges:?}"
    );
    {
        let sweep = viewer(&h).world().sweep.borrow();
        let map = &sweep.maps[0];
        assert_eq!(map.dims, [12, 10], "as many cells, retrained");
        assert!(map.x_range[0] != "0.01", "{:?}", map.x_range);
    }
    press(&mut h, Key::OpenBracket);
    assert_eq!(viewer(&h).scene().optimizers[0].sweep[0].range.from, 1e-2, "back");
}

/// The wheel over a map zooms its ranges about the pointer once the wheel rests: the value
/// under the pointer stays under it; turning it back goes back along the zoom history.
#[test]
fn the_wheel_over_a_map_zooms_about_the_pointer() {
    let mut h = harness(MODEL_MAP);
    until_trained(&mut h);
    let viewport = viewer(&h).viewport();
    let inset = *viewer(&h).overlay_layout().insets.first().expect("the map");
    let ppp = h.ctx.pixels_per_point();
    let (u, v) = (0.3, 0.6);
    let at =
        viewport.min + egui::vec2(inset.left() + u * inset.width(), inset.top() + v * inset.height()) / ppp;
    let before: Vec<_> = viewer(&h).scene().optimizers[0]
        .sweep
        .iter()
        .map(|a| a.range)
        .collect();
    let wheel = |h: &mut Harness<'static, App>, dy: f32| {
        h.event(egui::Event::PointerMoved(at));
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, dy),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: Modifiers::NONE,
        });
        // A few steps of a quarter second: the smoothed delta drains, then the wheel rests.
        h.run_steps(6);
    };
    wheel(&mut h, 350.0);
    until_trained(&mut h);
    let after: Vec<_> = viewer(&h).scene().optimizers[0]
        .sweep
        .iter()
        .map(|a| a.range)
        .collect();
    assert_ne!(after, before, "the wheel zoomed");
    // Across is lr_layer0, up lr_layer1 (rows run down): the value under the pointer keeps
    // its place along each range.
    for (k, (b, a)) in before.iter().zip(&after).enumerate() {
        let t = if k == 0 { u } else { 1.0 - v };
        let value = b.at(f64::from(t));
        let now = a.position(value);
        assert!(a.to / a.from < b.to / b.from, "axis {k} narrower: {a:?}");
        assert!((now - f64::from(t)).abs() < 0.1, "axis {k}: at {now}, was {t}");
    }
    assert_eq!(viewer(&h).world().sweep.borrow().maps[0].dims, [12, 10]);
    wheel(&mut h, -350.0);
    until_trained(&mut h);
    let back: Vec<_> = viewer(&h).scene().optimizers[0]
        .sweep
        .iter()
        .map(|a| a.range)
        .collect();
    assert_eq!(back, before, "out again: back along the history");
    // Past the scene's own ranges: wider, about the same value, within the rates' limits.
    wheel(&mut h, -350.0);
    until_trained(&mut h);
    let wide: Vec<_> = viewer(&h).scene().optimizers[0]
        .sweep
        .iter()
        .map(|a| a.range)
        .collect();
    for (k, (b, w)) in before.iter().zip(&wide).enumerate() {
        let t = if k == 0 { u } else { 1.0 - v };
        let value = b.at(f64::from(t));
        assert!(
            w.to / w.from > b.to / b.from && w.from > 0.0,
            "axis {k} wider: {w:?}"
        );
        assert!((w.position(value) - f64::from(t)).abs() < 0.1, "axis {k}: {w:?}");
    }
    press(&mut h, Key::OpenBracket);
    assert_eq!(
        viewer(&h).scene().optimizers[0].sweep[0].range,
        before[0],
        "back to the scene's ranges"
    );
}
