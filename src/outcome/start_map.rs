//! The start map: for a grid of starts, an image over the start domain where each pixel is one
//! start, coloured by its outcome: the basin it ends in (hue), shaded by how many steps it took
//! to converge (bright: few, dark: many, on a log scale), near-black when it diverged. Momentum's
//! basin boundaries show up here as the fractal-like structure they are.
//!
//! Basins are the surface's known minima when it has them (the nearest within reach, as
//! [`Basins`] decides); otherwise the places where particles end are grouped into cells a
//! fiftieth of the domain's diagonal wide, and the ten most visited get colours. One image per
//! optimizer, at full grid resolution, y up (row 0 of the image is the grid's top row).

use std::collections::HashMap;

use crate::gpu::gpu_data::{Particle, STATUS_CONVERGED, STATUS_DIVERGED};
use crate::outcome::basins::{Basins, REACH_SHARE, UNREACHED_COLOR};
use crate::render::overlay::style::optimizer_color;
use crate::scene::Scene;

/// Diverged starts.
pub const DIVERGED_COLOR: [u8; 4] = [25, 25, 25, 255];
/// Shade of starts that never converged (by `tol`) within the run.
const UNCONVERGED_SHADE: f64 = 0.45;
/// Attractors coloured when the surface's minima are unknown.
const MAX_ATTRACTORS: usize = 10;

/// One optimizer's map.
#[derive(Clone, Debug)]
pub struct StartMap {
    /// The optimizer's label, as in the legend.
    pub optimizer: String,
    pub image: image::RgbaImage,
    /// The basin (or attractor) of each grid start, row-major from the bottom row; None:
    /// diverged or reached none.
    pub basin: Vec<Option<u16>>,
    /// The places basins are named after (minima or attractors).
    pub attractors: Vec<[f64; 2]>,
}

/// Where the scene's grid starts sit among its start points, and the grid's size.
pub fn grid_of(scene: &Scene) -> Result<(usize, [u32; 2]), String> {
    if scene.has_sweep() {
        return Err("a start map is drawn per optimizer, not for a sweep's groups; a sweep has its sweep map (--sweep-map FILE.png)".into());
    }
    match scene.starts.grid {
        Some(grid) => Ok((scene.starts.points.len(), grid)),
        None => {
            Err("a start map needs a grid of starts: --grid COLSxROWS or [starts] grid = [cols, rows]".into())
        }
    }
}

/// The maps of every optimizer of `scene` from its particles at the end of the run (`last`,
/// group-major as the simulation keeps them).
pub fn start_maps(scene: &Scene, last: &[Particle]) -> Result<Vec<StartMap>, String> {
    let (offset, [cols, rows]) = grid_of(scene)?;
    let per_group = scene.starts.count() as usize;
    let cells = (cols * rows) as usize;
    let domain = &scene.surface.domain;
    let mut maps = Vec::new();
    for (g, spec) in scene.optimizers.iter().enumerate() {
        let group = &last[g * per_group..(g + 1) * per_group];
        let grid = &group[offset..offset + cells];
        let (basin, attractors) = if scene.surface.minima.is_empty() {
            attractors_of(grid, domain)
        } else {
            let b = Basins::classify(grid, &scene.surface.minima, domain);
            (b.of_particle, scene.surface.minima.clone())
        };
        let steps = StepRange::of(grid);
        let image = image::RgbaImage::from_fn(cols, rows, |i, j| {
            // Image row j is grid row rows - 1 - j (y up).
            let k = ((rows - 1 - j) * cols + i) as usize;
            image::Rgba(outcome_color(&grid[k], basin[k], steps))
        });
        maps.push(StartMap {
            optimizer: spec.describe(),
            image,
            basin,
            attractors,
        });
    }
    Ok(maps)
}

/// The fewest and most steps any start of a map took to converge (log scale).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepRange {
    pub fewest: u32,
    pub most: u32,
}

impl StepRange {
    pub fn of(grid: &[Particle]) -> Self {
        let converged = grid.iter().filter(|p| p.status == STATUS_CONVERGED);
        let (fewest, most) = converged.fold((u32::MAX, 1), |(lo, hi), p| (lo.min(p.step), hi.max(p.step)));
        Self {
            fewest: fewest.clamp(1, most.max(1)),
            most: most.max(1),
        }
    }

    /// 0 for the fewest steps, 1 for the most, on a log scale.
    fn position(&self, steps: u32) -> f64 {
        let (lo, hi) = (f64::from(self.fewest).ln(), f64::from(self.most).ln());
        if hi <= lo {
            return 0.0;
        }
        ((f64::from(steps.max(1)).ln() - lo) / (hi - lo)).clamp(0.0, 1.0)
    }
}

