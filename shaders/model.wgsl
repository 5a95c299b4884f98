// Trains one model per invocation: forward and backward passes over the data, then the
// optimizer on every pair of parameters. The f32 twin of
// src/model/twin.rs, whose module documentation states the step rules; the loss formulas and
// the order of every sum are the same here.
// Prepended by the host: common.wgsl, optim.wgsl, noise.wgsl, and the model's constants
// (src/gpu/model_sim.rs, `model_header`):
//   MODEL_LAYERS, MODEL_INPUTS, MODEL_OUTPUTS, MODEL_PARAMS, MODEL_PAIRS, MODEL_ACTS (sum of
//   the layer sizes), MODEL_WIDTH (the widest layer), MODEL_ACTIVATION, MODEL_LOSS, MODEL_BIAS,
//   MODEL_SCALE[l] (what layer l's W a + b is multiplied by), MODEL_GAIN_IN and MODEL_GAIN_OUT
//   (a hidden unit is GAIN_OUT * act(GAIN_IN * z); all 1 but for the mean-field model),
//   MODEL_LOCAL and MODEL_LOCAL_PARAMS (a small model's pass works on private copies),
//   MODEL_UNROLLED, `backward_unrolled` and `backward_unrolled_items` (a smaller one's backward
//   pass, loops written out, for one point and for a range of points),
//   and per layer l: MODEL_SIZES[l] (l = 0..=MODEL_LAYERS), MODEL_W_AT[l], MODEL_B_AT[l] (first
//   weight and bias in the flat vector) and MODEL_A_AT[l] (first input activation).
//
// Layout (N = params.n_particles, the chunk's particles; K = 2 * MODEL_PAIRS):
//   vars:  five regions of K x N floats, parameter-major (neighbouring invocations read
//          neighbouring words): THETA, TRIAL (the step's candidate), GRAD (the gradient the
//          next step uses), GTRIAL (the candidate's), AUX (optimizer aux per pair).
//   state: three regions of MODEL_PAIRS x N vec2: the optimizer's s1, s2, s3 per pair.
//   data:  the points, MODEL_INPUTS features then the target each; then, from plane_at, the
//          projection plane: theta0, d1, d2 (MODEL_PARAMS each) and the inverse Gram matrix.

const ACT_TANH: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;
const LOSS_MSE: u32 = 0u;
const LOSS_BCE: u32 = 1u;

const THETA: u32 = 0u;
const TRIAL: u32 = 1u;
const GRAD: u32 = 2u;
const GTRIAL: u32 = 3u;
const AUX: u32 = 4u;

// Twin of `gpu_data::ModelParams`.
struct ModelParams {
    n_particles: u32,
    per_group: u32,
    // The step being made (trial, pass, commit), or 0 for the initial pass.
    step: u32,
    item_first: u32,
    item_count: u32,
    max_steps: u32,
    record_every: u32,
    trail_capacity: u32,
    row_stride: u32,
    tol: f32,
    n_data: u32,
    chunk_first: u32,
    // 0: trails hold (p0, p1); else the projection onto the plane at plane_at in `data`.
    plane_at: u32,
    _pad: u32,
    noise_key: vec2<u32>,
}

// Twin of `gpu_data::ModelMeta`.
struct ModelMeta {
    loss: f32,
    step: u32,
    status: u32,
    // 1 while a trial (or step 0) awaits its pass and commit.
    pending: u32,
    // The trial's squared step length, and its pass's running loss sum.
    moved2: f32,
    loss_sum: f32,
    _pad: vec2<u32>,
    // Trainability sums (common.wgsl, `trainability_add`).
    scores: vec4<f32>,
}

