//! The optimizers against hand computations from torch.optim's documented pseudo-code (and
//! `torch/optim/<name>.py` where the two differ), the spec parser's defaults and messages, and
//! the WGSL twin's validity and layout (naga).
//!
//! Every rule is elementwise, so each hand computation is written for one coordinate
//! (`by_coord`) and applied to both: p0 = (1, -2), gradients G (fixed, not from a surface).

use descent::optim::{self, GpuOptimizer, OptState, OptimizerKind, OptimizerSpec, Params, SpecError};

const P0: [f64; 2] = [1.0, -2.0];
const G: [[f64; 2]; 7] = [
    [0.5, -1.5],
    [-0.25, 2.0],
    [1.0, 0.0],
    [0.75, -0.5],
    [-1.0, 0.25],
    [0.125, 1.0],
    [2.0, -2.0],
];

fn spec(s: &str) -> OptimizerSpec {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// `steps` steps of `s` from P0 on G; every position and the final state.
fn run_with_state(s: &str, steps: usize) -> (Vec<[f64; 2]>, OptState) {
    let spec = spec(s);
    let mut st = optim::init_state(&spec);
    let mut p = P0;
    let mut out = Vec::new();
    for (t, g) in (1..).zip(&G[..steps]) {
        p = optim::step(&spec, &mut st, t, p, *g);
        out.push(p);
    }
    (out, st)
}

fn run(s: &str, steps: usize) -> Vec<[f64; 2]> {
    run_with_state(s, steps).0
}

/// A one-coordinate hand computation `f(p0, [g1, g2, ...]) -> [p1, p2, ...]`, applied to both
/// coordinates.
fn by_coord<const N: usize>(f: impl Fn(f64, [f64; N]) -> [f64; N]) -> Vec<[f64; 2]> {
    let c = [0, 1].map(|i| f(P0[i], std::array::from_fn(|k| G[k][i])));
    (0..N).map(|k| [c[0][k], c[1][k]]).collect()
}

/// The optimizer's positions equal the hand computation's to 1e-12 (relative, or absolute
/// below 1): the hand formulas associate differently from torch's kernels in places.
fn check(s: &str, want: &[[f64; 2]]) {
    let got = run(s, want.len());
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        for i in 0..2 {
            let tol = 1e-12 * w[i].abs().max(1.0);
            assert!(
                (g[i] - w[i]).abs() <= tol,
                "{s}: step {} coordinate {i}: got {:e}, want {:e}",
                k + 1,
                g[i],
                w[i]
            );
        }
    }
}

/// torch.sign: 0 for 0 (unlike f64::signum).
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

// ---------------------------------------------------------------------------------------------
// SGD. Docs: g_t += lambda*theta_{t-1}; b_1 = g_1, b_t = mu*b_{t-1} + (1 - tau)*g_t;
// nesterov: g_t += mu*b_t, else g_t = b_t; theta_t = theta_{t-1} - gamma*g_t.

#[test]
fn gd_and_sgd_default_to_plain_descent_with_lr_1e_3() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let p1 = p0 - 0.001 * g1;
        let p2 = p1 - 0.001 * g2;
        let p3 = p2 - 0.001 * g3;
        [p1, p2, p3]
    });
    check("gd", &want);
    check("sgd", &want);
    // param.add_(grad, alpha=-lr): p + (-lr)*g is exactly p - lr*g.
    assert_eq!(run("gd", 1)[0], [1.0 - 0.001 * 0.5, -2.0 - 0.001 * -1.5]);
}

#[test]
fn sgd_weight_decay() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, wd) = (0.1, 0.5);
        let p1 = p0 - lr * (g1 + wd * p0);
        let p2 = p1 - lr * (g2 + wd * p1);
        let p3 = p2 - lr * (g3 + wd * p2);
        [p1, p2, p3]
    });
    check("sgd:lr=0.1,weight_decay=0.5", &want);
    check("gd:lr=0.1,weight_decay=0.5", &want);
}

#[test]
fn sgd_maximize() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let p1 = p0 + 0.1 * g1;
        let p2 = p1 + 0.1 * g2;
        let p3 = p2 + 0.1 * g3;
        [p1, p2, p3]
    });
    check("sgd:lr=0.1,maximize=true", &want);
    check("gd:lr=0.1,maximize=1", &want);
}

#[test]
fn sgd_maximize_with_weight_decay_negates_the_gradient_first() {
    // The docs apply maximize at the end (theta + gamma*(g + lambda*theta)); the code,
    // `_single_tensor_sgd`, negates the gradient first: theta - gamma*(-g + lambda*theta).
    // The code is what torch runs.
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, wd) = (0.1, 0.5);
        let p1 = p0 - lr * (-g1 + wd * p0);
        let p2 = p1 - lr * (-g2 + wd * p1);
        let p3 = p2 - lr * (-g3 + wd * p2);
        [p1, p2, p3]
    });
    check("sgd:lr=0.1,maximize=1,weight_decay=0.5", &want);
}

#[test]
fn momentum() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, mu) = (0.1, 0.9);
        let b1 = g1; // first step: the buffer is the gradient, no dampening
        let p1 = p0 - lr * b1;
        let b2 = mu * b1 + g2;
        let p2 = p1 - lr * b2;
        let b3 = mu * b2 + g3;
        let p3 = p2 - lr * b3;
        [p1, p2, p3]
    });
    check("momentum:lr=0.1", &want);
    check("sgd:lr=0.1,momentum=0.9", &want);
}

#[test]
fn momentum_with_dampening() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, mu, tau) = (0.1, 0.9, 0.25);
        let b1 = g1; // dampening does not apply to the first step
        let p1 = p0 - lr * b1;
        let b2 = mu * b1 + (1.0 - tau) * g2;
        let p2 = p1 - lr * b2;
        let b3 = mu * b2 + (1.0 - tau) * g3;
        let p3 = p2 - lr * b3;
        [p1, p2, p3]
    });
    check("sgd:lr=0.1,momentum=0.9,dampening=0.25", &want);
}

#[test]
fn nesterov() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, mu) = (0.1, 0.9);
        let b1 = g1;
        let p1 = p0 - lr * (g1 + mu * b1);
        let b2 = mu * b1 + g2;
        let p2 = p1 - lr * (g2 + mu * b2);
        let b3 = mu * b2 + g3;
        let p3 = p2 - lr * (g3 + mu * b3);
        [p1, p2, p3]
    });
    check("nesterov:lr=0.1", &want);
    check("sgd:lr=0.1,momentum=0.9,nesterov=1", &want);
}

#[test]
fn nesterov_with_weight_decay() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, mu, wd) = (0.1, 0.5, 0.2);
        let d1 = g1 + wd * p0;
        let b1 = d1;
        let p1 = p0 - lr * (d1 + mu * b1);
        let d2 = g2 + wd * p1;
        let b2 = mu * b1 + d2;
        let p2 = p1 - lr * (d2 + mu * b2);
        let d3 = g3 + wd * p2;
        let b3 = mu * b2 + d3;
        let p3 = p2 - lr * (d3 + mu * b3);
        [p1, p2, p3]
    });
    check("nesterov:lr=0.1,momentum=0.5,weight_decay=0.2", &want);
}

// ---------------------------------------------------------------------------------------------
// Adagrad. Docs: clr = gamma/(1 + (t-1)*eta); g_t += lambda*theta_{t-1};
// sum_t = sum_{t-1} + g_t^2; theta_t = theta_{t-1} - clr*g_t/(sqrt(sum_t) + eps).

