//! Picking: which surface point is under the cursor. The cursor's ray (from the inverse of
//! clip_from_data) is marched in data space, where the surface is z = f(x, y), in small steps
//! over the part of the ray inside the domain, and the first crossing from above to below is
//! refined by bisection. f is evaluated in f64 on the CPU (the same expression the GPU uses).

use glam::{DVec3, DVec4, Mat4};

use crate::surfaces::Surface;

/// Steps of the march across the domain; then 50 bisections (to f64 precision).
const MARCH_STEPS: usize = 2000;

/// The (x, y) under normalised device coordinates `ndc` (-1..1, y up), or None if the ray
/// misses the surface within the domain. `clip_from_data` maps data space (x, y, f) to clip.
pub fn pick_with(clip_from_data: Mat4, surface: &Surface, ndc: [f32; 2]) -> Option<[f64; 2]> {
    let data_from_clip = clip_from_data.as_dmat4().inverse();
    let unproject = |z: f64| {
        let p = data_from_clip * DVec4::new(f64::from(ndc[0]), f64::from(ndc[1]), z, 1.0);
        p.truncate() / p.w
    };
    // wgpu depth runs 0 (near) to 1 (far).
    let (near, far) = (unproject(0.0), unproject(1.0));
    ray_hit(surface, near, far - near)
}

/// First crossing of the ray `origin + t dir`, t in [0, 1], into the surface over the domain.
pub fn ray_hit(surface: &Surface, origin: DVec3, dir: DVec3) -> Option<[f64; 2]> {
    let d = surface.domain;
    // Clip the ray to the domain's x-y rectangle (slab method).
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (o, v, lo, hi) in [
        (origin.x, dir.x, d.x[0], d.x[1]),
        (origin.y, dir.y, d.y[0], d.y[1]),
    ] {
        if v.abs() < 1e-300 {
            if o < lo || o > hi {
                return None;
            }
        } else {
            let (a, b) = ((lo - o) / v, (hi - o) / v);
            t0 = t0.max(a.min(b));
            t1 = t1.min(a.max(b));
        }
    }
    if t0 >= t1 {
        return None;
    }
    let height = |t: f64| {
        let p = origin + dir * t;
        p.z - surface.value([p.x, p.y])
    };
    let mut prev_t = t0;
    let mut prev = height(t0);
    for i in 1..=MARCH_STEPS {
        let t = t0 + (t1 - t0) * i as f64 / MARCH_STEPS as f64;
        let h = height(t);
        if prev.is_finite() && h.is_finite() && prev > 0.0 && h <= 0.0 {
            let (mut a, mut b) = (prev_t, t);
            for _ in 0..50 {
                let m = 0.5 * (a + b);
                if height(m) > 0.0 {
                    a = m;
                } else {
                    b = m;
                }
            }
            let p = origin + dir * (0.5 * (a + b));
            return Some([p.x, p.y]);
        }
        prev_t = t;
        prev = h;
    }
    None
}

/// Projects a data-space point to normalised device coordinates (for tests and labels).
pub fn project(clip_from_data: Mat4, p: DVec3) -> [f64; 2] {
    let c = clip_from_data.as_dmat4() * p.extend(1.0);
    [c.x / c.w, c.y / c.w]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::OrbitCamera;
    use crate::render::PlotBox;

    /// clip_from_data for a camera over a surface's plot box, as the viewer builds it.
    fn clip_from_data(camera: &OrbitCamera, surface: &Surface, aspect: f32) -> Mat4 {
        let plot = PlotBox::for_surface(surface, 81, 81);
        let world_from_data = Mat4::from_scale_rotation_translation(
            plot.world_from_data_scale(),
            glam::Quat::IDENTITY,
            plot.world_from_data_offset(),
        );
        camera.clip_from_world(aspect) * world_from_data
    }

    #[test]
    fn the_ray_hits_the_surface_point_within_a_pixel() {
        let (width, height) = (1280.0, 720.0);
        let aspect = width / height;
        for (name, camera) in [
            ("saddle", OrbitCamera::post()),
            ("himmelblau", OrbitCamera::post()),
            ("bowl", OrbitCamera::top()),
        ] {
            let surface = Surface::from_name_or_expr(name).unwrap();
            let m = clip_from_data(&camera, &surface, aspect as f32);
            let d = surface.domain;
            for (u, v) in [(0.3, 0.6), (0.5, 0.5), (0.8, 0.25), (0.65, 0.7)] {
                let (x, y) = (d.x[0] + u * (d.x[1] - d.x[0]), d.y[0] + v * (d.y[1] - d.y[0]));
                let p = DVec3::new(x, y, surface.value([x, y]));
                let ndc = project(m, p);
                let hit = pick_with(m, &surface, [ndc[0] as f32, ndc[1] as f32]).expect("a hit");
                // The hit projects back onto the same pixel (it may be a nearer surface point
                // where the surface folds in front, which is then also what the user sees).
                let back = project(m, DVec3::new(hit[0], hit[1], surface.value(hit)));
                let px = ((back[0] - ndc[0]) * width / 2.0).hypot((back[1] - ndc[1]) * height / 2.0);
                assert!(px < 1.0, "{name} at ({x}, {y}): hit {hit:?}, {px} px away");
            }
            // Outside the box: no hit.
            assert!(pick_with(m, &surface, [0.99, 0.99]).is_none(), "{name}");
        }
    }
}