// The one optimizer kind of every group, when they share one (the host sets it): the switch
// over the kinds in `optim_step` then folds to that kind's rule. On a CPU adapter every case
// of a switch on a value it cannot see costs time.
const MODEL_ANY_OPTIMIZER: u32 = 0xffffffffu;
override MODEL_OPTIMIZER: u32 = MODEL_ANY_OPTIMIZER;
// True when no group has mini-batches: the mini-batch paths of `pass_models` fold away (with
// MODEL_UNROLLED, so does the one-point pass, which halves the straight-line code to compile).
override MODEL_FULL_BATCH: bool = false;

// Storage, not uniform: Mesa's lavapipe recompiles a shader for every new value of a uniform
// its branches read (each step's), and keeps every copy.
@group(0) @binding(0) var<storage, read> params: ModelParams;
@group(0) @binding(1) var<storage, read> optimizers: array<Optimizer>;
@group(0) @binding(2) var<storage, read_write> vars: array<f32>;
@group(0) @binding(3) var<storage, read_write> state: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> models: array<ModelMeta>;
@group(0) @binding(5) var<storage, read_write> trail: array<TrailPoint>;
@group(0) @binding(6) var<storage, read> data: array<f32>;
// Per scheduled group and step: (lr, momentum or beta1).
@group(0) @binding(7) var<storage, read> schedules: array<vec2<f32>>;
// Per mini-batch group, from Optimizer.batches: (first index, count) per 0-based step, the
// point indices those rows point at elsewhere in the table.
@group(0) @binding(8) var<storage, read> batches: array<u32>;
// Per group, MODEL_LAYERS learning rates (torch's parameter groups, one per layer): the
// group's lr where a layer has none of its own. Read when the group has no schedule.
@group(0) @binding(9) var<storage, read> layer_lrs: array<f32>;

fn var_at(region: u32, k: u32, i: u32) -> u32 {
    return (region * 2u * MODEL_PAIRS + k) * params.n_particles + i;
}

// A small model (MODEL_LOCAL: MODEL_LOCAL_PARAMS = MODEL_PARAMS) keeps a pass's parameters
// and gradient sum in invocation-private arrays, loaded before the pass's points and the sum
// stored after: a point's forward and backward then touch no storage but the data (on a CPU
// adapter a storage access is a bounds-checked gather per lane). The sums are added in the
// same order either way, so the numbers are the same.
var<private> local_theta: array<f32, MODEL_LOCAL_PARAMS>;
var<private> local_grad: array<f32, MODEL_LOCAL_PARAMS>;

// Weight (or bias) k of the parameters in `region` (of the private copy, when kept).
fn weight(region: u32, k: u32, i: u32) -> f32 {
    if MODEL_LOCAL {
        return local_theta[k];
    }
    return vars[var_at(region, k, i)];
}

// Adds v to gradient component k in `region` (to the private sum, when kept).
fn add_grad(region: u32, k: u32, i: u32, v: f32) {
    if MODEL_LOCAL {
        local_grad[k] = local_grad[k] + v;
        return;
    }
    let at = var_at(region, k, i);
    vars[at] = vars[at] + v;
}

// Loads the private copy of the parameters in `region`, when kept.
fn load_local(region: u32, i: u32) {
    if MODEL_LOCAL {
        for (var k = 0u; k < MODEL_PARAMS; k++) {
            local_theta[k] = vars[var_at(region, k, i)];
        }
    }
}

fn state_at(slot: u32, j: u32, i: u32) -> u32 {
    return (slot * MODEL_PAIRS + j) * params.n_particles + i;
}

// Past this |z|, tanh(z) rounds to +-1 in f32 (it does from about 9.1).
const TANH_FLAT: f32 = 15.0;

fn activate(z: f32) -> f32 {
    switch MODEL_ACTIVATION {
        case ACT_TANH: {
            // WGSL's tanh may be sinh/cosh, NaN past |z| ~ 89 (SwiftShader's is): clamped where
            // f32's tanh is already +-1.
            return tanh(clamp(z, -TANH_FLAT, TANH_FLAT));
        }
        case ACT_RELU: {
            return max(z, 0.0);
        }
        case ACT_SIGMOID: {
            return 1.0 / (1.0 + exp(-z));
        }
        default: {
            return z;
        }
    }
}

