//! What a particle's colour says (`[view] color_by`, `--color-by`): its optimizer, the basin it
//! ends in, its final loss, its start position, or the steps it took to converge; and the key
//! that explains the colours (legend rows, a colour bar, or a picture of the start domain).
//!
//! Loss and steps go through viridis (a perceptually even map, unlike the surface's default
//! diverging one), on a log scale when they span more than two decades. Particles that
//! diverged, or never converged when colouring by steps, take colours of their own, named in
//! the legend, so they are never silently mixed in with the rest.

use std::sync::Arc;

use crate::gpu::gpu_data::{Particle, STATUS_CONVERGED, STATUS_DIVERGED};
use crate::numbers::{count, short_number};
use crate::outcome::basins::Basins;
use crate::render::axes::nice_ticks;
use crate::render::colormap::Colormap;
use crate::render::overlay::style::{ColorBar, Inset, LegendEntry};
use crate::scene::ColorBy;
use crate::surfaces::Domain;

/// Diverged particles when colouring by loss or steps.
pub const DIVERGED_COLOR: [u8; 4] = [80, 80, 80, 255];
/// Particles that never converged when colouring by steps.
pub const UNCONVERGED_COLOR: [u8; 4] = [190, 190, 190, 255];

/// Per-particle colours and their key.
#[derive(Clone, Debug, Default)]
pub struct Coloring {
    /// sRGB per particle (group-major like the simulation); None: a colour per optimizer.
    pub colors: Option<Vec<[u8; 4]>>,
    /// Legend rows replacing the optimizers' (which then move to the status line).
    pub legend: Option<Vec<LegendEntry>>,
    pub bar: Option<ColorBar>,
    pub inset: Option<Inset>,
    pub basins: Option<Basins>,
}

impl Coloring {
    /// The colouring `by` asks for; `last` is every particle at the end of the run (needed by
    /// basin, loss and steps).
    pub fn new(
        by: ColorBy,
        initial: &[Particle],
        last: Option<&[Particle]>,
        minima: &[[f64; 2]],
        domain: &Domain,
    ) -> Self {
        match (by, last) {
            (ColorBy::Basin, Some(last)) => {
                let basins = Basins::classify(last, minima, domain);
                Self {
                    colors: Some(basins.particle_colors()),
                    legend: Some(basins.legend()),
                    basins: Some(basins),
                    ..Self::default()
                }
            }
            (ColorBy::Loss, Some(last)) => by_loss(last),
            (ColorBy::Steps, Some(last)) => by_steps(last),
            (ColorBy::Start, _) => by_start(initial, domain),
            _ => Self::default(),
        }
    }
}

/// Whether colouring `by` needs the run's end state.
pub fn needs_final_state(by: ColorBy) -> bool {
    matches!(by, ColorBy::Basin | ColorBy::Loss | ColorBy::Steps)
}

/// A value-to-colour scale: linear or logarithmic over [lo, hi].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
}