#[test]
fn adagrad_default() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, eps) = (0.01, 1e-10);
        let s1 = g1 * g1;
        let p1 = p0 - lr * g1 / (s1.sqrt() + eps);
        let s2 = s1 + g2 * g2;
        let p2 = p1 - lr * g2 / (s2.sqrt() + eps);
        let s3 = s2 + g3 * g3;
        let p3 = p2 - lr * g3 / (s3.sqrt() + eps);
        [p1, p2, p3]
    });
    check("adagrad", &want);
    // The first step moves each coordinate by lr*sign(g) (to eps/|g|).
    let p1 = run("adagrad", 1)[0];
    assert!((p1[0] - (1.0 - 0.01)).abs() < 1e-11 && (p1[1] - (-2.0 + 0.01)).abs() < 1e-11);
}

#[test]
fn adagrad_lr_decay() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, eta, eps) = (0.1, 0.5, 1e-10);
        let s1 = g1 * g1;
        let p1 = p0 - lr / (1.0 + 0.0 * eta) * g1 / (s1.sqrt() + eps);
        let s2 = s1 + g2 * g2;
        let p2 = p1 - lr / (1.0 + 1.0 * eta) * g2 / (s2.sqrt() + eps);
        let s3 = s2 + g3 * g3;
        let p3 = p2 - lr / (1.0 + 2.0 * eta) * g3 / (s3.sqrt() + eps);
        [p1, p2, p3]
    });
    check("adagrad:lr=0.1,lr_decay=0.5", &want);
}

#[test]
fn adagrad_initial_accumulator_weight_decay_maximize() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, wd, eps) = (0.1, 0.2, 1e-3);
        let d1 = -g1 + wd * p0;
        let s1 = 0.5 + d1 * d1;
        let p1 = p0 - lr * d1 / (s1.sqrt() + eps);
        let d2 = -g2 + wd * p1;
        let s2 = s1 + d2 * d2;
        let p2 = p1 - lr * d2 / (s2.sqrt() + eps);
        let d3 = -g3 + wd * p2;
        let s3 = s2 + d3 * d3;
        let p3 = p2 - lr * d3 / (s3.sqrt() + eps);
        [p1, p2, p3]
    });
    check(
        "adagrad:lr=0.1,initial_accumulator_value=0.5,weight_decay=0.2,eps=1e-3,maximize=true",
        &want,
    );
}

// ---------------------------------------------------------------------------------------------
// RMSprop. Docs: v_t = alpha*v + (1-alpha)*g^2; centered: ga_t = alpha*ga + (1-alpha)*g,
// v~ = v_t - ga_t^2; momentum: b_t = mu*b + g/(sqrt(v~) + eps), theta -= gamma*b_t;
// else theta -= gamma*g/(sqrt(v~) + eps).

#[test]
fn rmsprop_default() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, eps) = (0.01, 1e-8);
        let v1 = 0.01 * g1 * g1;
        let p1 = p0 - lr * g1 / (v1.sqrt() + eps);
        let v2 = 0.99 * v1 + 0.01 * g2 * g2;
        let p2 = p1 - lr * g2 / (v2.sqrt() + eps);
        let v3 = 0.99 * v2 + 0.01 * g3 * g3;
        let p3 = p2 - lr * g3 / (v3.sqrt() + eps);
        [p1, p2, p3]
    });
    check("rmsprop", &want);
    // torch's RMSprop first step is 10*lr*sign(g): sqrt(0.01*g^2) = 0.1*|g| (short by
    // 10*lr*eps/(0.1*|g|), 2e-8 here).
    let p1 = run("rmsprop", 1)[0];
    assert!((p1[0] - (1.0 - 0.1)).abs() < 3e-8 && (p1[1] - (-2.0 + 0.1)).abs() < 3e-8);
}

#[test]
fn rmsprop_centered() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, eps) = (0.01, 1e-8);
        let v1 = 0.01 * g1 * g1;
        let a1 = 0.01 * g1;
        let p1 = p0 - lr * g1 / ((v1 - a1 * a1).sqrt() + eps);
        let v2 = 0.99 * v1 + 0.01 * g2 * g2;
        let a2 = 0.99 * a1 + 0.01 * g2;
        let p2 = p1 - lr * g2 / ((v2 - a2 * a2).sqrt() + eps);
        let v3 = 0.99 * v2 + 0.01 * g3 * g3;
        let a3 = 0.99 * a2 + 0.01 * g3;
        let p3 = p2 - lr * g3 / ((v3 - a3 * a3).sqrt() + eps);
        [p1, p2, p3]
    });
    check("rmsprop:centered=true", &want);
}

#[test]
fn rmsprop_momentum() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, mu, eps) = (0.01, 0.5, 1e-8);
        let v1 = 0.01 * g1 * g1;
        let b1 = g1 / (v1.sqrt() + eps); // the buffer starts at zero (no SGD first-step rule)
        let p1 = p0 - lr * b1;
        let v2 = 0.99 * v1 + 0.01 * g2 * g2;
        let b2 = mu * b1 + g2 / (v2.sqrt() + eps);
        let p2 = p1 - lr * b2;
        let v3 = 0.99 * v2 + 0.01 * g3 * g3;
        let b3 = mu * b2 + g3 / (v3.sqrt() + eps);
        let p3 = p2 - lr * b3;
        [p1, p2, p3]
    });
    check("rmsprop:momentum=0.5", &want);
}

#[test]
fn rmsprop_everything() {
    // alpha = 0.3 puts torch.lerp's weight 1 - alpha = 0.7 on its >= 0.5 branch.
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, alpha, eps, wd, mu) = (0.01, 0.3, 1e-3, 0.1, 0.5);
        let d1 = -g1 + wd * p0;
        let v1 = (1.0 - alpha) * d1 * d1;
        let a1 = (1.0 - alpha) * d1;
        let b1 = d1 / ((v1 - a1 * a1).sqrt() + eps);
        let p1 = p0 - lr * b1;
        let d2 = -g2 + wd * p1;
        let v2 = alpha * v1 + (1.0 - alpha) * d2 * d2;
        let a2 = alpha * a1 + (1.0 - alpha) * d2;
        let b2 = mu * b1 + d2 / ((v2 - a2 * a2).sqrt() + eps);
        let p2 = p1 - lr * b2;
        let d3 = -g3 + wd * p2;
        let v3 = alpha * v2 + (1.0 - alpha) * d3 * d3;
        let a3 = alpha * a2 + (1.0 - alpha) * d3;
        let b3 = mu * b2 + d3 / ((v3 - a3 * a3).sqrt() + eps);
        let p3 = p2 - lr * b3;
        [p1, p2, p3]
    });
    check(
        "rmsprop:lr=0.01,alpha=0.3,eps=1e-3,weight_decay=0.1,momentum=0.5,centered=1,maximize=1",
        &want,
    );
}

// ---------------------------------------------------------------------------------------------
// Adam / AdamW. Docs: m_t = b1*m + (1-b1)*g; v_t = b2*v + (1-b2)*g^2; m^ = m_t/(1-b1^t);
// theta -= gamma*m^/(sqrt(v_t/(1-b2^t)) + eps); amsgrad (as `_single_tensor_adam`): vmax_t =
// max(vmax, v_t) replaces v_t. Adam: g += lambda*theta; AdamW: theta *= 1 - gamma*lambda first.

#[test]
fn adam_default() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, eps) = (0.001, 1e-8);
        let m1 = 0.1 * g1;
        let v1 = 0.001 * g1 * g1;
        let p1 = p0 - lr * (m1 / 0.1) / ((v1 / 0.001).sqrt() + eps);
        let m2 = 0.9 * m1 + 0.1 * g2;
        let v2 = 0.999 * v1 + 0.001 * g2 * g2;
        let p2 = p1 - lr * (m2 / (1.0 - 0.9 * 0.9)) / ((v2 / (1.0 - 0.999 * 0.999)).sqrt() + eps);
        let m3 = 0.9 * m2 + 0.1 * g3;
        let v3 = 0.999 * v2 + 0.001 * g3 * g3;
        let p3 =
            p2 - lr * (m3 / (1.0 - 0.9 * 0.9 * 0.9)) / ((v3 / (1.0 - 0.999 * 0.999 * 0.999)).sqrt() + eps);
        [p1, p2, p3]
    });
    check("adam", &want);
    // Adam's first step moves each coordinate by lr*sign(g), short by lr*eps/|g|.
    let p1 = run("adam", 1)[0];
    assert!((p1[0] - (1.0 - 0.001)).abs() < 1e-10 && (p1[1] - (-2.0 + 0.001)).abs() < 1e-10);
}

