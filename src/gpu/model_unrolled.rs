//! A small model's forward and backward pass written out as straight-line WGSL: every loop of
//! `model.wgsl`'s `forward` and `backward` unrolled for this model's sizes, in the same order,
//! so every weight and gradient is named at a literal index.
//!
//! Why: on a CPU adapter (lavapipe) one invocation is one SIMD lane, and a private array
//! read at an index the compiler cannot see is a gather per lane, tens of cycles. The loops'
//! trip counts come from constant arrays indexed by the layer, which the compiler does not
//! unroll. Lavapipe keeps an array that any loop indexes (the private copies are loaded and
//! stored in loops) in per-lane scratch memory, so even a literal index gathers; over a range
//! of points ([`unrolled_passes`]'s `backward_unrolled_items`) the weights and sums are plain
//! values instead. The operations and their order are the loops', so the numbers are the same.

use std::fmt::Write;

use crate::model::Model;

/// Largest model whose pass is written out. On lavapipe, the one-point function is 1.9x the
/// loops' speed for the width-16 trainability network and 1.6x at width 8; over a full batch,
/// with weights and sums as plain values, the range function is 5.3x the one-point function's
/// (68,000 pixel-steps/s against 12,700, side by side at 32 x 32 and 50 steps) and 2.3x at
/// width 8. Its compile time grows faster than its size: cold, 1.2 s at 72 parameters, 3.4 s
/// at 156, 12 s at 272 (Mesa caches it on disk after). Above this, the loops.
pub const MAX_UNROLLED_PARAMS: usize = 300;

/// Whether `model`'s pass is written out (`MODEL_UNROLLED`): it keeps private copies
/// (`local`) and is at most [`MAX_UNROLLED_PARAMS`].
pub fn unrolls(model: &Model, local: bool) -> bool {
    local && model.parameter_count() <= MAX_UNROLLED_PARAMS
}

/// `MODEL_UNROLLED`, `backward_unrolled` (one point) and `backward_unrolled_items` (a range
/// of points) for `model` (`model.wgsl` calls them when `MODEL_UNROLLED`); stubs otherwise.
pub fn unrolled_passes(model: &Model, local: bool) -> String {
    if !unrolls(model, local) {
        return "const MODEL_UNROLLED: bool = false;\n\
                fn backward_unrolled(d: u32, inv_n: f32) -> f32 {\n    return 0.0;\n}\n\
                fn backward_unrolled_items(begin: u32, end: u32, inv_n: f32, loss_sum: f32) -> f32 {\n    \
                return loss_sum;\n}\n"
            .to_string();
    }
    let mut out = String::from("const MODEL_UNROLLED: bool = true;\n");
    // One point: the weights and gradient sums are the private arrays.
    out += "fn backward_unrolled(d: u32, inv_n: f32) -> f32 {\n";
    point_pass(
        model,
        &mut out,
        "    ",
        |k| format!("local_theta[{k}]"),
        |k| format!("local_grad[{k}]"),
    );
    out += "    return loss;\n}\n";
    // A range of points: each weight is read once into a `let` and each gradient sum is a
    // `var` until the end. Lavapipe keeps a private array in per-lane scratch memory, where
    // every access, even at a literal index, is a gather or a scatter; plain values are
    // vector registers (or spill slots). The sums are added in the same order, so the
    // numbers equal the one-point function's.
    let params = model.parameter_count();
    out += "fn backward_unrolled_items(begin: u32, end: u32, inv_n: f32, loss_sum: f32) -> f32 {\n";
    for k in 0..params {
        let _ = writeln!(out, "    let t{k} = local_theta[{k}];");
    }
    for k in 0..params {
        let _ = writeln!(out, "    var g{k} = local_grad[{k}];");
    }
    out += "    var sum = loss_sum;\n";
    out += "    for (var d = begin; d < end; d++) {\n";
    point_pass(
        model,
        &mut out,
        "        ",
        |k| format!("t{k}"),
        |k| format!("g{k}"),
    );
    out += "        sum += loss;\n    }\n";
    for k in 0..params {
        let _ = writeln!(out, "    local_grad[{k}] = g{k};");
    }
    out += "    return sum;\n}\n";
    out
}

