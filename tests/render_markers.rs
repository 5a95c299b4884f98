//! What the golden images' pixel budget cannot see: a head marker or a minimum star is a few
//! dozen pixels, under the budget of a 480x360 golden. Here each marker and a trail are
//! looked for where they must be, with positions derived on paper for the top view, and the
//! pixels that markers (or trails) change are found by rendering the same frame with them
//! and without them, so the surface's colours never pass for a marker.
//!
//! The top view (`OrbitCamera::top`) is orthographic, 2.8 world units tall, x right and y up,
//! and the plot box maps the domain to world [-1, 1]: in a square frame of S pixels, data
//! (x, y) over [-2, 2]^2 lands at pixel (S/2 + (x/2) S/2.8, S/2 - (y/2) S/2.8).

mod common;

use descent::camera::OrbitCamera;
use descent::gpu::mesh::SurfaceMesh;
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::render::{FrameState, RenderSettings, Renderer, read_texture_rgba};
use descent::scene::Scene;
use image::{Rgba, RgbaImage};

/// Frame size: square, 960 px (markers drawn at twice their 480-line size).
const S: u32 = 960;

/// Pixel position of data (x, y) over the domain [-2, 2]^2, by hand (see the module notes).
fn px(x: f64, y: f64) -> (f64, f64) {
    let s = f64::from(S);
    (s / 2.0 + x / 2.0 * s / 2.8, s / 2.0 - y / 2.0 * s / 2.8)
}

fn scene(body: &str) -> Scene {
    Scene::parse("markers.toml", body).unwrap_or_else(|e| panic!("{e}"))
}

/// Frames of `scene` at `time` from the top, axes off: with the settings given, and the same
/// with markers (or trails) off.
fn render(scene: &Scene, settings: &RenderSettings, time: f32) -> RgbaImage {
    let gpu = common::gpu();
    let starts = scene.start_points();
    let mut sim = Simulation::new(
        gpu,
        &SimSetup::for_scene(scene, &starts, TrailPlan::every_step(scene.steps)),
    )
    .expect("simulation");
    let mesh = SurfaceMesh::new(gpu, &scene.surface, scene.mesh[0], scene.mesh[1]).expect("mesh");
    let mut renderer = Renderer::new(gpu, &scene.surface, &mesh, &sim, settings).expect("renderer");
    sim.advance_to(gpu, time.ceil() as u32);
    let camera = OrbitCamera::top();
    let texture = renderer.render(
        gpu,
        &sim,
        &FrameState {
            camera: &camera,
            time,
        },
    );
    let image = read_texture_rgba(gpu, texture).expect("readback");
    assert!(gpu.take_fault().is_none(), "the GPU reported an error");
    image
}

fn base() -> RenderSettings {
    RenderSettings {
        show_axes: false,
        show_trails: false,
        grid_lines: false,
        ..RenderSettings::for_size(S, S)
    }
}

/// Pixels where two frames differ (by more than 24 in a channel): what the markers drew.
struct Mask {
    on: Vec<bool>,
}

impl Mask {
    fn new(with: &RgbaImage, without: &RgbaImage) -> Self {
        let on = with
            .pixels()
            .zip(without.pixels())
            .map(|(a, b)| (0..3).any(|k| a[k].abs_diff(b[k]) > 24))
            .collect();
        Self { on }
    }

    fn at(&self, x: f64, y: f64) -> bool {
        let (x, y) = (x.floor(), y.floor());
        x >= 0.0
            && y >= 0.0
            && x < f64::from(S)
            && y < f64::from(S)
            && self.on[(y as u32 * S + x as u32) as usize]
    }

    /// Changed pixels within `r` (a square) of (x, y).
    fn count_near(&self, (x, y): (f64, f64), r: f64) -> usize {
        let mut n = 0;
        let (x0, y0) = (x.floor() as i64, y.floor() as i64);
        let r = r.ceil() as i64;
        for yy in y0 - r..=y0 + r {
            for xx in x0 - r..=x0 + r {
                n += usize::from(self.at(xx as f64, yy as f64));
            }
        }
        n
    }