#[test]
fn adam_amsgrad() {
    // Coordinate 1 has g3 = 0, so v3 < v2 and the maximum holds v2.
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, eps) = (0.1, 1e-8);
        let m1 = 0.1 * g1;
        let v1 = 0.001 * g1 * g1;
        let p1 = p0 - lr * (m1 / 0.1) / ((v1 / 0.001).sqrt() + eps);
        let m2 = 0.9 * m1 + 0.1 * g2;
        let v2 = 0.999 * v1 + 0.001 * g2 * g2;
        let max2 = v1.max(v2);
        let p2 = p1 - lr * (m2 / (1.0 - 0.9 * 0.9)) / ((max2 / (1.0 - 0.999 * 0.999)).sqrt() + eps);
        let m3 = 0.9 * m2 + 0.1 * g3;
        let v3 = 0.999 * v2 + 0.001 * g3 * g3;
        let max3 = max2.max(v3);
        let p3 =
            p2 - lr * (m3 / (1.0 - 0.9 * 0.9 * 0.9)) / ((max3 / (1.0 - 0.999 * 0.999 * 0.999)).sqrt() + eps);
        [p1, p2, p3]
    });
    check("adam:lr=0.1,amsgrad=true", &want);
    let (_, st) = run_with_state("adam:lr=0.1,amsgrad=true", 3);
    let v2 = 0.999 * (0.001 * 1.5 * 1.5) + 0.001 * 2.0 * 2.0;
    assert!(
        (st.s3[1] - v2).abs() < 1e-15 && st.s3[1] > st.s2[1],
        "max_exp_avg_sq lives in s3"
    );
}

#[test]
fn adam_weight_decay_maximize() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, wd, eps) = (0.1, 0.5, 1e-8);
        let d1 = -g1 + wd * p0;
        let m1 = 0.1 * d1;
        let v1 = 0.001 * d1 * d1;
        let p1 = p0 - lr * (m1 / 0.1) / ((v1 / 0.001).sqrt() + eps);
        let d2 = -g2 + wd * p1;
        let m2 = 0.9 * m1 + 0.1 * d2;
        let v2 = 0.999 * v1 + 0.001 * d2 * d2;
        let p2 = p1 - lr * (m2 / (1.0 - 0.9 * 0.9)) / ((v2 / (1.0 - 0.999 * 0.999)).sqrt() + eps);
        let d3 = -g3 + wd * p2;
        let m3 = 0.9 * m2 + 0.1 * d3;
        let v3 = 0.999 * v2 + 0.001 * d3 * d3;
        let p3 =
            p2 - lr * (m3 / (1.0 - 0.9 * 0.9 * 0.9)) / ((v3 / (1.0 - 0.999 * 0.999 * 0.999)).sqrt() + eps);
        [p1, p2, p3]
    });
    check("adam:lr=0.1,weight_decay=0.5,maximize=true", &want);
}

#[test]
fn adamw_default_decays_the_parameter() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, wd, eps) = (0.1, 0.01, 1e-8);
        let m1 = 0.1 * g1;
        let v1 = 0.001 * g1 * g1;
        let p1 = p0 * (1.0 - lr * wd) - lr * (m1 / 0.1) / ((v1 / 0.001).sqrt() + eps);
        let m2 = 0.9 * m1 + 0.1 * g2;
        let v2 = 0.999 * v1 + 0.001 * g2 * g2;
        let p2 = p1 * (1.0 - lr * wd)
            - lr * (m2 / (1.0 - 0.9 * 0.9)) / ((v2 / (1.0 - 0.999 * 0.999)).sqrt() + eps);
        let m3 = 0.9 * m2 + 0.1 * g3;
        let v3 = 0.999 * v2 + 0.001 * g3 * g3;
        let bc3 = 1.0 - 0.999 * 0.999 * 0.999;
        let p3 = p2 * (1.0 - lr * wd) - lr * (m3 / (1.0 - 0.9 * 0.9 * 0.9)) / ((v3 / bc3).sqrt() + eps);
        [p1, p2, p3]
    });
    check("adamw:lr=0.1", &want);
}

#[test]
fn adamw_amsgrad_betas_eps() {
    // beta1 = 0.5 puts torch.lerp's weight 1 - beta1 on its >= 0.5 branch.
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, wd, eps, b1, b2) = (0.1, 0.5, 0.1, 0.5, 0.9);
        let m1 = (1.0 - b1) * g1;
        let v1 = (1.0 - b2) * g1 * g1;
        let p1 = p0 * (1.0 - lr * wd) - lr * (m1 / (1.0 - b1)) / ((v1 / (1.0 - b2)).sqrt() + eps);
        let m2 = b1 * m1 + (1.0 - b1) * g2;
        let v2 = b2 * v1 + (1.0 - b2) * g2 * g2;
        let max2 = v1.max(v2);
        let p2 = p1 * (1.0 - lr * wd) - lr * (m2 / (1.0 - b1 * b1)) / ((max2 / (1.0 - b2 * b2)).sqrt() + eps);
        let m3 = b1 * m2 + (1.0 - b1) * g3;
        let v3 = b2 * v2 + (1.0 - b2) * g3 * g3;
        let max3 = max2.max(v3);
        let bc1 = 1.0 - b1 * b1 * b1;
        let bc2 = 1.0 - b2 * b2 * b2;
        let p3 = p2 * (1.0 - lr * wd) - lr * (m3 / bc1) / ((max3 / bc2).sqrt() + eps);
        [p1, p2, p3]
    });
    check(
        "adamw:lr=0.1,weight_decay=0.5,amsgrad=1,eps=0.1,betas=0.5/0.9",
        &want,
    );
}

#[test]
fn adamw_without_weight_decay_is_adam() {
    assert_eq!(run("adamw:weight_decay=0,lr=0.1", 7), run("adam:lr=0.1", 7));
    assert_eq!(run("adamw:weight_decay=0,amsgrad=1", 7), run("adam:amsgrad=1", 7));
}

// ---------------------------------------------------------------------------------------------
// NAdam. Docs: mu_t = b1*(1 - 0.5*0.96^(t*psi)); m_t, v_t as Adam;
// m^ = mu_{t+1}*m_t/(1 - prod_{i<=t+1} mu_i) + (1 - mu_t)*g_t/(1 - prod_{i<=t} mu_i);
// v^ = v_t/(1 - b2^t); theta -= gamma*m^/(sqrt(v^) + eps).

fn nadam_mu(b1: f64, psi: f64, t: f64) -> f64 {
    b1 * (1.0 - 0.5 * 0.96_f64.powf(t * psi))
}