/// The colour of one start: its basin's hue, shaded by log steps to converge within the
/// map's range (the fastest at full colour, the slowest at half).
pub fn outcome_color(p: &Particle, basin: Option<u16>, steps: StepRange) -> [u8; 4] {
    if p.status == STATUS_DIVERGED {
        return DIVERGED_COLOR;
    }
    let base = basin.map_or(UNREACHED_COLOR, |k| Basins::color(usize::from(k)));
    let shade = if p.status == STATUS_CONVERGED {
        1.0 - 0.5 * steps.position(p.step)
    } else {
        UNCONVERGED_SHADE
    };
    let s = |c: u8| (f64::from(c) * shade).round() as u8;
    [s(base[0]), s(base[1]), s(base[2]), 255]
}

/// Without known minima: the end points grouped into cells of `REACH_SHARE` of the diagonal,
/// the most visited first.
fn attractors_of(grid: &[Particle], domain: &crate::surfaces::Domain) -> (Vec<Option<u16>>, Vec<[f64; 2]>) {
    let cell = REACH_SHARE * (domain.x[1] - domain.x[0]).hypot(domain.y[1] - domain.y[0]);
    let key = |p: &Particle| {
        (
            (f64::from(p.pos[0]) / cell).round() as i64,
            (f64::from(p.pos[1]) / cell).round() as i64,
        )
    };
    let mut counts: HashMap<(i64, i64), usize> = HashMap::new();
    for p in grid.iter().filter(|p| p.status != STATUS_DIVERGED) {
        *counts.entry(key(p)).or_default() += 1;
    }
    let mut ranked: Vec<((i64, i64), usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(MAX_ATTRACTORS);
    let index: HashMap<(i64, i64), u16> = ranked
        .iter()
        .enumerate()
        .map(|(k, (c, _))| (*c, k as u16))
        .collect();
    let basin = grid
        .iter()
        .map(|p| {
            if p.status == STATUS_DIVERGED {
                None
            } else {
                index.get(&key(p)).copied()
            }
        })
        .collect();
    let attractors = ranked
        .iter()
        .map(|((x, y), _)| [*x as f64 * cell, *y as f64 * cell])
        .collect();
    (basin, attractors)
}

/// The palette colour of basin `k` (for legends).
pub fn basin_color(k: usize) -> [u8; 4] {
    optimizer_color(k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::gpu_data::STATUS_RUNNING;

    fn at(x: f32, y: f32, step: u32, status: u32) -> Particle {
        Particle {
            pos: [x, y],
            step,
            status,
            ..Particle::default()
        }
    }

    #[test]
    fn fast_is_bright_slow_is_dark_diverged_is_black() {
        let range = StepRange {
            fewest: 10,
            most: 1000,
        };
        let fast = outcome_color(&at(0.0, 0.0, 10, STATUS_CONVERGED), Some(0), range);
        let mid = outcome_color(&at(0.0, 0.0, 100, STATUS_CONVERGED), Some(0), range);
        let slow = outcome_color(&at(0.0, 0.0, 1000, STATUS_CONVERGED), Some(0), range);
        assert_eq!(fast, basin_color(0));
        assert_eq!(mid[0], (f64::from(basin_color(0)[0]) * 0.75).round() as u8);
        assert_eq!(slow[0], (f64::from(basin_color(0)[0]) * 0.5).round() as u8);
        assert_eq!(
            outcome_color(&at(0.0, 0.0, 3, STATUS_DIVERGED), Some(0), range),
            DIVERGED_COLOR
        );
        let running = outcome_color(&at(0.0, 0.0, 100, STATUS_RUNNING), None, range);
        assert_eq!(running[0], (150.0 * UNCONVERGED_SHADE).round() as u8);
    }

    #[test]
    fn unknown_minima_become_the_most_visited_places() {
        let d = crate::surfaces::Domain::new(-1.0, 1.0, -1.0, 1.0);
        let grid = [
            at(0.5, 0.5, 5, STATUS_CONVERGED),
            at(0.5, 0.5, 5, STATUS_CONVERGED),
            at(-0.5, 0.5, 5, STATUS_CONVERGED),
            at(9.0, 9.0, 5, STATUS_DIVERGED),
        ];
        let (basin, attractors) = attractors_of(&grid, &d);
        assert_eq!(basin, [Some(0), Some(0), Some(1), None]);
        assert!((attractors[0][0] - 0.5).abs() < 0.03 && (attractors[1][0] + 0.5).abs() < 0.03);
    }
}
