// Steps the particles of one slice of one chunk, `params.steps` times per dispatch (looping
// inside the shader is 4-5x faster than one dispatch per step), and records trail points.
// Prepended by the host: the generated surface, common.wgsl, optim.wgsl, noise.wgsl.
//
// Particle state and trails are split into chunks that each fit one storage binding; a chunk
// is stepped in slices small enough that one dispatch stays short (see src/gpu/sim.rs).
// Indices here are chunk-local; `chunk_first` makes them global for the optimizer group.
//
// Step rules (mirrored by src/cpu/sim.rs, the f64 reference):
// - global step s = first_step + k; s == 0 only records the start point.
// - a running particle with step < max_steps takes one optimizer step (torch's t = step + 1);
//   its step counter advances whether the result is kept or not.
// - a non-finite or out-of-bound position, or a non-finite loss, marks it diverged: the last
//   finite position is kept and it never moves again, so NaN never reaches other particles,
//   the renderer or the export.
// - a step shorter than `tol` marks it converged (frozen).
// - the gradient of step t is the surface's, or the mini-batch's affine gradient from the
//   group's batch table; then grad_noise * N(0, 1) per component (noise.wgsl, keyed by the
//   global particle index); a scheduled group takes lr (and momentum / beta1) of step t from
//   its schedule table.
// - every `record_every` global steps its position goes to trail slot (s / record_every) % capacity.

// Twin of `gpu_data::SimParams`.
struct SimParams {
    // Particles in the chunk: the stride of its trail ring.
    n_particles: u32,
    starts_per_group: u32,
    first_step: u32,
    steps: u32,
    max_steps: u32,
    record_every: u32,
    trail_capacity: u32,
    row_stride: u32,
    tol: f32,
    bound: f32,
    center: vec2<f32>,
    chunk_first: u32,
    slice_first: u32,
    slice_count: u32,
    _pad: u32,
    noise_key: vec2<u32>,
}

// Specialisation: the host turns off what no group of the run uses, so a plain run compiles to
// the plain loop (the branches cost ~35% on a CPU adapter otherwise).
override SIM_BATCHES: bool = true;
override SIM_NOISE: bool = true;
override SIM_SCHEDULES: bool = true;
// Trainability sums (outcome/trainability.rs), only when a scene's sweep map asks for them.
override SIM_SCORES: bool = false;
// Groups with surface parameters of their own (a sweep of `amp` in x^2 + amp*cos(2*pi*x)).
override SIM_SURFACE_PARAMS: bool = false;

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> optimizers: array<Optimizer>;
@group(0) @binding(2) var<storage, read_write> particles: array<Particle>;
@group(0) @binding(3) var<storage, read_write> trail: array<TrailPoint>;
// Per scheduled group and step: (lr, momentum or beta1).
@group(0) @binding(4) var<storage, read> schedules: array<vec2<f32>>;
// Per mini-batch group and step: gradient = A p + c with A = (a.xy; a.zw) rows, c = b.xy.
@group(0) @binding(5) var<storage, read> batches: array<vec4<f32>>;
// Per particle: its trainability sums (common.wgsl, `trainability_add`).
@group(0) @binding(6) var<storage, read_write> scores: array<vec4<f32>>;
// Per group: its values of the surface's SURFACE_PARAMS parameters (the generated surface's
// `surface_p`, which otherwise holds the surface's own).
@group(0) @binding(7) var<storage, read> surface_params: array<f32>;

fn record(i: u32, s: u32, p: Particle) {
    if params.trail_capacity == 0u || s % params.record_every != 0u {
        return;
    }
    let slot = (s / params.record_every) % params.trail_capacity;
    trail[slot * params.n_particles + i] = TrailPoint(p.pos, p.loss, p.status);
}

@compute @workgroup_size(64)
fn step_particles(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.x + gid.y * params.row_stride;
    if j >= params.slice_count {
        return;
    }
    let i = params.slice_first + j;
    let global = params.chunk_first + i;
    let group = global / params.starts_per_group;
    let base = optimizers[group];
    var o = base;
    if SIM_SURFACE_PARAMS {
        for (var k = 0u; k < SURFACE_PARAMS; k++) {
            surface_p[k] = surface_params[group * SURFACE_PARAMS + k];
        }
    }
    var p = particles[i];
    var st = OptState(p.s1, p.s2, p.s3, p.aux);
    var score = vec4<f32>(0.0);
    if SIM_SCORES {
        score = scores[i];
    }
    for (var k = 0u; k < params.steps; k++) {
        let s = params.first_step + k;
        if s > 0u && p.status == STATUS_RUNNING && p.step < params.max_steps {
            let t = p.step + 1u;
            var g: vec2<f32>;
            if SIM_BATCHES && base.batches != OPTIM_NO_TABLE {
                let a = batches[base.batches + 2u * p.step];
                let c = batches[base.batches + 2u * p.step + 1u];
                g = vec2<f32>(a.x * p.pos.x + a.y * p.pos.y + c.x, a.z * p.pos.x + a.w * p.pos.y + c.y);
            } else {
                g = surface_grad(p.pos);
            }
            if SIM_NOISE && base.grad_noise != 0.0 {
                g = g + base.grad_noise * noise_normal2(params.noise_key, global, t);
            }
            if SIM_SCHEDULES && base.schedule != OPTIM_NO_TABLE {
                let row = schedules[base.schedule + p.step];
                o.lr = row.x;
                if optim_flag(base, OPTIM_FLAG_CYCLE_MOMENTUM) {
                    o.momentum = row.y;
                }
                if optim_flag(base, OPTIM_FLAG_CYCLE_BETA1) {
                    o.beta1 = row.y;
                }
            }
            p.step = t;
            var trial = st;
            let next = optim_step(o, &trial, t, p.pos, g);
            let loss = surface_f(next);
            let off = abs(next - params.center);
            if !is_finite_vec2(next) || !is_finite_f32(loss) || max(off.x, off.y) > params.bound {
                p.status = STATUS_DIVERGED;
            } else {
                let moved = length(next - p.pos);
                st = trial;
                p.pos = next;
                p.loss = loss;
                if moved < params.tol {
                    p.status = STATUS_CONVERGED;
                }
            }
        }
        record(i, s, p);
        if SIM_SCORES && s < params.max_steps {
            score = trainability_add(score, s, p.loss, p.status == STATUS_DIVERGED, params.max_steps);
        }
    }
    if SIM_SCORES {
        scores[i] = score;
    }
    p.s1 = st.s1;
    p.s2 = st.s2;
    p.s3 = st.s3;
    p.aux = st.aux;
    particles[i] = p;
}