#[test]
fn nadam_default() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, b1, b2, eps, psi) = (0.002, 0.9, 0.999, 1e-8, 0.004);
        let [mu1, mu2, mu3, mu4] = [1.0, 2.0, 3.0, 4.0].map(|t| nadam_mu(b1, psi, t));
        let m1 = (1.0 - b1) * g1;
        let v1 = (1.0 - b2) * g1 * g1;
        let mh1 = mu2 * m1 / (1.0 - mu1 * mu2) + (1.0 - mu1) * g1 / (1.0 - mu1);
        let p1 = p0 - lr * mh1 / ((v1 / (1.0 - b2)).sqrt() + eps);
        let m2 = b1 * m1 + (1.0 - b1) * g2;
        let v2 = b2 * v1 + (1.0 - b2) * g2 * g2;
        let mh2 = mu3 * m2 / (1.0 - mu1 * mu2 * mu3) + (1.0 - mu2) * g2 / (1.0 - mu1 * mu2);
        let p2 = p1 - lr * mh2 / ((v2 / (1.0 - b2 * b2)).sqrt() + eps);
        let m3 = b1 * m2 + (1.0 - b1) * g3;
        let v3 = b2 * v2 + (1.0 - b2) * g3 * g3;
        let mh3 = mu4 * m3 / (1.0 - mu1 * mu2 * mu3 * mu4) + (1.0 - mu3) * g3 / (1.0 - mu1 * mu2 * mu3);
        let p3 = p2 - lr * mh3 / ((v3 / (1.0 - b2 * b2 * b2)).sqrt() + eps);
        [p1, p2, p3]
    });
    check("nadam", &want);
    let (_, st) = run_with_state("nadam", 3);
    let mu_product = nadam_mu(0.9, 0.004, 1.0) * nadam_mu(0.9, 0.004, 2.0) * nadam_mu(0.9, 0.004, 3.0);
    assert!((st.aux - mu_product).abs() < 1e-15, "mu_product lives in aux");
}

#[test]
fn nadam_coupled_weight_decay() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, b1, b2, eps, psi, wd) = (0.1, 0.9, 0.999, 1e-8, 0.004, 0.5);
        let [mu1, mu2, mu3, mu4] = [1.0, 2.0, 3.0, 4.0].map(|t| nadam_mu(b1, psi, t));
        let d1 = g1 + wd * p0;
        let m1 = (1.0 - b1) * d1;
        let v1 = (1.0 - b2) * d1 * d1;
        let mh1 = mu2 * m1 / (1.0 - mu1 * mu2) + (1.0 - mu1) * d1 / (1.0 - mu1);
        let p1 = p0 - lr * mh1 / ((v1 / (1.0 - b2)).sqrt() + eps);
        let d2 = g2 + wd * p1;
        let m2 = b1 * m1 + (1.0 - b1) * d2;
        let v2 = b2 * v1 + (1.0 - b2) * d2 * d2;
        let mh2 = mu3 * m2 / (1.0 - mu1 * mu2 * mu3) + (1.0 - mu2) * d2 / (1.0 - mu1 * mu2);
        let p2 = p1 - lr * mh2 / ((v2 / (1.0 - b2 * b2)).sqrt() + eps);
        let d3 = g3 + wd * p2;
        let m3 = b1 * m2 + (1.0 - b1) * d3;
        let v3 = b2 * v2 + (1.0 - b2) * d3 * d3;
        let mh3 = mu4 * m3 / (1.0 - mu1 * mu2 * mu3 * mu4) + (1.0 - mu3) * d3 / (1.0 - mu1 * mu2 * mu3);
        let p3 = p2 - lr * mh3 / ((v3 / (1.0 - b2 * b2 * b2)).sqrt() + eps);
        [p1, p2, p3]
    });
    check("nadam:lr=0.1,weight_decay=0.5", &want);
}

#[test]
fn nadam_decoupled_weight_decay_momentum_decay_maximize() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, b1, b2, eps, psi, wd) = (0.1, 0.8, 0.99, 1e-6, 0.5, 0.5);
        let [mu1, mu2, mu3, mu4] = [1.0, 2.0, 3.0, 4.0].map(|t| nadam_mu(b1, psi, t));
        let (d1, d2, d3) = (-g1, -g2, -g3);
        let m1 = (1.0 - b1) * d1;
        let v1 = (1.0 - b2) * d1 * d1;
        let mh1 = mu2 * m1 / (1.0 - mu1 * mu2) + (1.0 - mu1) * d1 / (1.0 - mu1);
        let p1 = p0 * (1.0 - lr * wd) - lr * mh1 / ((v1 / (1.0 - b2)).sqrt() + eps);
        let m2 = b1 * m1 + (1.0 - b1) * d2;
        let v2 = b2 * v1 + (1.0 - b2) * d2 * d2;
        let mh2 = mu3 * m2 / (1.0 - mu1 * mu2 * mu3) + (1.0 - mu2) * d2 / (1.0 - mu1 * mu2);
        let p2 = p1 * (1.0 - lr * wd) - lr * mh2 / ((v2 / (1.0 - b2 * b2)).sqrt() + eps);
        let m3 = b1 * m2 + (1.0 - b1) * d3;
        let v3 = b2 * v2 + (1.0 - b2) * d3 * d3;
        let mh3 = mu4 * m3 / (1.0 - mu1 * mu2 * mu3 * mu4) + (1.0 - mu3) * d3 / (1.0 - mu1 * mu2 * mu3);
        let p3 = p2 * (1.0 - lr * wd) - lr * mh3 / ((v3 / (1.0 - b2 * b2 * b2)).sqrt() + eps);
        [p1, p2, p3]
    });
    check(
        "nadam:lr=0.1,beta1=0.8,beta2=0.99,eps=1e-6,momentum_decay=0.5,weight_decay=0.5,decoupled_weight_decay=1,maximize=1",
        &want,
    );
}

// ---------------------------------------------------------------------------------------------
// RAdam. Docs: m_t, v_t as Adam; m^ = m_t/(1-b1^t); rho_inf = 2/(1-b2) - 1;
// rho_t = rho_inf - 2*t*b2^t/(1-b2^t); if rho_t > 5: l_t = sqrt(1-b2^t)/(sqrt(v_t) + eps),
// r_t = sqrt((rho_t-4)(rho_t-2)rho_inf/((rho_inf-4)(rho_inf-2)rho_t)), theta -= gamma*m^*r_t*l_t;
// else theta -= gamma*m^.

#[test]
fn radam_first_steps_are_unrectified() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let lr = 0.1;
        let m1 = 0.1 * g1;
        let p1 = p0 - lr * m1 / 0.1; // rho_1 = 1: plain SGD with momentum, m^_1 = g_1
        let m2 = 0.9 * m1 + 0.1 * g2;
        let p2 = p1 - lr * m2 / (1.0 - 0.9 * 0.9);
        let m3 = 0.9 * m2 + 0.1 * g3;
        let p3 = p2 - lr * m3 / (1.0 - 0.9 * 0.9 * 0.9);
        [p1, p2, p3]
    });
    check("radam:lr=0.1", &want);
    let p1 = run("radam", 1)[0];
    assert!((p1[0] - (1.0 - 0.001 * 0.5)).abs() < 1e-15 && (p1[1] - (-2.0 + 0.001 * 1.5)).abs() < 1e-15);
}

/// Seven RAdam steps from the docs' pseudo-code; `d(g, p)` is the gradient used and `decay`
/// the decoupled factor on theta.
fn radam_hand(p0: f64, g: [f64; 7], d: impl Fn(f64, f64) -> f64, decay: f64) -> [f64; 7] {
    let (lr, b1, b2, eps) = (0.1, 0.9, 0.999, 1e-8);
    let rho_inf = 2.0 / (1.0 - b2) - 1.0;
    let (mut p, mut m, mut v) = (p0, 0.0, 0.0);
    let mut out = [0.0; 7];
    for t in 1..=7 {
        let gt = d(g[t - 1], p);
        m = b1 * m + (1.0 - b1) * gt;
        v = b2 * v + (1.0 - b2) * gt * gt;
        let m_hat = m / (1.0 - b1.powi(t as i32));
        let b2t = b2.powi(t as i32);
        let rho_t = rho_inf - 2.0 * t as f64 * b2t / (1.0 - b2t);
        p *= decay;
        if rho_t > 5.0 {
            let l = (1.0 - b2t).sqrt() / (v.sqrt() + eps);
            let r = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                .sqrt();
            p -= lr * m_hat * r * l;
        } else {
            p -= lr * m_hat;
        }
        out[t - 1] = p;
    }
    out
}