// d act / dz from the activation's output (the twin's `activate_grad`).
fn activate_grad(out: f32) -> f32 {
    switch MODEL_ACTIVATION {
        case ACT_TANH: {
            return 1.0 - out * out;
        }
        case ACT_RELU: {
            return select(0.0, 1.0, out > 0.0);
        }
        case ACT_SIGMOID: {
            return out * (1.0 - out);
        }
        default: {
            return 1.0;
        }
    }
}

// Every layer's outputs for point `d` under the parameters in `region`.
fn forward(i: u32, region: u32, d: u32, acts: ptr<function, array<f32, MODEL_ACTS>>) {
    let row = d * (MODEL_INPUTS + 1u);
    for (var k = 0u; k < MODEL_INPUTS; k++) {
        (*acts)[k] = data[row + k];
    }
    var sizes = MODEL_SIZES;
    var w_at = MODEL_W_AT;
    var b_at = MODEL_B_AT;
    var a_at = MODEL_A_AT;
    var scale = MODEL_SCALE;
    for (var l = 0u; l < MODEL_LAYERS; l++) {
        let ni = sizes[l];
        let no = sizes[l + 1u];
        let last = l + 1u == MODEL_LAYERS;
        for (var o = 0u; o < no; o++) {
            var z = 0.0;
            if MODEL_BIAS {
                z = weight(region, b_at[l] + o, i);
            }
            for (var k = 0u; k < ni; k++) {
                z += weight(region, w_at[l] + o * ni + k, i) * (*acts)[a_at[l] + k];
            }
            z = z * scale[l];
            (*acts)[a_at[l] + ni + o] = select(MODEL_GAIN_OUT * activate(MODEL_GAIN_IN * z), z, last);
        }
    }
}

// One point's loss; writes d loss / d logits (before dividing by n) to `dz`.
fn point_loss(acts: ptr<function, array<f32, MODEL_ACTS>>, y: f32, dz: ptr<function, array<f32, MODEL_WIDTH>>) -> f32 {
    let out = MODEL_ACTS - MODEL_OUTPUTS;
    if MODEL_LOSS == LOSS_MSE {
        let d = (*acts)[out] - y;
        (*dz)[0] = 2.0 * d;
        return d * d;
    }
    if MODEL_LOSS == LOSS_BCE {
        let z = (*acts)[out];
        (*dz)[0] = 1.0 / (1.0 + exp(-z)) - y;
        return max(z, 0.0) - z * y + log(1.0 + exp(-abs(z)));
    }
    // Cross-entropy over the classes.
    var m = (*acts)[out];
    for (var k = 1u; k < MODEL_OUTPUTS; k++) {
        m = max(m, (*acts)[out + k]);
    }
    var sum = 0.0;
    for (var k = 0u; k < MODEL_OUTPUTS; k++) {
        sum += exp((*acts)[out + k] - m);
    }
    let lse = m + log(sum);
    let label = u32(y);
    for (var k = 0u; k < MODEL_OUTPUTS; k++) {
        (*dz)[k] = exp((*acts)[out + k] - lse) - select(0.0, 1.0, k == label);
    }
    return lse - (*acts)[out + label];
}

