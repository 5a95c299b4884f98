//! A small model's forward and backward pass written out as straight-line WGSL: every loop of
//! `model.wgsl`'s `forward` and `backward` unrolled for this model's sizes, in the same order,
//! so every weight and gradient is `local_theta[K]` / `local_grad[K]` at a literal `K`.
//!
//! Why: on a CPU adapter (lavapipe) one invocation is one SIMD lane, and a private array
//! read at an index the compiler cannot see is a gather per lane, tens of cycles; at a literal
//! index it is one vector load. The loops' trip counts come from constant arrays indexed by
//! the layer, which the compiler does not unroll. The operations and their order are the
//! loops', so the numbers are the same.

use std::fmt::Write;

use crate::model::Model;

/// Largest model whose pass is written out. The straight-line code is about twice as fast on
/// lavapipe (the width-16 trainability network: 10,700 pixel-steps/s against 5,600; width 8:
/// 68,000 against 42,000), but its compile time grows faster than its size: cold, 2.8 s at 72
/// parameters, 10 s at 156, 30 s at 272 (Mesa caches it on disk after). Above this, the loops.
pub const MAX_UNROLLED_PARAMS: usize = 300;

/// Whether `model`'s pass is written out (`MODEL_UNROLLED`): it keeps private copies
/// (`local`) and is at most [`MAX_UNROLLED_PARAMS`].
pub fn unrolls(model: &Model, local: bool) -> bool {
    local && model.parameter_count() <= MAX_UNROLLED_PARAMS
}

/// `MODEL_UNROLLED` and `backward_unrolled` for `model` (`model.wgsl`'s `backward` calls it
/// when `MODEL_UNROLLED`); a stub otherwise.
pub fn unrolled_passes(model: &Model, local: bool) -> String {
    if !unrolls(model, local) {
        return "const MODEL_UNROLLED: bool = false;\n\
                fn backward_unrolled(d: u32, inv_n: f32) -> f32 {\n    return 0.0;\n}\n"
            .to_string();
    }
    let layers: Vec<_> = model.layers().collect();
    let mut a_at = Vec::with_capacity(layers.len());
    let mut at = 0;
    for layer in &layers {
        a_at.push(at);
        at += layer.inputs;
    }
    let mut out = String::from("const MODEL_UNROLLED: bool = true;\n");
    // Activations and deltas are `let`s (a_K is activation K of model.wgsl's `acts`), so only
    // the weights and the gradient sums live in arrays.
    out += "fn backward_unrolled(d: u32, inv_n: f32) -> f32 {\n";
    out += "    let row = d * (MODEL_INPUTS + 1u);\n";
    for k in 0..model.inputs() {
        let _ = writeln!(out, "    let a{k} = data[row + {k}u];");
    }
    // forward, as model.wgsl's: z = bias (or 0) + w a + w a + ..., in that order.
    for (l, layer) in layers.iter().enumerate() {
        let last = l + 1 == layers.len();
        for o in 0..layer.outputs {
            let mut z = if model.bias {
                format!("local_theta[{}]", layer.bias + o)
            } else {
                "0.0".to_string()
            };
            for k in 0..layer.inputs {
                let _ = write!(
                    z,
                    " + local_theta[{}] * a{}",
                    layer.weight + o * layer.inputs + k,
                    a_at[l] + k
                );
            }
            let dst = a_at[l] + layer.inputs + o;
            if last {
                let _ = writeln!(out, "    let a{dst} = ({z}) * MODEL_SCALE[{l}];");
            } else {
                let _ = writeln!(
                    out,
                    "    let a{dst} = MODEL_GAIN_OUT * activate(MODEL_GAIN_IN * (({z}) * MODEL_SCALE[{l}]));"
                );
            }
        }
    }
    // The loss reads the outputs from an array, as model.wgsl's `point_loss` takes them.
    let outputs = model.outputs();
    let first_out = a_at[layers.len() - 1] + layers[layers.len() - 1].inputs;
    out += "    var acts: array<f32, MODEL_ACTS>;\n";
    out += "    var dz: array<f32, MODEL_WIDTH>;\n";
    for o in 0..outputs {
        let _ = writeln!(out, "    acts[{}] = a{};", first_out + o, first_out + o);
    }
    out += "    let loss = point_loss(&acts, data[row + MODEL_INPUTS], &dz);\n";
    // backward: delta_L_o for layer L's outputs, each step of model.wgsl's loops in order.
    for o in 0..outputs {
        let l = layers.len() - 1;
        let _ = writeln!(out, "    let d{l}_{o} = dz[{o}] * inv_n * MODEL_SCALE[{l}];");
    }
    for l in (0..layers.len()).rev() {
        let layer = &layers[l];
        let (ni, no, a0) = (layer.inputs, layer.outputs, a_at[l]);
        for o in 0..no {
            for k in 0..ni {
                let w = layer.weight + o * ni + k;
                let _ = writeln!(
                    out,
                    "    local_grad[{w}] = local_grad[{w}] + d{l}_{o} * a{};",
                    a0 + k
                );
            }
            if model.bias {
                let b = layer.bias + o;
                let _ = writeln!(out, "    local_grad[{b}] = local_grad[{b}] + d{l}_{o};");
            }
        }
        if l > 0 {
            for k in 0..ni {
                let mut s = "0.0".to_string();
                for o in 0..no {
                    let _ = write!(s, " + local_theta[{}] * d{l}_{o}", layer.weight + o * ni + k);
                }
                // The layer below's delta, already times its scale (model.wgsl scales it at
                // the top of that layer's loop).
                let _ = writeln!(
                    out,
                    "    let d{}_{k} = (({s}) * (MODEL_GAIN_OUT * MODEL_GAIN_IN * activate_grad(a{} / MODEL_GAIN_OUT))) * MODEL_SCALE[{}];",
                    l - 1,
                    a0 + k,
                    l - 1
                );
            }
        }
    }
    out += "    return loss;\n}\n";
    out
}
