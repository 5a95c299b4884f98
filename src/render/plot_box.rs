//! The plot box: how data space (x, y, loss) maps into the world, like matplotlib's 3D axes.
//!
//! The x and y ranges map to equal widths and the loss range to 0.75 of that (matplotlib's
//! default box aspect 4:4:3): world x and y span -1..1, z spans -0.75..0.75, centred on the
//! origin. The loss range comes from the surface sampled over the grid on the CPU (f64); poles
//! (non-finite values) are skipped, and when a few huge values dwarf the rest (a pole between
//! grid points) the range is cut to the bulk of the values so the surface stays readable;
//! what sticks out is clipped at the box.

use glam::{DVec3, Vec3};

use crate::surfaces::Surface;

/// World half-extents of the box: 4:4:3.
pub const HALF_EXTENT: Vec3 = Vec3::new(1.0, 1.0, 0.75);

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlotBox {
    /// Data-space minimum and maximum of x, y and loss.
    pub min: DVec3,
    pub max: DVec3,
}

impl PlotBox {
    pub fn new(x: [f64; 2], y: [f64; 2], z: [f64; 2]) -> Self {
        let fix = |r: [f64; 2]| {
            if r[1] > r[0] && (r[1] - r[0]).is_finite() {
                r
            } else {
                let c = if r[0].is_finite() { r[0] } else { 0.0 };
                let h = 0.5 * c.abs().max(1.0);
                [c - h, c + h]
            }
        };
        let (x, y, z) = (fix(x), fix(y), fix(z));
        Self {
            min: DVec3::new(x[0], y[0], z[0]),
            max: DVec3::new(x[1], y[1], z[1]),
        }
    }

    /// The box for a surface over its domain, the loss range sampled on a cols x rows grid.
    pub fn for_surface(surface: &Surface, cols: u32, rows: u32) -> Self {
        let d = surface.domain;
        Self::new(d.x, d.y, loss_range(surface, cols, rows))
    }

    /// world = data * scale + offset.
    pub fn world_from_data_scale(&self) -> Vec3 {
        (2.0 * HALF_EXTENT.as_dvec3() / (self.max - self.min)).as_vec3()
    }

    pub fn world_from_data_offset(&self) -> Vec3 {
        let scale = 2.0 * HALF_EXTENT.as_dvec3() / (self.max - self.min);
        (-HALF_EXTENT.as_dvec3() - self.min * scale).as_vec3()
    }

    pub fn world_from_data(&self, p: DVec3) -> Vec3 {
        let t = (p - self.min) / (self.max - self.min);
        ((t * 2.0 - 1.0) * HALF_EXTENT.as_dvec3()).as_vec3()
    }

    pub fn data_from_world(&self, p: Vec3) -> DVec3 {
        let t = (p.as_dvec3() / HALF_EXTENT.as_dvec3() + 1.0) / 2.0;
        self.min + t * (self.max - self.min)
    }

    pub fn loss_range(&self) -> [f64; 2] {
        [self.min.z, self.max.z]
    }
}

/// The loss range of a surface over its domain, sampled on a cols x rows grid (the mesh's).
pub fn loss_range(surface: &Surface, cols: u32, rows: u32) -> [f64; 2] {
    let mut values = grid_values(surface, cols.max(2), rows.max(2));
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return [-1.0, 1.0];
    }
    values.sort_by(f64::total_cmp);
    let (lo, hi) = (values[0], values[values.len() - 1]);
    let q = |p: f64| values[((values.len() - 1) as f64 * p).round() as usize];
    let (q_lo, q_hi) = (q(0.02), q(0.98));
    let bulk = q_hi - q_lo;
    if bulk > 0.0 && hi - lo > 8.0 * bulk {
        // A pole between grid points: keep the bulk and a margin, clip the spike.
        [lo.max(q_lo - 0.25 * bulk), hi.min(q_hi + 0.25 * bulk)]
    } else {
        [lo, hi]
    }
}