    /// Changed pixels farther than `r` from all of `places`.
    fn count_away(&self, places: &[(f64, f64)], r: f64) -> usize {
        (0..S * S)
            .filter(|&i| self.on[i as usize])
            .filter(|&i| {
                let (x, y) = (f64::from(i % S) + 0.5, f64::from(i / S) + 0.5);
                places.iter().all(|p| (x - p.0).hypot(y - p.1) > r)
            })
            .count()
    }
}

fn count_color(image: &RgbaImage, (x, y): (f64, f64), r: i64, pred: impl Fn(&Rgba<u8>) -> bool) -> usize {
    let (x0, y0) = (x.floor() as i64, y.floor() as i64);
    let mut n = 0;
    for yy in y0 - r..=y0 + r {
        for xx in x0 - r..=x0 + r {
            if xx >= 0 && yy >= 0 && (xx as u32) < S && (yy as u32) < S {
                n += usize::from(pred(image.get_pixel(xx as u32, yy as u32)));
            }
        }
    }
    n
}

fn close(c: [u8; 3], tol: u8) -> impl Fn(&Rgba<u8>) -> bool {
    move |p| (0..3).all(|k| p[k].abs_diff(c[k]) <= tol)
}

/// GD (lr 0.25, x <- x / 2) converges from (0.5, 0) at step 9 (its step 0.5^10 is under
/// tol 1e-3); maximising SGD (x <- 1.5 x) reaches 0.75, 1.125, then 1.6875, where
/// sqrt(1.5 - x) has no value: diverged at step 3, left at (1.125, 0). The star marks (-1, 1).
const HEADS: &str = r#"
[surface]
expr = "x^2 + y^2 + 0.001*sqrt(1.5 - x)"
domain = [-2.0, 2.0, -2.0, 2.0]
minima = [[-1.0, 1.0]]
[[optimizer]]
name = "gd"
lr = 0.25
[[optimizer]]
name = "sgd"
lr = 0.25
maximize = true
[starts]
points = [[0.5, 0.0]]
[run]
steps = 20
tol = 1e-3
"#;

#[test]
fn heads_rings_crosses_and_the_star_are_where_they_must_be() {
    let scene = scene(HEADS);
    let end = render(&scene, &base(), 20.0);
    let bare = render(
        &scene,
        &RenderSettings {
            show_markers: false,
            ..base()
        },
        20.0,
    );
    if std::env::var("SAVE_FRAMES").is_ok() {
        end.save("/tmp/markers-end.png").unwrap();
    }
    let mask = Mask::new(&end, &bare);
    // At 960 lines the markers are twice their 480-line size: heads 16 px across, the start
    // square 24 px, the star 36 px.
    let (start, ring, cross, star) = (px(0.5, 0.0), px(0.001, 0.0), px(1.125, 0.0), px(-1.0, 1.0));
    // The converged head is a ring: drawn 4-8 px from its centre, hollow in the middle.
    let ring_pixels = mask.count_near(ring, 8.0);
    assert!(ring_pixels >= 80, "{ring_pixels} pixels of the converged ring");
    assert_eq!(mask.count_near(ring, 1.0), 0, "the converged head is not hollow");
    let blue = close([31, 119, 180], 40);
    assert!(
        count_color(&end, ring, 8, &blue) >= 40,
        "the ring is not GD's blue"
    );
    // The diverged head is a red cross at its last finite position, red at its centre and
    // along its diagonals, and not in the middle of its sides.
    let red = |p: &Rgba<u8>| p[0] > 200 && p[1] < 60 && p[2] < 60;
    assert!(
        count_color(&end, cross, 7, red) >= 40,
        "no red cross at {cross:?}"
    );
    assert!(
        red(end.get_pixel(cross.0 as u32, cross.1 as u32)),
        "the cross has no centre"
    );
    assert!(
        count_color(&end, (cross.0 + 4.0, cross.1 - 4.0), 0, red)
            + count_color(&end, (cross.0 - 4.0, cross.1 + 4.0), 0, red)
            == 2,
        "the cross has no diagonal"
    );
    assert_eq!(
        count_color(&end, (cross.0, cross.1 - 7.0), 1, red),
        0,
        "not a cross"
    );
    // The star: gold, 36 px across.
    let gold = |p: &Rgba<u8>| p[0] > 220 && p[1] > 160 && p[1] < 225 && p[2] < 90;
    let gold_pixels = count_color(&end, star, 18, gold);
    assert!(
        gold_pixels >= 250,
        "{gold_pixels} gold pixels at the minimum {star:?}"
    );
    // The start square, its corners included.
    assert!(
        mask.count_near(start, 12.0) >= 400,
        "no start marker at {start:?}"
    );
    for (dx, dy) in [(-8.0, -8.0), (8.0, -8.0), (-8.0, 8.0), (8.0, 8.0)] {
        assert!(
            mask.at(start.0 + dx, start.1 + dy),
            "the start square has no corner at ({dx}, {dy})"
        );
    }
    // And nothing anywhere else.
    let stray = mask.count_away(&[start, ring, cross, star], 22.0);
    assert_eq!(stray, 0, "{stray} marker pixels away from every marker");

    // At step 2 both still run: GD's head a full blue disc at (0.125, 0), SGD's an orange one
    // where it will later stop (1.125, 0): no red, no hole.
    let early = render(&scene, &base(), 2.0);
    let orange = close([255, 127, 14], 40);
    let (gd2, sgd2) = (px(0.125, 0.0), cross);
    assert!(
        blue(early.get_pixel(gd2.0 as u32, gd2.1 as u32)),
        "GD's running head is not a blue disc"
    );
    assert!(
        count_color(&early, sgd2, 3, &orange) >= 30,
        "SGD's running head is not an orange disc"
    );
    assert_eq!(
        count_color(&early, sgd2, 8, red),
        0,
        "a cross before the divergence"
    );
}

