//! The sweep map as frames and the window show it: the maps ([`crate::outcome::sweep_map`]) remade
//! from the particles as the run goes (every frame for `descent render`, a few times a second
//! in the window: a readback of 48 bytes per particle), shown as insets, and the group picked
//! on a map with its paths drawn over the 3D view in a highlight colour.
//!
//! Only the picked group's records are read back for its paths (one small gather per frame),
//! never the trail of the whole sweep.

use std::time::Duration;

use web_time::Instant;

use glam::{DVec3, Mat4};

use crate::camera::OrbitCamera;
use crate::gpu::Gpu;
use crate::gpu::gpu_data::TrailPoint;
use crate::gpu::sim::Simulation;
use crate::numbers::short_number;
use crate::outcome::sweep_map::{SweepMap, sweep_maps};
use crate::render::PlotBox;
use crate::render::overlay::style::{Inset, ScreenPath};
use crate::scene::Scene;

/// The picked group's paths: bright green, unlike any optimizer or map colour.
pub const HIGHLIGHT: [u8; 4] = [60, 255, 90, 255];

#[derive(Default)]
pub struct SweepView {
    pub maps: Vec<SweepMap>,
    insets: Vec<Inset>,
    /// The step the maps show, and when they were made.
    made_at: Option<(u32, Instant)>,
    /// Shortest time between two remakes (zero: every new step).
    pub refresh: Duration,
    /// The picked group (global index) and its paths, read at `paths_at`.
    pub picked: Option<u64>,
    /// The step of each record of `paths`.
    path_steps: Vec<u32>,
    /// The run's end as known elsewhere (a model scene's true final losses; its simulation
    /// holds the slice's): the maps are made from it once instead of from the particles.
    outcome: Option<Vec<crate::gpu::gpu_data::Particle>>,
    /// Its trainability sums, when known.
    outcome_scores: Option<Vec<crate::gpu::sim::ScoreSums>>,
    /// The outcome is coming ([`Self::set_outcome`]): no maps until it does.
    awaiting: bool,
    /// A line about the outcome in progress (a map still training), for the frame.
    pub progress: Option<String>,
    paths: Vec<Vec<TrailPoint>>,
    /// The group `paths` belong to, and the group and step they are complete for.
    paths_group: Option<u64>,
    paths_at: Option<(u64, u32)>,
}

impl SweepView {
    /// The insets, one per swept optimizer, in map order.
    pub fn insets(&self) -> &[Inset] {
        &self.insets
    }

