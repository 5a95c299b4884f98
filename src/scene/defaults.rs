//! The defaults inferred for a scene given as a surface alone: plain GD at a learning rate
//! suited to the surface's curvature, and a grid of starts.

use super::Scene;
use crate::optim::OptimizerSpec;
use crate::surfaces::Surface;

/// A typed surface with nothing else: plain GD with a learning rate suited to the surface,
/// from a 3x3 grid of starts. Returns what was assumed, as flags, for the caller to say. Absent values are assumed; wrong ones still
/// fail.
pub fn assume_defaults(scene: &mut Scene) -> Vec<String> {
    let mut assumed = Vec::new();
    if scene.optimizers.is_empty() {
        let lr = suited_learning_rate(&scene.surface);
        // Two significant digits, written without float noise (0.012, not 0.012000000000000002).
        let digits = (1.0 - lr.log10().floor()).max(0.0) as usize;
        let text = format!("{lr:.digits$}");
        let lr = text.trim_end_matches('0').trim_end_matches('.');
        if let Ok(spec) = format!("gd:lr={lr}").parse::<OptimizerSpec>() {
            scene.optimizers.push(spec);
            assumed.push(format!("--optimizer gd:lr={lr} (0.2 / the surface's curvature)"));
        }
    }
    let s = &scene.starts;
    if s.points.is_empty() && s.grid.is_none() && s.random == 0 {
        // A function of x alone keeps y = 0: a row of starts.
        let grid = if scene.surface.is_1d() { [5, 1] } else { [3, 3] };
        scene.starts.grid = Some(grid);
        assumed.push(format!("--grid {}x{} (starts over the domain)", grid[0], grid[1]));
    }
    assumed
}

/// 0.2 / L, where L is the gradient's Lipschitz constant estimated over the domain (the 90th
/// percentile of |grad f(p + h) - grad f(p)| / |h| on a 17x17 grid), to two significant
/// digits: GD with lr < 2 / L converges on a convex quadratic, and 0.2 / L moves visibly
/// within a few hundred steps without overshooting.
pub fn suited_learning_rate(surface: &Surface) -> f64 {
    let d = &surface.domain;
    let (wx, wy) = (d.x[1] - d.x[0], d.y[1] - d.y[0]);
    let h = 1e-4 * wx.max(wy);
    let mut curvatures = Vec::new();
    for i in 0..17 {
        for j in 0..17 {
            let p = [
                d.x[0] + wx * f64::from(i) / 16.0,
                d.y[0] + wy * f64::from(j) / 16.0,
            ];
            let g = surface.grad(p);
            for dp in [[h, 0.0], [0.0, h]] {
                let q = surface.grad([p[0] + dp[0], p[1] + dp[1]]);
                let c = ((q[0] - g[0]).powi(2) + (q[1] - g[1]).powi(2)).sqrt() / h;
                if c.is_finite() {
                    curvatures.push(c);
                }
            }
        }
    }
    curvatures.sort_by(f64::total_cmp);
    let l = curvatures
        .get(curvatures.len() * 9 / 10)
        .copied()
        .filter(|l| *l > 1e-12)
        .unwrap_or(1.0);
    let lr = (0.2 / l).clamp(1e-6, 1.0);
    let magnitude = 10f64.powf(lr.log10().floor() - 1.0);
    (lr / magnitude).round() * magnitude
}