/// The four start shapes (square, circle, triangle, diamond, in start order), told apart by
/// where each has ink and where it has none, around positions derived by hand. GD (lr 0.25)
/// halves every start's distance to the origin each step, so after 30 steps the heads sit at
/// the origin, away from the starts.
#[test]
fn start_markers_have_their_shapes() {
    let scene = scene(
        r#"
[surface]
expr = "x^2 + y^2"
domain = [-2.0, 2.0, -2.0, 2.0]
[[optimizer]]
name = "gd"
lr = 0.25
[starts]
points = [[-1.0, 1.0], [1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]]
[run]
steps = 30
"#,
    );
    let with = render(&scene, &base(), 30.0);
    let without = render(
        &scene,
        &RenderSettings {
            show_markers: false,
            ..base()
        },
        30.0,
    );
    let mask = Mask::new(&with, &without);
    // Start markers are 12 px at 480 lines: r = 12 px here (y grows downwards on screen).
    let r = 12.0;
    let ink = |c: (f64, f64), dx: f64, dy: f64| mask.at(c.0 + dx * r, c.1 + dy * r);
    let [square, circle, triangle, diamond] =
        [(-1.0, 1.0), (1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)].map(|(x, y)| px(x, y));
    // Square (half side 0.82 r): ink in its corners.
    for (dx, dy) in [(-0.7, -0.7), (0.7, -0.7), (-0.7, 0.7), (0.7, 0.7)] {
        assert!(ink(square, dx, dy), "square: no corner at ({dx}, {dy})");
    }
    // Circle (radius r): ink across, none in the square's corners.
    for (dx, dy) in [(-0.85, 0.0), (0.85, 0.0), (0.0, -0.85), (0.0, 0.85)] {
        assert!(ink(circle, dx, dy), "circle: no ink at ({dx}, {dy})");
    }
    for (dx, dy) in [(-0.8, -0.8), (0.8, -0.8), (-0.8, 0.8), (0.8, 0.8)] {
        assert!(!ink(circle, dx, dy), "circle: ink in a corner at ({dx}, {dy})");
    }
    // Triangle pointing up (centroid at the point, apex 1.18 r above, base 0.59 r below):
    // ink near the apex and the base corners, none in the upper corners.
    for (dx, dy) in [(0.0, -0.9), (-0.8, 0.4), (0.8, 0.4)] {
        assert!(ink(triangle, dx, dy), "triangle: no ink at ({dx}, {dy})");
    }
    for (dx, dy) in [(-0.7, -0.7), (0.7, -0.7)] {
        assert!(!ink(triangle, dx, dy), "triangle: ink at ({dx}, {dy})");
    }
    // Diamond (|x| + |y| <= 1.12 r): ink at its tips, none in the corners.
    for (dx, dy) in [(-0.95, 0.0), (0.95, 0.0), (0.0, -0.95), (0.0, 0.95)] {
        assert!(ink(diamond, dx, dy), "diamond: no tip at ({dx}, {dy})");
    }
    for (dx, dy) in [(-0.7, -0.7), (0.7, -0.7), (-0.7, 0.7), (0.7, 0.7)] {
        assert!(!ink(diamond, dx, dy), "diamond: ink in a corner at ({dx}, {dy})");
    }
    // White inside, black edges, for each.
    for c in [square, circle, triangle, diamond] {
        let white = |p: &Rgba<u8>| p[0] > 240 && p[1] > 240 && p[2] > 240;
        let black = |p: &Rgba<u8>| p[0] < 40 && p[1] < 40 && p[2] < 40;
        assert!(count_color(&with, c, 2, white) >= 20, "no white fill at {c:?}");
        assert!(count_color(&with, c, 13, black) >= 40, "no black edge at {c:?}");
    }
    // The heads at the origin, and nothing else.
    let stray = mask.count_away(&[square, circle, triangle, diamond, px(0.0, 0.0)], 20.0);
    assert_eq!(
        stray, 0,
        "{stray} marker pixels away from the starts and the heads"
    );
}