// Adds point d's gradient, scaled by inv_n, to the `dst` region; returns its loss.
fn backward(i: u32, src: u32, dst: u32, d: u32, inv_n: f32) -> f32 {
    if MODEL_UNROLLED {
        // The same loops, written out for this model (src/gpu/model_unrolled.rs).
        return backward_unrolled(d, inv_n);
    }
    var acts: array<f32, MODEL_ACTS>;
    var delta: array<f32, MODEL_WIDTH>;
    var below: array<f32, MODEL_WIDTH>;
    forward(i, src, d, &acts);
    let loss = point_loss(&acts, data[d * (MODEL_INPUTS + 1u) + MODEL_INPUTS], &delta);
    for (var o = 0u; o < MODEL_OUTPUTS; o++) {
        delta[o] = delta[o] * inv_n;
    }
    var sizes = MODEL_SIZES;
    var w_at = MODEL_W_AT;
    var b_at = MODEL_B_AT;
    var a_at = MODEL_A_AT;
    var scale = MODEL_SCALE;
    for (var l = MODEL_LAYERS; l > 0u; l--) {
        let layer = l - 1u;
        let ni = sizes[layer];
        let no = sizes[l];
        let a0 = a_at[layer];
        // d loss / d (W a + b).
        for (var o = 0u; o < no; o++) {
            delta[o] = delta[o] * scale[layer];
        }
        for (var o = 0u; o < no; o++) {
            for (var k = 0u; k < ni; k++) {
                add_grad(dst, w_at[layer] + o * ni + k, i, delta[o] * acts[a0 + k]);
            }
            if MODEL_BIAS {
                add_grad(dst, b_at[layer] + o, i, delta[o]);
            }
        }
        if layer > 0u {
            for (var k = 0u; k < ni; k++) {
                var s = 0.0;
                for (var o = 0u; o < no; o++) {
                    s += weight(src, w_at[layer] + o * ni + k, i) * delta[o];
                }
                below[k] = s * (MODEL_GAIN_OUT * MODEL_GAIN_IN * activate_grad(acts[a0 + k] / MODEL_GAIN_OUT));
            }
            delta = below;
        }
    }
    return loss;
}

fn grads_finite(i: u32, region: u32) -> bool {
    var ok = true;
    for (var k = 0u; k < MODEL_PARAMS; k++) {
        ok = ok && is_finite_f32(vars[var_at(region, k, i)]);
    }
    return ok;
}

fn load_state(j: u32, i: u32) -> OptState {
    return OptState(
        state[state_at(0u, j, i)],
        state[state_at(1u, j, i)],
        state[state_at(2u, j, i)],
        vars[var_at(AUX, j, i)],
    );
}

fn store_state(j: u32, i: u32, st: OptState) {
    state[state_at(0u, j, i)] = st.s1;
    state[state_at(1u, j, i)] = st.s2;
    state[state_at(2u, j, i)] = st.s3;
    vars[var_at(AUX, j, i)] = st.aux;
}

fn pair(region: u32, j: u32, i: u32) -> vec2<f32> {
    return vec2<f32>(vars[var_at(region, 2u * j, i)], vars[var_at(region, 2u * j + 1u, i)]);
}

// The trail's 2D position: the first two parameters, or the projection onto the plane.
fn projected(i: u32) -> vec2<f32> {
    if params.plane_at == 0u {
        return pair(THETA, 0u, i);
    }
    let at = params.plane_at;
    var a = 0.0;
    var b = 0.0;
    for (var k = 0u; k < MODEL_PARAMS; k++) {
        let v = vars[var_at(THETA, k, i)] - data[at + k];
        a += v * data[at + MODEL_PARAMS + k];
        b += v * data[at + 2u * MODEL_PARAMS + k];
    }
    let g = at + 3u * MODEL_PARAMS;
    return vec2<f32>(data[g] * a + data[g + 1u] * b, data[g + 2u] * a + data[g + 3u] * b);
}

fn record(i: u32, s: u32, m: ModelMeta) {
    if params.trail_capacity == 0u || s % params.record_every != 0u {
        return;
    }
    let slot = (s / params.record_every) % params.trail_capacity;
    trail[slot * params.n_particles + i] = TrailPoint(projected(i), m.loss, m.status);
}

fn particle(gid: vec3<u32>) -> u32 {
    return gid.x + gid.y * params.row_stride;
}

fn group_of(i: u32) -> Optimizer {
    return optimizers[(params.chunk_first + i) / params.per_group];
}

