// Types and helpers shared by the compute and render shaders.
// The generated surface functions `surface_f` and `surface_grad` are prepended by the host.

// Twin of `gpu_data::Particle` (src/gpu/gpu_data.rs): 48 bytes.
struct Particle {
    pos: vec2<f32>,
    s1: vec2<f32>,
    s2: vec2<f32>,
    s3: vec2<f32>,
    aux: f32,
    loss: f32,
    step: u32,
    status: u32,
}

// Twin of `gpu_data::TrailPoint`: one recorded position of one particle, 16 bytes.
struct TrailPoint {
    pos: vec2<f32>,
    loss: f32,
    status: u32,
}

const STATUS_RUNNING: u32 = 0u;
const STATUS_CONVERGED: u32 = 1u;
const STATUS_DIVERGED: u32 = 2u;

// WGSL lets implementations assume floats are finite, so `x != x` may be folded away:
// test the exponent bits instead.
fn is_finite_f32(v: f32) -> bool {
    return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}

fn is_finite_vec2(v: vec2<f32>) -> bool {
    return is_finite_f32(v.x) && is_finite_f32(v.y);
}

// a / 0 (a / -0 when `negative`) as IEEE divides: +-inf by the signs, NaN for 0/0 and NaN/0.
// Built from bits because an implementation may assume floats are finite and fold a division
// by a constant zero away (lavapipe gave 0); the generated surface calls this instead.
fn div_by_zero(a: f32, negative: bool) -> f32 {
    let bits = bitcast<u32>(a);
    let magnitude = bits & 0x7fffffffu;
    let sign = (bits & 0x80000000u) ^ select(0u, 0x80000000u, negative);
    let nan = magnitude == 0u || magnitude > 0x7f800000u;
    return bitcast<f32>(select(sign | 0x7f800000u, 0x7fc00000u, nan));
}

// Sohl-Dickstein's trainability sums (src/outcome/trainability.rs), kept as a run steps:
// `acc` holds the loss before the first step, then over the losses before each step
// (0..max_steps-1, as his notebook records them) divided by that first one and capped at
// TRAINABILITY_CAP (a diverged run's are the cap), their sum, the sum of their inverses and the
// sum of the last TRAINABILITY_TAIL. Adds step s's `loss` (the loss before step s + 1).
const TRAINABILITY_CAP: f32 = 1e6;
const TRAINABILITY_TAIL: u32 = 20u;

fn trainability_add(acc: vec4<f32>, s: u32, loss: f32, diverged: bool, max_steps: u32) -> vec4<f32> {
    var a = acc;
    if s == 0u {
        a = vec4<f32>(loss, 0.0, 0.0, 0.0);
    }
    var v = TRAINABILITY_CAP;
    if !diverged {
        let r = loss / a.x;
        // Non-finite (a first loss of 0) counts as diverged, as the notebook's NaNs do.
        v = select(TRAINABILITY_CAP, min(r, TRAINABILITY_CAP), is_finite_f32(r));
    }
    a.y += v;
    a.z += 1.0 / v;
    if s + TRAINABILITY_TAIL >= max_steps {
        a.w += v;
    }
    return a;
}