impl Scale {
    /// The range of `values` (their 1st to 99th percentile, so a few outliers do not wash the
    /// rest out), logarithmic when positive and over two decades wide.
    pub fn of(values: &mut [f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        values.sort_unstable_by(f64::total_cmp);
        let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
        let (lo, hi) = (at(0.01), at(0.99));
        let log = lo > 0.0 && hi / lo > 100.0;
        Some(Self { lo, hi, log })
    }

    /// Where `v` falls, 0..1.
    pub fn position(&self, v: f64) -> f64 {
        let t = if self.log {
            (v.max(self.lo).ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 }
    }

    /// About five ticks at round values, with their positions.
    pub fn ticks(&self) -> Vec<(f32, String)> {
        if self.log {
            let (a, b) = (self.lo.log10().ceil() as i32, self.hi.log10().floor() as i32);
            let step = ((b - a) / 5 + 1).max(1);
            (a..=b)
                .step_by(step as usize)
                .map(|e| {
                    let v = 10f64.powi(e);
                    (self.position(v) as f32, short_number(v))
                })
                .collect()
        } else if self.hi > self.lo {
            nice_ticks(self.lo, self.hi, 5)
                .0
                .into_iter()
                .filter(|v| (self.lo..=self.hi).contains(v))
                .map(|v| (self.position(v) as f32, short_number(v)))
                .collect()
        } else {
            vec![(0.0, short_number(self.lo))]
        }
    }
}

fn bar(title: String, scale: &Scale, colormap: Colormap, reversed: bool) -> ColorBar {
    let mut colors = colormap.lut();
    if reversed {
        colors.reverse();
    }
    ColorBar {
        title,
        colors,
        ticks: scale.ticks(),
    }
}

fn share(n: usize, total: usize) -> String {
    format!("{:.1}%", 100.0 * n as f64 / total.max(1) as f64)
}

/// Final loss through viridis; diverged particles grey.
fn by_loss(last: &[Particle]) -> Coloring {
    let mut values: Vec<f64> = last
        .iter()
        .filter(|p| p.status != STATUS_DIVERGED && p.loss.is_finite())
        .map(|p| f64::from(p.loss))
        .collect();
    let Some(scale) = Scale::of(&mut values) else {
        return Coloring::default();
    };
    let map = Colormap::Viridis;
    let colors = last
        .iter()
        .map(|p| {
            if p.status == STATUS_DIVERGED || !p.loss.is_finite() {
                DIVERGED_COLOR
            } else {
                map.sample(scale.position(f64::from(p.loss)) as f32)
            }
        })
        .collect();
    let diverged = last.iter().filter(|p| p.status == STATUS_DIVERGED).count();
    Coloring {
        colors: Some(colors),
        legend: (diverged > 0).then(|| {
            vec![LegendEntry {
                color: DIVERGED_COLOR,
                label: format!("diverged: {}", share(diverged, last.len())),
            }]
        }),
        bar: Some(bar(
            format!("final loss{}", if scale.log { " (log)" } else { "" }),
            &scale,
            map,
            false,
        )),
        ..Coloring::default()
    }
}

/// Steps to converge through viridis, few steps bright; never converged and diverged apart.
fn by_steps(last: &[Particle]) -> Coloring {
    let mut values: Vec<f64> = last
        .iter()
        .filter(|p| p.status == STATUS_CONVERGED)
        .map(|p| f64::from(p.step.max(1)))
        .collect();
    let scale = Scale::of(&mut values).unwrap_or(Scale {
        lo: 1.0,
        hi: 1.0,
        log: false,
    });
    let map = Colormap::Viridis;
    let colors = last
        .iter()
        .map(|p| match p.status {
            STATUS_CONVERGED => map.sample(1.0 - scale.position(f64::from(p.step.max(1))) as f32),
            STATUS_DIVERGED => DIVERGED_COLOR,
            _ => UNCONVERGED_COLOR,
        })
        .collect();
    let n = last.len();
    let converged = values.len();
    let diverged = last.iter().filter(|p| p.status == STATUS_DIVERGED).count();
    let mut legend = vec![LegendEntry {
        color: UNCONVERGED_COLOR,
        label: format!("did not converge: {}", share(n - converged - diverged, n)),
    }];
    if diverged > 0 {
        legend.push(LegendEntry {
            color: DIVERGED_COLOR,
            label: format!("diverged: {}", share(diverged, n)),
        });
    }
    Coloring {
        colors: Some(colors),
        legend: Some(legend),
        bar: (converged > 0).then(|| {
            bar(
                format!(
                    "steps to converge ({} of {})",
                    count(converged as u64),
                    count(n as u64)
                ),
                &scale,
                map,
                true,
            )
        }),
        ..Coloring::default()
    }
}

/// The 2D colour wheel over the domain: hue by the angle around its centre, saturation by the
/// distance from it (white at the centre), so each region of starts has its own colour.
pub fn wheel_color(p: [f64; 2], domain: &Domain) -> [u8; 4] {
    let c = domain.center();
    let dx = 2.0 * (p[0] - c[0]) / (domain.x[1] - domain.x[0]);
    let dy = 2.0 * (p[1] - c[1]) / (domain.y[1] - domain.y[0]);
    let r = dx.abs().max(dy.abs()).min(1.0);
    let hue = dy.atan2(dx).to_degrees().rem_euclid(360.0);
    hsv(hue, r, 0.95 - 0.2 * r)
}

fn hsv(h: f64, s: f64, v: f64) -> [u8; 4] {
    let c = v * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    let byte = |u: f64| ((u + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [byte(r), byte(g), byte(b), 255]
}

fn by_start(initial: &[Particle], domain: &Domain) -> Coloring {
    let colors = initial
        .iter()
        .map(|p| wheel_color([f64::from(p.pos[0]), f64::from(p.pos[1])], domain))
        .collect();
    // The key: the start domain itself, coloured by the same wheel (y up).
    let side = 96u32;
    let image = image::RgbaImage::from_fn(side, side, |i, j| {
        let x = domain.x[0] + (domain.x[1] - domain.x[0]) * (f64::from(i) + 0.5) / f64::from(side);
        let y = domain.y[1] - (domain.y[1] - domain.y[0]) * (f64::from(j) + 0.5) / f64::from(side);
        image::Rgba(wheel_color([x, y], domain))
    });
    Coloring {
        colors: Some(colors),
        inset: Some(Inset {
            id: 0x5747_a27c ^ domain.x[0].to_bits() ^ domain.y[1].to_bits().rotate_left(17),
            title: "colour = start".into(),
            image: Arc::new(image),
            x_range: [short_number(domain.x[0]), short_number(domain.x[1])],
            y_range: [short_number(domain.y[0]), short_number(domain.y[1])],
        }),
        ..Coloring::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::gpu_data::STATUS_RUNNING;

    fn particle(loss: f32, step: u32, status: u32) -> Particle {
        Particle {
            loss,
            step,
            status,
            ..Particle::default()
        }
    }

    #[test]
    fn scales_go_log_over_two_decades() {
        let mut v: Vec<f64> = (0..=100).map(f64::from).collect();
        let s = Scale::of(&mut v).unwrap();
        assert_eq!((s.lo, s.hi, s.log), (1.0, 99.0, false));
        assert_eq!(s.position(50.0), 0.5);
        let mut v: Vec<f64> = (0..=100).map(|k| 10f64.powf(f64::from(k) / 20.0)).collect();
        let s = Scale::of(&mut v).unwrap();
        assert!(s.log);
        assert!((s.position(s.lo.sqrt() * s.hi.sqrt()) - 0.5).abs() < 1e-9);
        let ticks: Vec<String> = s.ticks().into_iter().map(|t| t.1).collect();
        assert!(ticks.contains(&"10".to_string()), "{ticks:?}");
    }

    #[test]
    fn loss_colours_run_low_to_high_and_diverged_stand_apart() {
        let last = [
            particle(0.0, 9, STATUS_RUNNING),
            particle(5.0, 9, STATUS_RUNNING),
            particle(10.0, 9, STATUS_RUNNING),
            particle(3.0, 4, STATUS_DIVERGED),
        ];
        let c = Coloring::new(
            ColorBy::Loss,
            &last,
            Some(&last),
            &[],
            &Domain::new(-1.0, 1.0, -1.0, 1.0),
        );
        let colors = c.colors.unwrap();
        assert_eq!(colors[0], Colormap::Viridis.sample(0.0));
        assert_eq!(colors[2], Colormap::Viridis.sample(1.0));
        assert_eq!(colors[3], DIVERGED_COLOR);
        assert_eq!(c.legend.unwrap()[0].label, "diverged: 25.0%");
        assert_eq!(c.bar.unwrap().title, "final loss");
    }

    #[test]
    fn steps_colour_fast_bright_and_name_the_rest() {
        let last = [
            particle(0.0, 10, STATUS_CONVERGED),
            particle(0.0, 100, STATUS_CONVERGED),
            particle(0.0, 200, STATUS_RUNNING),
            particle(0.0, 30, STATUS_DIVERGED),
        ];
        let c = Coloring::new(
            ColorBy::Steps,
            &last,
            Some(&last),
            &[],
            &Domain::new(-1.0, 1.0, -1.0, 1.0),
        );
        let colors = c.colors.unwrap();
        assert_eq!(colors[0], Colormap::Viridis.sample(1.0));
        assert_eq!(colors[1], Colormap::Viridis.sample(0.0));
        assert_eq!(colors[2], UNCONVERGED_COLOR);
        assert_eq!(colors[3], DIVERGED_COLOR);
        let legend: Vec<String> = c.legend.unwrap().into_iter().map(|e| e.label).collect();
        assert_eq!(legend, ["did not converge: 25.0%", "diverged: 25.0%"]);
    }

    #[test]
    fn the_wheel_gives_quadrants_their_own_hues() {
        let d = Domain::new(-2.0, 2.0, -2.0, 2.0);
        let east = wheel_color([2.0, 0.0], &d);
        let north = wheel_color([0.0, 2.0], &d);
        let west = wheel_color([-2.0, 0.0], &d);
        assert!(east[0] > 180 && east[1] == 0 && east[2] == 0, "{east:?}");
        assert!(north[1] > north[0] && north[1] > north[2], "{north:?}");
        assert!(west[2] > west[0] && west[1] > west[0], "{west:?}");
        // The centre is near white.
        assert!(wheel_color([0.0, 0.0], &d).iter().take(3).all(|&c| c > 230));
    }
}