    /// Remakes the maps when the simulation moved on (and `refresh` has passed), and reads the
    /// picked group's paths up to the simulation's step.
    pub fn update(&mut self, gpu: &Gpu, scene: &Scene, sim: &Simulation) {
        if !scene.has_sweep() {
            return;
        }
        if self.awaiting {
            return;
        }
        let step = sim.steps_done();
        if let Some(outcome) = &self.outcome
            && self.made_at.is_none()
        {
            self.maps = sweep_maps(
                scene,
                outcome,
                sim.starts_per_group() as usize,
                self.outcome_scores.as_deref(),
            );
            self.made_at = Some((step, Instant::now()));
            self.insets.clear();
        }
        let due = self.outcome.is_none()
            && match self.made_at {
                None => true,
                Some((at, when)) => at != step && (when.elapsed() >= self.refresh || step >= sim.max_steps()),
            };
        // In a page the answer shows an earlier step: the maps are remade when a newer comes.
        if due
            && let Ok(Some((shown, particles))) = sim.read_particles_latest(gpu)
            && self.made_at.is_none_or(|(at, _)| at != shown)
        {
            // The trainability score needs the whole run: read at its end. In a page the sums
            // may come after the particles: until they do, the maps are made again each frame.
            let end = shown >= sim.max_steps();
            let scores = end
                .then(|| sim.read_scores_latest(gpu).ok().flatten())
                .flatten()
                .filter(|(at, _)| *at == shown)
                .map(|(_, scores)| scores);
            let awaiting_scores = end && sim.keeps_scores() && scores.is_none();
            self.maps = sweep_maps(
                scene,
                &particles,
                sim.starts_per_group() as usize,
                scores.as_deref(),
            );
            self.made_at = (!awaiting_scores).then(|| (shown, Instant::now()));
            self.insets.clear();
        }
        if self.insets.len() != self.maps.len() {
            self.insets = self.maps.iter().map(|m| inset(m, self.picked)).collect();
        }
        match self.picked {
            Some(g) if self.paths_at != Some((g, step)) => {
                if self.paths_group != Some(g) {
                    self.paths.clear();
                    self.path_steps.clear();
                    self.paths_group = Some(g);
                }
                let per = sim.starts_per_group();
                let first = (g as u32).saturating_mul(per);
                let group = first..first.saturating_add(per).min(sim.particle_count());
                // In a page the answer comes a frame or more later (and may show an earlier
                // step): asked again until it is this step's.
                match sim.read_paths(gpu, group, step) {
                    Ok(Some(paths)) => {
                        self.path_steps = paths.steps;
                        self.paths = paths.points;
                        if paths.current {
                            self.paths_at = Some((g, step));
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        log::warn!("the picked group's paths could not be read: {e}");
                        self.paths_at = Some((g, step));
                    }
                }
            }
            None => {
                self.paths.clear();
                self.paths_group = None;
                self.paths_at = None;
            }
            _ => {}
        }
    }

    /// Makes the maps from `particles` (the run's end, group-major) and their trainability
    /// `scores` instead of the simulation's.
    pub fn set_outcome(
        &mut self,
        particles: Vec<crate::gpu::gpu_data::Particle>,
        scores: Option<Vec<crate::gpu::sim::ScoreSums>>,
    ) {
        self.outcome = Some(particles);
        self.outcome_scores = scores;
        self.made_at = None;
        self.awaiting = false;
    }

    /// Makes no maps until [`Self::set_outcome`] gives the run's end.
    pub fn await_outcome(&mut self) {
        self.awaiting = true;
    }

    /// Picks the group under a point of map `k`'s inset (`u`, `v` across and down, 0..1), or
    /// clears the pick when the point is outside it. Returns the picked group.
    pub fn pick(&mut self, k: usize, u: f64, v: f64) -> Option<u64> {
        self.picked = self
            .maps
            .get(k)
            .and_then(|m| m.group_at(u, v).map(|g| m.first_group + g));
        self.paths_at = None;
        // Remade with the pick marked.
        self.insets.clear();
        self.picked
    }

    /// The picked group's paths projected for a `size` px frame seen by `camera` (its
    /// `bottom_inset` as the frame uses it), up to step `time`.
    pub fn screen_paths(
        &self,
        plot: &PlotBox,
        camera: &OrbitCamera,
        size: [u32; 2],
        time: f64,
    ) -> Vec<ScreenPath> {
        let world_from_data = Mat4::from_scale_rotation_translation(
            plot.world_from_data_scale(),
            glam::Quat::IDENTITY,
            plot.world_from_data_offset(),
        );
        let clip_from_data = camera.clip_from_world(size[0] as f32 / size[1].max(1) as f32) * world_from_data;
        // Records up to the step shown (the timeline may show an earlier step than simulated).
        let shown = self
            .path_steps
            .partition_point(|&s| f64::from(s) <= time.max(0.0));
        self.paths
            .iter()
            .map(|path| {
                let points = path
                    .iter()
                    .take(shown.max(1))
                    .take_while(|p| p.pos[0].is_finite() && p.pos[1].is_finite() && p.loss.is_finite())
                    .filter_map(|p| {
                        let d = DVec3::new(f64::from(p.pos[0]), f64::from(p.pos[1]), f64::from(p.loss));
                        let c = clip_from_data.as_dmat4() * d.extend(1.0);
                        (c.w > 0.0).then(|| {
                            [
                                ((c.x / c.w + 1.0) * 0.5 * f64::from(size[0])) as f32,
                                ((1.0 - c.y / c.w) * 0.5 * f64::from(size[1])) as f32,
                            ]
                        })
                    })
                    .collect();
                ScreenPath {
                    points,
                    color: HIGHLIGHT,
                    width: 2.5,
                }
            })
            .collect()
    }

    /// Words for the status line about the picked group: its parameters and outcome.
    pub fn picked_text(&self, scene: &Scene) -> Option<String> {
        let g = self.picked?;
        let (k, first) = scene.entry_of_group(g);
        let entry = scene.optimizers.get(k)?;
        let spec = entry.group(g - first);
        let values: Vec<String> = entry
            .sweep
            .iter()
            .filter_map(|a| Some(format!("{}={}", a.param, short_number(spec.number(&a.param)?))))
            .collect();
        Some(format!("picked: {} {}", entry.name, values.join(" ")))
    }
}

/// Map `map` as an inset; the picked group (if on it) ringed in the highlight colour.
fn inset(map: &SweepMap, picked: Option<u64>) -> Inset {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let mut image = map.image.clone();
    let groups = u64::from(map.dims[0]) * u64::from(map.dims[1]);
    if let Some(g) = picked
        .and_then(|g| g.checked_sub(map.first_group))
        .filter(|&g| g < groups)
    {
        ring(&mut image, map, g);
    }
    Inset {
        id: 0x5eed_0000_0000 + NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        title: map.title.clone(),
        image: std::sync::Arc::new(image),
        x_range: map.x_range.clone(),
        y_range: map.y_range.clone(),
    }
}

/// A square ring around group `g`'s pixel (a 2D map) or a vertical line at its value (a
/// curve), a few pixels wide so it shows when the inset is drawn smaller than the map.
fn ring(image: &mut image::RgbaImage, map: &SweepMap, g: u64) {
    let (w, h) = image.dimensions();
    let [nx, ny] = map.dims;
    let color = image::Rgba(HIGHLIGHT);
    if ny <= 1 {
        let x = (g as f64 / f64::from(nx.max(2) - 1) * f64::from(w - 1)).round() as u32;
        for y in 0..h {
            for dx in 0..2 {
                image.put_pixel((x + dx).min(w - 1), y, color);
            }
        }
        return;
    }
    let (i, j) = (
        (g % u64::from(nx)) as i64,
        i64::from(ny) - 1 - (g / u64::from(nx)) as i64,
    );
    let r = i64::from(w.max(h) / 40).max(2);
    for d in -r..=r {
        for (x, y) in [(i + d, j - r), (i + d, j + r), (i - r, j + d), (i + r, j + d)] {
            if (0..i64::from(w)).contains(&x) && (0..i64::from(h)).contains(&y) {
                image.put_pixel(x as u32, y as u32, color);
            }
        }
    }
}