// The group's optimizer at 1-based step t: lr (and momentum or beta1) from its schedule.
fn scheduled(base: Optimizer, t: u32) -> Optimizer {
    var o = base;
    if base.schedule != OPTIM_NO_TABLE {
        let row = schedules[base.schedule + t - 1u];
        o.lr = row.x;
        if optim_flag(base, OPTIM_FLAG_CYCLE_MOMENTUM) {
            o.momentum = row.y;
        }
        if optim_flag(base, OPTIM_FLAG_CYCLE_BETA1) {
            o.beta1 = row.y;
        }
    }
    return o;
}

// Step t of pair j from the kept parameters, state and gradient (plus the group's noise):
// the new pair, and the new state in `st`. Trial and commit both call it, so they agree.
fn step_pair(group: Optimizer, base: Optimizer, i: u32, t: u32, j: u32, st: ptr<function, OptState>) -> vec2<f32> {
    var o = group;
    if MODEL_OPTIMIZER != MODEL_ANY_OPTIMIZER {
        o.kind = MODEL_OPTIMIZER;
    }
    var g = pair(GRAD, j, i);
    if base.grad_noise != 0.0 {
        g = g + base.grad_noise * noise_normal2_at(params.noise_key, params.chunk_first + i, t, j);
    }
    *st = load_state(j, i);
    let p = pair(THETA, j, i);
    if base.schedule != OPTIM_NO_TABLE {
        return optim_step(o, st, t, p, g);
    }
    // Each parameter at its layer's rate: a pair across two layers is stepped with each, each
    // parameter kept from its own (every rule is elementwise; the twin's `step_by_layer`).
    let lrs = ((params.chunk_first + i) / params.per_group) * MODEL_LAYERS;
    let l0 = layer_of(2u * j);
    let l1 = layer_of(min(2u * j + 1u, MODEL_PARAMS - 1u));
    var first = o;
    first.lr = layer_lrs[lrs + l0];
    if l0 == l1 {
        return optim_step(first, st, t, p, g);
    }
    var second_state = *st;
    var second = o;
    second.lr = layer_lrs[lrs + l1];
    let a = optim_step(first, st, t, p, g);
    let b = optim_step(second, &second_state, t, p, g);
    (*st).s1.y = second_state.s1.y;
    (*st).s2.y = second_state.s2.y;
    (*st).s3.y = second_state.s3.y;
    return vec2<f32>(a.x, b.y);
}

// The layer flat parameter k belongs to.
fn layer_of(k: u32) -> u32 {
    var w_at = MODEL_W_AT;
    var l = 0u;
    for (var m = 1u; m < MODEL_LAYERS; m++) {
        if k >= w_at[m] {
            l = m;
        }
    }
    return l;
}

// A step is three kinds of dispatch, one invocation per particle each (lavapipe ends an
// invocation after about 65,535 loop iterations in all, so a pass over the data is cut into
// ranges of items that stay below that): `trial_models` steps every pair into TRIAL;
// `pass_models` adds a range of items to the loss sum and GTRIAL; `commit_models` keeps or
// refuses the trial and records the trail. Step 0 is `init_models`, a pass and a commit.

// Step 0: the optimizer's initial state, and TRIAL = THETA for the pass.
@compute @workgroup_size(64)
fn init_models(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = particle(gid);
    if i >= params.n_particles {
        return;
    }
    let st = optim_init(group_of(i));
    for (var j = 0u; j < MODEL_PAIRS; j++) {
        store_state(j, i, st);
        vars[var_at(TRIAL, 2u * j, i)] = vars[var_at(THETA, 2u * j, i)];
        vars[var_at(TRIAL, 2u * j + 1u, i)] = vars[var_at(THETA, 2u * j + 1u, i)];
    }
    models[i] = ModelMeta(0.0, 0u, STATUS_RUNNING, 1u, 0.0, 0.0, vec2<u32>(0u), vec4<f32>(0.0));
}