/// Point `d`'s forward and backward pass, model.wgsl's loops in their order, as statements
/// indented by `pad`: `let loss` is its loss, and `grad(K)` gains its gradient; `theta(K)`
/// and `grad(K)` name weight and gradient sum K.
fn point_pass(
    model: &Model,
    out: &mut String,
    pad: &str,
    theta: impl Fn(usize) -> String,
    grad: impl Fn(usize) -> String,
) {
    let layers: Vec<_> = model.layers().collect();
    let mut a_at = Vec::with_capacity(layers.len());
    let mut at = 0;
    for layer in &layers {
        a_at.push(at);
        at += layer.inputs;
    }
    // Activations and deltas are `let`s (a_K is activation K of model.wgsl's `acts`).
    let _ = writeln!(out, "{pad}let row = d * (MODEL_INPUTS + 1u);");
    for k in 0..model.inputs() {
        let _ = writeln!(out, "{pad}let a{k} = data[row + {k}u];");
    }
    // forward, as model.wgsl's: z = bias (or 0) + w a + w a + ..., in that order.
    for (l, layer) in layers.iter().enumerate() {
        let last = l + 1 == layers.len();
        for o in 0..layer.outputs {
            let mut z = if model.bias {
                theta(layer.bias + o)
            } else {
                "0.0".to_string()
            };
            for k in 0..layer.inputs {
                let _ = write!(
                    z,
                    " + {} * a{}",
                    theta(layer.weight + o * layer.inputs + k),
                    a_at[l] + k
                );
            }
            let dst = a_at[l] + layer.inputs + o;
            if last {
                let _ = writeln!(out, "{pad}let a{dst} = ({z}) * MODEL_SCALE[{l}];");
            } else {
                let _ = writeln!(
                    out,
                    "{pad}let a{dst} = MODEL_GAIN_OUT * activate(MODEL_GAIN_IN * (({z}) * MODEL_SCALE[{l}]));"
                );
            }
        }
    }
    // The loss reads the outputs from an array, as model.wgsl's `point_loss` takes them.
    let outputs = model.outputs();
    let first_out = a_at[layers.len() - 1] + layers[layers.len() - 1].inputs;
    let _ = writeln!(out, "{pad}var acts: array<f32, MODEL_ACTS>;");
    let _ = writeln!(out, "{pad}var dz: array<f32, MODEL_WIDTH>;");
    for o in 0..outputs {
        let _ = writeln!(out, "{pad}acts[{}] = a{};", first_out + o, first_out + o);
    }
    let _ = writeln!(
        out,
        "{pad}let loss = point_loss(&acts, data[row + MODEL_INPUTS], &dz);"
    );
    // backward: delta_L_o for layer L's outputs, each step of model.wgsl's loops in order.
    for o in 0..outputs {
        let l = layers.len() - 1;
        let _ = writeln!(out, "{pad}let d{l}_{o} = dz[{o}] * inv_n * MODEL_SCALE[{l}];");
    }
    for l in (0..layers.len()).rev() {
        let layer = &layers[l];
        let (ni, no, a0) = (layer.inputs, layer.outputs, a_at[l]);
        for o in 0..no {
            for k in 0..ni {
                let g = grad(layer.weight + o * ni + k);
                let _ = writeln!(out, "{pad}{g} = {g} + d{l}_{o} * a{};", a0 + k);
            }
            if model.bias {
                let g = grad(layer.bias + o);
                let _ = writeln!(out, "{pad}{g} = {g} + d{l}_{o};");
            }
        }
        if l > 0 {
            for k in 0..ni {
                let mut s = "0.0".to_string();
                for o in 0..no {
                    let _ = write!(s, " + {} * d{l}_{o}", theta(layer.weight + o * ni + k));
                }
                // The layer below's delta, already times its scale (model.wgsl scales it at
                // the top of that layer's loop).
                let _ = writeln!(
                    out,
                    "{pad}let d{}_{k} = (({s}) * (MODEL_GAIN_OUT * MODEL_GAIN_IN * activate_grad(a{} / MODEL_GAIN_OUT))) * MODEL_SCALE[{}];",
                    l - 1,
                    a0 + k,
                    l - 1
                );
            }
        }
    }
}