fn grid_values(surface: &Surface, cols: u32, rows: u32) -> Vec<f64> {
    surface
        .domain
        .grid(cols, rows)
        .map(|p| surface.value(p))
        .collect()
}

/// The largest gap (data units of loss) between the surface and the flat triangles of a
/// cols x rows mesh, estimated at cell centres: how far a path lying on the true surface can
/// sink below the drawn one. Poles are skipped.
pub fn mesh_sag(surface: &Surface, cols: u32, rows: u32) -> f64 {
    let (cols, rows) = (cols.max(2), rows.max(2));
    let d = surface.domain;
    let v = grid_values(surface, cols, rows);
    let at = |i: u32, j: u32| v[(j * cols + i) as usize];
    let hx = (d.x[1] - d.x[0]) / f64::from(cols - 1);
    let hy = (d.y[1] - d.y[0]) / f64::from(rows - 1);
    let mut worst = 0.0f64;
    for j in 0..rows - 1 {
        for i in 0..cols - 1 {
            let corners = [at(i, j), at(i + 1, j), at(i, j + 1), at(i + 1, j + 1)];
            if !corners.iter().all(|c| c.is_finite()) {
                continue;
            }
            let x = d.x[0] + hx * (f64::from(i) + 0.5);
            let y = d.y[0] + hy * (f64::from(j) + 0.5);
            let f = surface.value([x, y]);
            // The centre lies on the shared diagonal (0,0)-(1,1) of the two triangles.
            let drawn = 0.5 * (corners[0] + corners[3]);
            if f.is_finite() {
                worst = worst.max((f - drawn).abs());
            }
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_box_is_4_4_3_and_round_trips() {
        let b = PlotBox::new([-1.0, 3.0], [0.0, 1.0], [10.0, 20.0]);
        assert!((b.world_from_data(DVec3::new(-1.0, 0.0, 10.0)) - -HALF_EXTENT).length() < 1e-6);
        assert!((b.world_from_data(DVec3::new(3.0, 1.0, 20.0)) - HALF_EXTENT).length() < 1e-6);
        let p = DVec3::new(0.5, 0.25, 12.0);
        assert!((b.data_from_world(b.world_from_data(p)) - p).length() < 1e-5);
        let w = b.world_from_data(p);
        let via_scale = p.as_vec3() * b.world_from_data_scale() + b.world_from_data_offset();
        assert!((w - via_scale).length() < 1e-5);
    }

    #[test]
    fn saddle_range_is_minus_one_to_one() {
        let s = Surface::from_name_or_expr("saddle").unwrap();
        let r = loss_range(&s, 81, 81);
        assert!((r[0] + 1.0).abs() < 1e-12 && (r[1] - 1.0).abs() < 1e-12, "{r:?}");
    }

    #[test]
    fn poles_do_not_blow_up_the_range() {
        // 1/(x^2 + y^2 - 0.5) has a ring of poles; the grid hits some of it nearly.
        let s = Surface::from_name_or_expr("1/(x^2 + y^2 - 0.5)").unwrap();
        let r = loss_range(&s, 81, 81);
        assert!(r[0].is_finite() && r[1].is_finite() && r[1] > r[0]);
        assert!(r[1] - r[0] < 200.0, "{r:?}");
        // Exactly on a pole: 1/x at x = 0 is skipped.
        let s = Surface::from_name_or_expr("1/x").unwrap();
        let r = loss_range(&s, 81, 81);
        assert!(r[0].is_finite() && r[1].is_finite(), "{r:?}");
        // A constant surface gets a non-empty range.
        let b = PlotBox::for_surface(&Surface::from_name_or_expr("0*x + 3").unwrap(), 9, 9);
        assert!(b.max.z > b.min.z);
    }

    #[test]
    fn sag_is_small_for_a_saddle_and_larger_for_rastrigin() {
        let saddle = Surface::from_name_or_expr("saddle").unwrap();
        assert!(mesh_sag(&saddle, 81, 81) < 1e-3);
        let r = Surface::from_name_or_expr("rastrigin").unwrap();
        assert!(mesh_sag(&r, 81, 81) > 0.1);
    }
}