#[test]
fn radam_rectifies_from_step_6() {
    // With beta2 = 0.999, rho_t ~ t - (t^2 - 1)/6000: rho_5 = 4.996 and rho_6 = 5.994.
    let rho = |t: f64| 1999.0 - 2.0 * t * 0.999_f64.powf(t) / (1.0 - 0.999_f64.powf(t));
    assert!(rho(5.0) < 5.0 && rho(6.0) > 5.0, "{} {}", rho(5.0), rho(6.0));
    check(
        "radam:lr=0.1",
        &by_coord(|p0, g| radam_hand(p0, g, |g, _| g, 1.0)),
    );
}

#[test]
fn radam_weight_decay() {
    check(
        "radam:lr=0.1,weight_decay=0.5",
        &by_coord(|p0, g| radam_hand(p0, g, |g, p| g + 0.5 * p, 1.0)),
    );
    check(
        "radam:lr=0.1,weight_decay=0.5,decoupled_weight_decay=1,maximize=1",
        &by_coord(|p0, g| radam_hand(p0, g, |g, _| -g, 1.0 - 0.1 * 0.5)),
    );
}

// ---------------------------------------------------------------------------------------------
// Lion (Chen et al. 2023, Algorithm 2; lucidrains' lion-pytorch): theta *= 1 - gamma*lambda;
// c = b1*m + (1-b1)*g; theta -= gamma*sign(c); m = b2*m + (1-b2)*g.

#[test]
fn lion_default() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, b1, b2) = (1e-4, 0.9, 0.99);
        let p1 = p0 - lr * sign((1.0 - b1) * g1);
        let m1 = (1.0 - b2) * g1;
        let p2 = p1 - lr * sign(b1 * m1 + (1.0 - b1) * g2);
        let m2 = b2 * m1 + (1.0 - b2) * g2;
        let p3 = p2 - lr * sign(b1 * m2 + (1.0 - b1) * g3);
        [p1, p2, p3]
    });
    check("lion", &want);
    // The first step is exactly lr*sign(g).
    assert_eq!(run("lion", 1)[0], [1.0 - 1e-4, -2.0 + 1e-4]);
}

#[test]
fn lion_weight_decay_and_betas() {
    let want = by_coord(|p0, [g1, g2, g3]| {
        let (lr, wd, b1, b2) = (0.1, 0.5, 0.5, 0.25);
        let p1 = p0 * (1.0 - lr * wd) - lr * sign((1.0 - b1) * g1);
        let m1 = (1.0 - b2) * g1;
        let p2 = p1 * (1.0 - lr * wd) - lr * sign(b1 * m1 + (1.0 - b1) * g2);
        let m2 = b2 * m1 + (1.0 - b2) * g2;
        let p3 = p2 * (1.0 - lr * wd) - lr * sign(b1 * m2 + (1.0 - b1) * g3);
        [p1, p2, p3]
    });
    check("lion:lr=0.1,weight_decay=0.5,beta1=0.5,beta2=0.25", &want);
}

#[test]
fn lion_does_not_move_on_a_zero_gradient() {
    // torch.sign(0) = 0, where f64::signum(0.0) would be 1.
    let spec = spec("lion:lr=0.1");
    let mut st = optim::init_state(&spec);
    assert_eq!(optim::step(&spec, &mut st, 1, P0, [0.0, 3.0]), [1.0, -2.1]);
}

// ---------------------------------------------------------------------------------------------
// Properties across optimizers.

#[test]
fn maximize_is_minimizing_the_negated_gradient() {
    for s in [
        "sgd:lr=0.1,momentum=0.9,dampening=0.1,weight_decay=0.1",
        "nesterov:lr=0.1,weight_decay=0.1",
        "gd:weight_decay=0.1",
        "adagrad:lr_decay=0.1,weight_decay=0.1,initial_accumulator_value=0.1",
        "rmsprop:centered=1,momentum=0.5,weight_decay=0.1",
        "adam:amsgrad=1,weight_decay=0.1",
        "adamw:amsgrad=1",
        "nadam:weight_decay=0.1",
        "nadam:weight_decay=0.1,decoupled_weight_decay=1",
        "radam:weight_decay=0.1",
        "radam:weight_decay=0.1,decoupled_weight_decay=1",
    ] {
        let (a, b) = (spec(&format!("{s},maximize=true")), spec(s));
        let (mut sa, mut sb) = (optim::init_state(&a), optim::init_state(&b));
        let (mut pa, mut pb) = (P0, P0);
        for (t, g) in (1..).zip(&G) {
            pa = optim::step(&a, &mut sa, t, pa, *g);
            pb = optim::step(&b, &mut sb, t, pb, [-g[0], -g[1]]);
            assert_eq!(pa, pb, "{s}, step {t}");
        }
    }
}

#[test]
fn init_state_per_optimizer() {
    let zero = OptState::default();
    assert_eq!(
        optim::init_state(&spec("adagrad:initial_accumulator_value=0.25")).s1,
        [0.25, 0.25]
    );
    assert_eq!(optim::init_state(&spec("nadam")), OptState { aux: 1.0, ..zero });
    for s in [
        "gd", "momentum", "rmsprop", "adam", "adamw", "radam", "lion", "adagrad",
    ] {
        assert_eq!(optim::init_state(&spec(s)), zero, "{s}");
    }
}

#[test]
fn state_slots_per_optimizer() {
    let used = |s: &str| {
        let (_, st) = run_with_state(s, 3);
        [
            st.s1 != [0.0; 2],
            st.s2 != [0.0; 2],
            st.s3 != [0.0; 2],
            st.aux != 0.0,
        ]
    };
    assert_eq!(used("sgd"), [false, false, false, false]);
    assert_eq!(used("momentum"), [true, false, false, false]);
    assert_eq!(used("adagrad"), [true, false, false, false]);
    assert_eq!(used("rmsprop"), [true, false, false, false]);
    assert_eq!(used("rmsprop:centered=1,momentum=0.9"), [true, true, true, false]);
    assert_eq!(used("adam"), [true, true, false, false]);
    assert_eq!(used("adamw:amsgrad=1"), [true, true, true, false]);
    assert_eq!(used("nadam"), [true, true, false, true]);
    assert_eq!(used("radam"), [true, true, false, false]);
    assert_eq!(used("lion"), [true, false, false, false]);
}

// ---------------------------------------------------------------------------------------------
// Spec parser: defaults, accepted forms, describe(), messages.

