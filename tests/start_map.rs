//! The start map on a surface whose basins are known by hand: the separable double well
//! (x^2 - 1)^2 + (y^2 - 1)^2 has its four minima at (+-1, +-1), and gradient descent from any
//! start off the axes ends in the minimum of its own quadrant. Listed in the order
//! (1, 1), (-1, 1), (-1, -1), (1, -1), the minima take palette colours 0..3, so the image's
//! quadrants must be those colours (shaded by steps), with the top-right quadrant colour 0.

mod common;

use descent::outcome::basins::Basins;
use descent::outcome::start_map::start_maps;
use descent::run::{RunOptions, run_scene};
use descent::scene::Scene;

const SCENE: &str = r#"
[surface]
expr = "(x^2 - 1)^2 + (y^2 - 1)^2"
domain = [-2.0, 2.0, -2.0, 2.0]
minima = [[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]]
[[optimizer]]
name = "gd"
lr = 0.02
[starts]
grid = [40, 30]
[run]
steps = 400
tol = 1e-6
"#;

/// Which palette colour `c` is a shade of: the one whose channels it is a multiple of.
fn basin_of(c: [u8; 4]) -> Option<usize> {
    (0..4).find(|&k| {
        let b = Basins::color(k);
        let s = f64::from(c[0].max(c[1]).max(c[2])) / f64::from(b[0].max(b[1]).max(b[2]));
        (0..3).all(|i| (f64::from(b[i]) * s - f64::from(c[i])).abs() <= 2.0)
    })
}

#[test]
fn a_double_well_gives_four_quadrants_in_four_colours() {
    let gpu = common::gpu();
    let scene = Scene::parse("well.toml", SCENE).unwrap_or_else(|e| panic!("{e}"));
    let outcome = run_scene(gpu, &scene, &RunOptions::default()).expect("run");
    let maps = start_maps(&scene, &outcome.particles).expect("maps");
    assert_eq!(maps.len(), 1);
    let image = &maps[0].image;
    assert_eq!(image.dimensions(), (40, 30), "one pixel per start");
    for j in 0..30 {
        for i in 0..40 {
            // Image row j is grid row 29 - j; the grid spans the domain edge to edge.
            let x = -2.0 + 4.0 * f64::from(i) / 39.0;
            let y = -2.0 + 4.0 * f64::from(29 - j) / 29.0;
            let want = match (x > 0.0, y > 0.0) {
                (true, true) => 0,
                (false, true) => 1,
                (false, false) => 2,
                (true, false) => 3,
            };
            let c = image.get_pixel(i, j).0;
            assert_eq!(
                basin_of(c),
                Some(want),
                "start ({x:.2}, {y:.2}) at pixel ({i}, {j}): {c:?}"
            );
        }
    }
    // Starts near a minimum converge in fewer steps than those at the domain's corners: their
    // pixels are brighter.
    let brightness = |i: u32, j: u32| {
        image
            .get_pixel(i, j)
            .0
            .iter()
            .take(3)
            .map(|&v| u32::from(v))
            .sum::<u32>()
    };
    // (1.08, 1.03) against (2, 2).
    assert!(
        brightness(30, 7) > brightness(39, 0),
        "{} vs {}",
        brightness(30, 7),
        brightness(39, 0)
    );
}

#[test]
fn a_start_map_needs_a_grid() {
    let scene = Scene::parse("well.toml", &SCENE.replace("grid = [40, 30]", "random = 100")).unwrap();
    let err = start_maps(&scene, &[]).unwrap_err();
    assert!(err.contains("needs a grid of starts"), "{err}");
}