/// A trail lies on the path GD takes, by hand: from (1.5, 1) with lr 0.1 every point moves 20%
/// of the way to the origin, along the straight line to it. The trail's pixels (frame with
/// trails minus frame without) cover that line and nothing away from it.
#[test]
fn a_trail_is_drawn_along_its_path_and_nowhere_else() {
    let scene = scene(
        r#"
[surface]
expr = "x^2 + y^2"
domain = [-2.0, 2.0, -2.0, 2.0]
[[optimizer]]
name = "gd"
lr = 0.1
[starts]
points = [[1.5, 1.0]]
[run]
steps = 40
"#,
    );
    let trails = RenderSettings {
        show_trails: true,
        ..base()
    };
    let with = render(&scene, &trails, 40.0);
    let without = render(&scene, &base(), 40.0);
    let mask = Mask::new(&with, &without);
    let (start, end) = (px(1.5, 1.0), px(1.5 * 0.8f64.powi(40), 1.0 * 0.8f64.powi(40)));
    // Along the line, clear of the start marker and the head at its ends: every sample is
    // trail.
    let mut along = 0;
    for k in 1..40 {
        let t = f64::from(k) / 40.0;
        let p = (start.0 + t * (end.0 - start.0), start.1 + t * (end.1 - start.1));
        if (p.0 - start.0).hypot(p.1 - start.1) > 16.0 && (p.0 - end.0).hypot(p.1 - end.1) > 12.0 {
            along += 1;
            assert!(mask.count_near(p, 1.0) >= 3, "no trail at {p:?} (t = {t})");
        }
    }
    assert!(along >= 30, "{along} samples");
    // Its width: the trail is 2.5 px at 480 lines plus a 1 px halo each side, 9 px here; the
    // pixels it changes lie within 8 px of the line.
    let (dx, dy) = (end.0 - start.0, end.1 - start.1);
    let len = dx.hypot(dy);
    let mut far = 0;
    for i in 0..S * S {
        if !mask.on[i as usize] {
            continue;
        }
        let (x, y) = (f64::from(i % S) + 0.5, f64::from(i / S) + 0.5);
        let t = (((x - start.0) * dx + (y - start.1) * dy) / (len * len)).clamp(0.0, 1.0);
        let d = (x - start.0 - t * dx).hypot(y - start.1 - t * dy);
        far += usize::from(d > 8.0);
    }
    assert_eq!(far, 0, "{far} trail pixels away from the path");
}