#[test]
fn torch_defaults_per_name() {
    use OptimizerKind::*;
    let sgd = Params {
        lr: 1e-3,
        momentum: 0.0,
        dampening: 0.0,
        weight_decay: 0.0,
        nesterov: false,
        maximize: false,
        lr_decay: 0.0,
        initial_accumulator_value: 0.0,
        eps: 1e-8,
        alpha: 0.99,
        centered: false,
        beta1: 0.9,
        beta2: 0.999,
        amsgrad: false,
        momentum_decay: 4e-3,
        decoupled_weight_decay: false,
        grad_noise: 0.0,
        batch_size: 0.0,
        lr_layers: [descent::optim::UNSET; descent::optim::MAX_LAYER_LRS],
        init_offset: 0.0,
    };
    let cases = [
        ("gd", Sgd, sgd.clone()),
        ("sgd", Sgd, sgd.clone()),
        (
            "momentum",
            Sgd,
            Params {
                momentum: 0.9,
                ..sgd.clone()
            },
        ),
        (
            "nesterov",
            Sgd,
            Params {
                momentum: 0.9,
                nesterov: true,
                ..sgd.clone()
            },
        ),
        (
            "adagrad",
            Adagrad,
            Params {
                lr: 1e-2,
                eps: 1e-10,
                ..sgd.clone()
            },
        ),
        (
            "rmsprop",
            Rmsprop,
            Params {
                lr: 1e-2,
                alpha: 0.99,
                eps: 1e-8,
                ..sgd.clone()
            },
        ),
        ("adam", Adam, sgd.clone()),
        (
            "adamw",
            AdamW,
            Params {
                weight_decay: 1e-2,
                decoupled_weight_decay: true,
                ..sgd.clone()
            },
        ),
        (
            "nadam",
            NAdam,
            Params {
                lr: 2e-3,
                momentum_decay: 4e-3,
                ..sgd.clone()
            },
        ),
        ("radam", RAdam, sgd.clone()),
        (
            "lion",
            Lion,
            Params {
                lr: 1e-4,
                beta1: 0.9,
                beta2: 0.99,
                ..sgd.clone()
            },
        ),
    ];
    for (name, kind, params) in cases {
        let s = OptimizerSpec::new(name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (s.name.as_str(), s.kind, &s.params, s.label.as_str()),
            (name, kind, &params, name)
        );
        assert_eq!(spec(name), s);
    }
}

#[test]
fn param_names_follow_torch_signatures() {
    let names = |s: &str| spec(s).param_names().join(",");
    assert_eq!(names("gd"), "lr,weight_decay,maximize");
    for s in ["sgd", "momentum", "nesterov"] {
        assert_eq!(names(s), "lr,momentum,dampening,weight_decay,nesterov,maximize");
    }
    assert_eq!(
        names("adagrad"),
        "lr,lr_decay,weight_decay,initial_accumulator_value,eps,maximize"
    );
    assert_eq!(
        names("rmsprop"),
        "lr,alpha,eps,weight_decay,momentum,centered,maximize"
    );
    assert_eq!(names("adam"), "lr,beta1,beta2,eps,weight_decay,amsgrad,maximize");
    assert_eq!(names("adamw"), "lr,beta1,beta2,eps,weight_decay,amsgrad,maximize");
    assert_eq!(
        names("nadam"),
        "lr,beta1,beta2,eps,weight_decay,momentum_decay,decoupled_weight_decay,maximize"
    );
    assert_eq!(
        names("radam"),
        "lr,beta1,beta2,eps,weight_decay,decoupled_weight_decay,maximize"
    );
    assert_eq!(names("lion"), "lr,beta1,beta2,weight_decay");
}

#[test]
fn spec_forms() {
    let s = spec("  adam : lr = 0.01 ,  amsgrad = TRUE , eps=1e-6 ");
    assert_eq!(
        (s.label.as_str(), s.name.as_str()),
        ("adam : lr = 0.01 ,  amsgrad = TRUE , eps=1e-6", "adam")
    );
    assert_eq!((s.params.lr, s.params.amsgrad, s.params.eps), (0.01, true, 1e-6));
    let s = spec("AdamW:LR=0.5,Betas=0.8/0.9");
    assert_eq!(
        (s.name.as_str(), s.kind, s.params.lr),
        ("adamw", OptimizerKind::AdamW, 0.5)
    );
    assert_eq!((s.params.beta1, s.params.beta2), (0.8, 0.9));
    let s = spec("sgd:lr=0.1,momentum=0.9,nesterov=1");
    assert_eq!((s.params.momentum, s.params.nesterov), (0.9, true));
    assert!(!spec("nesterov:nesterov=0").params.nesterov);
    assert_eq!(
        spec("lion:beta1=1,beta2=0").params.beta1,
        1.0,
        "lion-pytorch allows beta = 1"
    );
    assert_eq!(
        spec("sgd:dampening=-0.5").params.dampening,
        -0.5,
        "torch does not check dampening"
    );
    assert_eq!(spec("adam:lr=0").params.lr, 0.0);
}

#[test]
fn set_applies_one_value_with_the_same_checks() {
    let mut s = OptimizerSpec::new("sgd").unwrap_or_else(|e| panic!("{e}"));
    s.set("lr", "0.1").unwrap_or_else(|e| panic!("{e}"));
    s.set("momentum", " 0.9 ").unwrap_or_else(|e| panic!("{e}"));
    s.set("nesterov", "true").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (s.params.lr, s.params.momentum, s.params.nesterov),
        (0.1, 0.9, true)
    );
    let err = |s: &mut OptimizerSpec, k: &str, v: &str| s.set(k, v).map(|_| ()).unwrap_err().to_string();
    let before = s.clone();
    assert_eq!(
        err(&mut s, "momentum", "0"),
        "nesterov requires momentum > 0 and dampening = 0 (got momentum=0, dampening=0)"
    );
    assert_eq!(s, before, "a refused set changes nothing");
    assert_eq!(err(&mut s, "lr", "-1"), "lr must be >= 0, got -1");
    assert_eq!(
        err(&mut s, "lr", "x"),
        "invalid value 'x' for lr: expected a number"
    );
    let mut a = OptimizerSpec::new("adam").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        err(&mut a, "lrr", "0.1"),
        "unknown parameter 'lrr' for adam; did you mean 'lr'? (adam takes lr, beta1, beta2, eps, weight_decay, amsgrad, maximize; every optimizer also takes grad_noise, batch_size)"
    );
    assert_eq!(
        err(&mut a, "amsgrad", "2"),
        "invalid value '2' for amsgrad: expected true, false, 1 or 0"
    );
    a.set("betas", "0.5/0.6").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((a.params.beta1, a.params.beta2), (0.5, 0.6));
    assert_eq!(
        OptimizerSpec::new("adma").map(|_| ()).unwrap_err().to_string(),
        format!("unknown optimizer 'adma'; did you mean 'adam'? (known: {KNOWN})")
    );
}

#[test]
fn describe_lists_lr_and_what_differs_from_the_defaults() {
    let d = |s: &str| spec(s).describe();
    assert_eq!(d("adam"), "adam lr=0.001");
    assert_eq!(d("adam:lr=0.01,amsgrad=true"), "adam lr=0.01 amsgrad");
    assert_eq!(d("adamw"), "adamw lr=0.001");
    assert_eq!(d("adamw:weight_decay=0"), "adamw lr=0.001 weight_decay=0");
    assert_eq!(d("momentum"), "momentum lr=0.001");
    assert_eq!(d("sgd:lr=0.1,momentum=0.9"), "sgd lr=0.1 momentum=0.9");
    assert_eq!(d("nesterov:nesterov=false"), "nesterov lr=0.001 nesterov=false");
    assert_eq!(d("gd:maximize=1"), "gd lr=0.001 maximize");
    assert_eq!(
        d("adagrad:eps=1e-8,lr_decay=0.5"),
        "adagrad lr=0.01 lr_decay=0.5 eps=1e-8"
    );
    assert_eq!(d("lion:betas=0.95/0.98"), "lion lr=1e-4 beta1=0.95 beta2=0.98");
    assert_eq!(
        d("nadam:decoupled_weight_decay=1,weight_decay=2e-5"),
        "nadam lr=0.002 weight_decay=2e-5 decoupled_weight_decay"
    );
    assert_eq!(
        d("rmsprop:centered=1,momentum=0.9,alpha=0.9"),
        "rmsprop lr=0.01 alpha=0.9 momentum=0.9 centered"
    );
}

const KNOWN: &str = "gd, sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, nadam, radam, lion";
const ADAM_TAKES: &str = "adam takes lr, beta1, beta2, eps, weight_decay, amsgrad, maximize; every optimizer also takes grad_noise, batch_size";

fn parse_err(s: &str) -> SpecError {
    match s.parse::<OptimizerSpec>() {
        Ok(spec) => panic!("{s:?} parsed as {spec:?}"),
        Err(e) => e,
    }
}