// Step params.step's candidate: every pair stepped from the kept state.
@compute @workgroup_size(64)
fn trial_models(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = particle(gid);
    if i >= params.n_particles {
        return;
    }
    var m = models[i];
    m.pending = 0u;
    if m.status == STATUS_RUNNING && m.step < params.max_steps {
        let base = group_of(i);
        let t = m.step + 1u;
        let o = scheduled(base, t);
        var ok = true;
        var moved2 = 0.0;
        for (var j = 0u; j < MODEL_PAIRS; j++) {
            var st: OptState;
            let p = pair(THETA, j, i);
            let next = step_pair(o, base, i, t, j, &st);
            ok = ok && is_finite_vec2(next);
            moved2 += dot(next - p, next - p);
            vars[var_at(TRIAL, 2u * j, i)] = next.x;
            vars[var_at(TRIAL, 2u * j + 1u, i)] = next.y;
        }
        m.step = t;
        m.moved2 = moved2;
        if ok {
            m.pending = 1u;
        } else {
            m.status = STATUS_DIVERGED;
        }
    }
    models[i] = m;
}

// Items [params.item_first, + params.item_count) of the pending trial's pass: with a
// mini-batch, its points (forward and backward) then every point (forward, for the loss);
// else every point, both at once. Item 0 starts the sums.
@compute @workgroup_size(64)
fn pass_models(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = particle(gid);
    if i >= params.n_particles {
        return;
    }
    var m = models[i];
    if m.pending == 0u {
        return;
    }
    let o = group_of(i);
    let n = params.n_data;
    let row = m.step;
    let batched = !MODEL_FULL_BATCH && o.batches != OPTIM_NO_TABLE && row < params.max_steps;
    var first = 0u;
    var count = 0u;
    if batched {
        first = batches[o.batches + 2u * row];
        count = batches[o.batches + 2u * row + 1u];
    }
    let items = select(n, count + n, batched);
    let begin = params.item_first;
    let end = min(begin + params.item_count, items);
    if begin == 0u {
        for (var k = 0u; k < 2u * MODEL_PAIRS; k++) {
            vars[var_at(GTRIAL, k, i)] = 0.0;
        }
        m.loss_sum = 0.0;
    }
    load_local(TRIAL, i);
    if MODEL_LOCAL {
        for (var k = 0u; k < MODEL_PARAMS; k++) {
            local_grad[k] = vars[var_at(GTRIAL, k, i)];
        }
    }
    if MODEL_UNROLLED && !batched {
        // Full batch: the items are the points, their pass written out over the range.
        m.loss_sum = backward_unrolled_items(begin, end, 1.0 / f32(n), m.loss_sum);
    } else {
        var acts: array<f32, MODEL_ACTS>;
        var dz: array<f32, MODEL_WIDTH>;
        for (var item = begin; item < end; item++) {
            if !batched {
                m.loss_sum += backward(i, TRIAL, GTRIAL, item, 1.0 / f32(n));
            } else if item < count {
                backward(i, TRIAL, GTRIAL, batches[first + item], 1.0 / f32(count));
            } else {
                let d = item - count;
                forward(i, TRIAL, d, &acts);
                m.loss_sum += point_loss(&acts, data[d * (MODEL_INPUTS + 1u) + MODEL_INPUTS], &dz);
            }
        }
    }
    if MODEL_LOCAL {
        for (var k = 0u; k < MODEL_PARAMS; k++) {
            vars[var_at(GTRIAL, k, i)] = local_grad[k];
        }
    }
    models[i] = m;
}