fn expect_err(s: &str, want: &str) {
    assert_eq!(parse_err(s).to_string(), want, "spec {s:?}");
}

#[test]
fn spec_error_messages() {
    let known = format!("(known: {KNOWN})");
    let empty = format!("empty optimizer spec; expected NAME[:key=value,...] {known}");
    expect_err("", &empty);
    expect_err("   ", &empty);
    expect_err(":lr=1", &format!("missing optimizer name at column 1 {known}"));
    expect_err(
        "adma",
        &format!("unknown optimizer 'adma' at column 1; did you mean 'adam'? {known}"),
    );
    expect_err(
        "  rmsporp:lr=1",
        &format!("unknown optimizer 'rmsporp' at column 3; did you mean 'rmsprop'? {known}"),
    );
    expect_err("foo", &format!("unknown optimizer 'foo' at column 1 {known}"));

    expect_err(
        "adam:lrr=0.1",
        &format!("unknown parameter 'lrr' for adam at column 6; did you mean 'lr'? ({ADAM_TAKES})"),
    );
    expect_err(
        "adam:lr=0.1, momentum=0.9",
        &format!("unknown parameter 'momentum' for adam at column 14 ({ADAM_TAKES})"),
    );
    expect_err(
        "adagrad:initial_acc=1",
        "unknown parameter 'initial_acc' for adagrad at column 9; did you mean 'initial_accumulator_value'? \
         (adagrad takes lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize; every optimizer also takes grad_noise, batch_size)",
    );
    expect_err(
        "lion:maximize=1",
        "unknown parameter 'maximize' for lion at column 6 (lion takes lr, beta1, beta2, weight_decay; every optimizer also takes grad_noise, batch_size)",
    );
    expect_err(
        "adamw:decoupled_weight_decay=0",
        "unknown parameter 'decoupled_weight_decay' for adamw at column 7 \
         (adamw takes lr, beta1, beta2, eps, weight_decay, amsgrad, maximize; every optimizer also takes grad_noise, batch_size)",
    );

    expect_err(
        "adam:lr=abc",
        "invalid value 'abc' for lr at column 9: expected a number",
    );
    expect_err(
        "adam:lr=",
        "invalid value '' for lr at column 9: expected a number",
    );
    expect_err(
        "adam:lr=inf",
        "invalid value 'inf' for lr at column 9: expected a finite number",
    );
    expect_err(
        "adam:lr=NaN",
        "invalid value 'NaN' for lr at column 9: expected a finite number",
    );
    expect_err(
        "adam:lr=1e39",
        "invalid value '1e39' for lr at column 9: expected a number within f32 range",
    );
    expect_err(
        "adam:amsgrad=yes",
        "invalid value 'yes' for amsgrad at column 14: expected true, false, 1 or 0",
    );
    expect_err(
        "adam:betas=0.9",
        "invalid value '0.9' for betas at column 12: expected beta1/beta2, e.g. 0.9/0.999",
    );

    expect_err("adam:lr=-1", "lr must be >= 0, got -1 (at column 9)");
    expect_err("adam:eps=-1e-8", "eps must be >= 0, got -1e-8 (at column 10)");
    expect_err("adam:beta1=1", "beta1 must be in [0, 1), got 1 (at column 12)");
    expect_err(
        "adam:beta2=-0.1",
        "beta2 must be in [0, 1), got -0.1 (at column 12)",
    );
    expect_err(
        "adam:betas=0.9/1",
        "beta2 must be in [0, 1), got 1 (at column 16)",
    );
    expect_err(
        "lion:beta2=1.5",
        "beta2 must be in [0, 1], got 1.5 (at column 12)",
    );
    expect_err(
        "sgd:momentum=-0.9",
        "momentum must be >= 0, got -0.9 (at column 14)",
    );
    expect_err(
        "sgd:weight_decay=-1",
        "weight_decay must be >= 0, got -1 (at column 18)",
    );
    expect_err(
        "rmsprop:alpha=-0.5",
        "alpha must be >= 0, got -0.5 (at column 15)",
    );
    expect_err(
        "adagrad:lr_decay=-1",
        "lr_decay must be >= 0, got -1 (at column 18)",
    );
    expect_err(
        "adagrad:initial_accumulator_value=-1",
        "initial_accumulator_value must be >= 0, got -1 (at column 35)",
    );
    expect_err(
        "nadam:momentum_decay=-1",
        "momentum_decay must be >= 0, got -1 (at column 22)",
    );

    expect_err(
        "adam:lr=0.1,lr=0.2",
        "duplicate parameter 'lr' at column 13 (already set at column 6)",
    );
    expect_err(
        "adam:beta1=0.8,betas=0.9/0.99",
        "duplicate parameter 'betas' at column 16: beta1 already set by 'beta1' at column 6",
    );
    expect_err("adam:lr", "expected key=value at column 6, found 'lr'");
    expect_err("adam:", "expected key=value at column 6, found nothing");
    expect_err("adam:lr=0.1,", "expected key=value at column 13, found nothing");
    expect_err("adam:=0.1", "expected key=value at column 6, found '=0.1'");

    let nesterov = "nesterov requires momentum > 0 and dampening = 0";
    expect_err(
        "nesterov:momentum=0",
        &format!("{nesterov} (got momentum=0, dampening=0)"),
    );
    expect_err(
        "sgd:nesterov=true",
        &format!("{nesterov} (got momentum=0, dampening=0)"),
    );
    expect_err(
        "sgd:momentum=0.9,dampening=0.1,nesterov=1",
        &format!("{nesterov} (got momentum=0.9, dampening=0.1)"),
    );

    // Columns count characters, after whitespace of any width.
    expect_err(
        " adam : lr = abc ",
        "invalid value 'abc' for lr at column 14: expected a number",
    );
    expect_err(
        "adam:\u{a0}lr=abc",
        "invalid value 'abc' for lr at column 10: expected a number",
    );
    expect_err(
        "adam:lr=\u{b5}",
        "invalid value '\u{b5}' for lr at column 9: expected a number",
    );
    assert_eq!(parse_err("adam:lr=-1").column(), Some(9));
    assert_eq!(parse_err("nesterov:momentum=0").column(), None);
}

// ---------------------------------------------------------------------------------------------
// GPU twin: GpuOptimizer contents, and shaders/optim.wgsl parsed and validated by naga.

#[test]
fn to_gpu_fields_and_flags() {
    let g = spec("adamw:lr=0.01,amsgrad=1").to_gpu();
    assert_eq!(
        (g.kind, g.flags),
        (4, GpuOptimizer::FLAG_AMSGRAD | GpuOptimizer::FLAG_DECOUPLED)
    );
    assert_eq!(
        (g.lr, g.weight_decay, g.beta1, g.beta2, g.eps),
        (0.01, 0.01, 0.9, 0.999, 1e-8)
    );
    assert_eq!(
        (g.grad_noise, g.schedule, g.batches),
        (0.0, GpuOptimizer::NO_TABLE, GpuOptimizer::NO_TABLE)
    );
    assert_eq!(spec("sgd:grad_noise=0.5").to_gpu().grad_noise, 0.5);
    let g = spec("nesterov:maximize=true,lr=0.5").to_gpu();
    assert_eq!(
        (g.kind, g.flags, g.lr, g.momentum),
        (
            0,
            GpuOptimizer::FLAG_NESTEROV | GpuOptimizer::FLAG_MAXIMIZE,
            0.5,
            0.9
        )
    );
    let g = spec("rmsprop:centered=1,alpha=0.5").to_gpu();
    assert_eq!((g.kind, g.flags, g.alpha), (2, GpuOptimizer::FLAG_CENTERED, 0.5));
    let g = spec("adagrad:initial_accumulator_value=0.5,lr_decay=0.25").to_gpu();
    assert_eq!(
        (g.kind, g.initial_accumulator_value, g.lr_decay, g.eps),
        (1, 0.5, 0.25, 1e-10)
    );
    let g = spec("nadam:decoupled_weight_decay=1,momentum_decay=0.5").to_gpu();
    assert_eq!(
        (g.kind, g.flags, g.momentum_decay),
        (5, GpuOptimizer::FLAG_DECOUPLED, 0.5)
    );
    assert_eq!(spec("radam").to_gpu().kind, 6);
    assert_eq!(spec("lion").to_gpu().kind, 7);
    assert_eq!(spec("adam").to_gpu().flags, 0);
    assert_eq!(spec("sgd:dampening=0.5").to_gpu().dampening, 0.5);
    assert_eq!(bytemuck::bytes_of(&spec("adam").to_gpu()).len(), 64);
}

const SHADER: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/shaders/optim.wgsl"));

/// Calls optim_init and optim_step for every kind with every flag, from a storage array and a
/// uniform array of `Optimizer` (whose element stride must be a multiple of 16).
const TEST_ENTRY: &str = r#"
@group(0) @binding(0) var<storage, read> test_optimizers: array<Optimizer>;
@group(0) @binding(1) var<uniform> test_uniform: array<Optimizer, 4>;
@group(0) @binding(2) var<storage, read_write> test_out: array<vec2<f32>>;

@compute @workgroup_size(64)
fn test_main(@builtin(global_invocation_id) id: vec3<u32>) {
    let kinds = array<u32, 8>(OPTIM_SGD, OPTIM_ADAGRAD, OPTIM_RMSPROP, OPTIM_ADAM,
                              OPTIM_ADAMW, OPTIM_NADAM, OPTIM_RADAM, OPTIM_LION);
    var acc = vec2<f32>(0.0);
    for (var k = 0u; k < 8u; k++) {
        var o = test_optimizers[id.x];
        o.kind = kinds[k];
        o.flags = OPTIM_FLAG_NESTEROV | OPTIM_FLAG_MAXIMIZE | OPTIM_FLAG_CENTERED | OPTIM_FLAG_AMSGRAD
            | OPTIM_FLAG_DECOUPLED;
        var st = optim_init(o);
        var p = vec2<f32>(1.0, -2.0);
        for (var t = 1u; t <= 3u; t++) {
            p = optim_step(o, &st, t, p, vec2<f32>(0.5, -1.5) * test_uniform[t].lr);
        }
        acc += p + st.s1 + st.s2 + st.s3 + vec2<f32>(st.aux);
    }
    test_out[id.x] = acc;
}
"#;

fn validate(src: &str) -> naga::Module {
    let module = naga::front::wgsl::parse_str(src).unwrap_or_else(|e| panic!("{}", e.emit_to_string(src)));
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::empty(),
    )
    .validate(&module)
    .unwrap_or_else(|e| panic!("{}", e.emit_to_string(src)));
    module
}

#[test]
fn shader_validates_alone_and_with_an_entry_point() {
    validate(SHADER);
    validate(&format!("{SHADER}\n{TEST_ENTRY}"));
}

#[test]
fn shader_optimizer_struct_matches_gpu_optimizer() {
    use std::mem::offset_of;
    let module = validate(&format!("{SHADER}\n{TEST_ENTRY}"));
    let mut layouter = naga::proc::Layouter::default();
    layouter.update(module.to_ctx()).unwrap_or_else(|e| panic!("{e}"));
    let (handle, ty) = module
        .types
        .iter()
        .find(|(_, ty)| ty.name.as_deref() == Some("Optimizer"))
        .unwrap_or_else(|| panic!("no struct Optimizer"));
    let naga::TypeInner::Struct { members, span } = &ty.inner else {
        panic!("Optimizer is not a struct")
    };
    assert_eq!(*span as usize, size_of::<GpuOptimizer>());
    assert_eq!(layouter[handle].size as usize, size_of::<GpuOptimizer>());
    let rust: [(&str, usize, bool); 16] = [
        ("kind", offset_of!(GpuOptimizer, kind), true),
        ("flags", offset_of!(GpuOptimizer, flags), true),
        ("lr", offset_of!(GpuOptimizer, lr), false),
        ("momentum", offset_of!(GpuOptimizer, momentum), false),
        ("dampening", offset_of!(GpuOptimizer, dampening), false),
        ("weight_decay", offset_of!(GpuOptimizer, weight_decay), false),
        ("lr_decay", offset_of!(GpuOptimizer, lr_decay), false),
        (
            "initial_accumulator_value",
            offset_of!(GpuOptimizer, initial_accumulator_value),
            false,
        ),
        ("eps", offset_of!(GpuOptimizer, eps), false),
        ("alpha", offset_of!(GpuOptimizer, alpha), false),
        ("beta1", offset_of!(GpuOptimizer, beta1), false),
        ("beta2", offset_of!(GpuOptimizer, beta2), false),
        ("momentum_decay", offset_of!(GpuOptimizer, momentum_decay), false),
        ("grad_noise", offset_of!(GpuOptimizer, grad_noise), false),
        ("schedule", offset_of!(GpuOptimizer, schedule), true),
        ("batches", offset_of!(GpuOptimizer, batches), true),
    ];
    assert_eq!(members.len(), rust.len());
    for (m, (name, offset, is_u32)) in members.iter().zip(rust) {
        assert_eq!((m.name.as_deref(), m.offset as usize), (Some(name), offset));
        let scalar = if is_u32 {
            naga::Scalar::U32
        } else {
            naga::Scalar::F32
        };
        assert_eq!(
            module.types[m.ty].inner,
            naga::TypeInner::Scalar(scalar),
            "{name}"
        );
    }

    let (_, st) = module
        .types
        .iter()
        .find(|(_, ty)| ty.name.as_deref() == Some("OptState"))
        .unwrap_or_else(|| panic!("no struct OptState"));
    let naga::TypeInner::Struct { members, .. } = &st.inner else {
        panic!("OptState is not a struct")
    };
    let names: Vec<_> = members.iter().filter_map(|m| m.name.as_deref()).collect();
    assert_eq!(names, ["s1", "s2", "s3", "aux"]);
}

#[test]
fn shader_constants_match_rust() {
    let module = validate(SHADER);
    let value = |name: &str| {
        let (_, c) = module
            .constants
            .iter()
            .find(|(_, c)| c.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no const {name}"));
        match module.global_expressions[c.init] {
            naga::Expression::Literal(naga::Literal::U32(v)) => v,
            ref e => panic!("{name} = {e:?}"),
        }
    };
    use OptimizerKind::*;
    for (name, kind) in [
        ("OPTIM_SGD", Sgd),
        ("OPTIM_ADAGRAD", Adagrad),
        ("OPTIM_RMSPROP", Rmsprop),
        ("OPTIM_ADAM", Adam),
        ("OPTIM_ADAMW", AdamW),
        ("OPTIM_NADAM", NAdam),
        ("OPTIM_RADAM", RAdam),
        ("OPTIM_LION", Lion),
    ] {
        assert_eq!(value(name), kind as u32, "{name}");
    }
    assert_eq!(value("OPTIM_FLAG_NESTEROV"), GpuOptimizer::FLAG_NESTEROV);
    assert_eq!(value("OPTIM_FLAG_MAXIMIZE"), GpuOptimizer::FLAG_MAXIMIZE);
    assert_eq!(value("OPTIM_FLAG_CENTERED"), GpuOptimizer::FLAG_CENTERED);
    assert_eq!(value("OPTIM_FLAG_AMSGRAD"), GpuOptimizer::FLAG_AMSGRAD);
    assert_eq!(value("OPTIM_FLAG_DECOUPLED"), GpuOptimizer::FLAG_DECOUPLED);
}