// Keeps the trial if its loss and gradient are finite (the step again, now writing the
// state: the same operations, so the same numbers), else the particle is diverged; records
// step params.step.
@compute @workgroup_size(64)
fn commit_models(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = particle(gid);
    if i >= params.n_particles {
        return;
    }
    var m = models[i];
    if m.pending == 1u {
        m.pending = 0u;
        let loss = m.loss_sum / f32(params.n_data);
        if is_finite_f32(loss) && grads_finite(i, GTRIAL) {
            if m.step > 0u {
                let base = group_of(i);
                let t = m.step;
                let o = scheduled(base, t);
                for (var j = 0u; j < MODEL_PAIRS; j++) {
                    var st: OptState;
                    let next = step_pair(o, base, i, t, j, &st);
                    vars[var_at(THETA, 2u * j, i)] = next.x;
                    vars[var_at(THETA, 2u * j + 1u, i)] = next.y;
                    store_state(j, i, st);
                }
                if sqrt(m.moved2) < params.tol {
                    m.status = STATUS_CONVERGED;
                }
            }
            for (var k = 0u; k < 2u * MODEL_PAIRS; k++) {
                vars[var_at(GRAD, k, i)] = vars[var_at(GTRIAL, k, i)];
            }
            m.loss = loss;
        } else {
            m.status = STATUS_DIVERGED;
        }
    }
    if params.step < params.max_steps {
        m.scores = trainability_add(m.scores, params.step, m.loss, m.status == STATUS_DIVERGED, params.max_steps);
    }
    models[i] = m;
    record(i, params.step, m);
}

// ---- Loss slices: grid point g = params.chunk_first + i at theta0 + a d1 + b d2 ----
// The plane is at params.plane_at in `data` as for trails; after its inverse Gram matrix come
// the grid's a range, b range, columns and rows. Only THETA (one region) and the models' loss
// sums are used: a slice needs no optimizer state.

fn slice_grid() -> u32 {
    return params.plane_at + 3u * MODEL_PARAMS + 4u;
}

@compute @workgroup_size(64)
fn slice_init(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = particle(gid);
    if i >= params.n_particles {
        return;
    }
    let at = params.plane_at;
    let grid = slice_grid();
    let cols = u32(data[grid + 4u]);
    let rows = u32(data[grid + 5u]);
    let g = params.chunk_first + i;
    let t = vec2<f32>(f32(g % cols), f32(g / cols)) / vec2<f32>(f32(max(cols, 2u) - 1u), f32(max(rows, 2u) - 1u));
    let a = mix(data[grid], data[grid + 1u], t.x);
    let b = mix(data[grid + 2u], data[grid + 3u], t.y);
    for (var k = 0u; k < MODEL_PARAMS; k++) {
        vars[var_at(THETA, k, i)] = data[at + k] + a * data[at + MODEL_PARAMS + k] + b * data[at + 2u * MODEL_PARAMS + k];
    }
    models[i] = ModelMeta(0.0, 0u, STATUS_RUNNING, 0u, 0.0, 0.0, vec2<u32>(0u), vec4<f32>(0.0));
}

// Points [params.item_first, + params.item_count) of every grid point's loss sum.
@compute @workgroup_size(64)
fn slice_pass(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = particle(gid);
    if i >= params.n_particles {
        return;
    }
    var m = models[i];
    var acts: array<f32, MODEL_ACTS>;
    var dz: array<f32, MODEL_WIDTH>;
    let end = min(params.item_first + params.item_count, params.n_data);
    load_local(THETA, i);
    for (var d = params.item_first; d < end; d++) {
        forward(i, THETA, d, &acts);
        m.loss_sum += point_loss(&acts, data[d * (MODEL_INPUTS + 1u) + MODEL_INPUTS], &dz);
    }
    models[i] = m;
}

@compute @workgroup_size(64)
fn slice_finish(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = particle(gid);
    if i >= params.n_particles {
        return;
    }
    var m = models[i];
    m.loss = m.loss_sum / f32(params.n_data);
    m.status = select(STATUS_DIVERGED, STATUS_RUNNING, is_finite_f32(m.loss));
    models[i] = m;
}
