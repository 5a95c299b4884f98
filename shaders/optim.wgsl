// torch.optim update rules in f32: the twin of src/optim.rs (the f64 reference), which names
// the torch source of every rule and documents the state slots and numerics. Every function
// here performs the same floating-point operations in the same order as its Rust twin, so the
// two agree to f32 rounding. No entry points or bindings: the host concatenates this file with
// the simulation shader.
//
// State slots (OptState):
//   sgd      s1 = momentum_buffer
//   adagrad  s1 = sum
//   rmsprop  s1 = square_avg, s2 = grad_avg, s3 = momentum_buffer
//   adam(w)  s1 = exp_avg, s2 = exp_avg_sq, s3 = max_exp_avg_sq
//   nadam    s1 = exp_avg, s2 = exp_avg_sq, aux = mu_product
//   radam    s1 = exp_avg, s2 = exp_avg_sq
//   lion     s1 = exp_avg

// Optimizer.kind: OptimizerKind as u32.
const OPTIM_SGD: u32 = 0u;
const OPTIM_ADAGRAD: u32 = 1u;
const OPTIM_RMSPROP: u32 = 2u;
const OPTIM_ADAM: u32 = 3u;
const OPTIM_ADAMW: u32 = 4u;
const OPTIM_NADAM: u32 = 5u;
const OPTIM_RADAM: u32 = 6u;
const OPTIM_LION: u32 = 7u;

// Optimizer.flags: GpuOptimizer::FLAG_*.
const OPTIM_FLAG_NESTEROV: u32 = 1u;
const OPTIM_FLAG_MAXIMIZE: u32 = 2u;
const OPTIM_FLAG_CENTERED: u32 = 4u;
const OPTIM_FLAG_AMSGRAD: u32 = 8u;
const OPTIM_FLAG_DECOUPLED: u32 = 16u;
// The schedule table's second column sets momentum / beta1 (OneCycleLR, CyclicLR).
const OPTIM_FLAG_CYCLE_MOMENTUM: u32 = 32u;
const OPTIM_FLAG_CYCLE_BETA1: u32 = 64u;
// schedule / batches: no table.
const OPTIM_NO_TABLE: u32 = 0xffffffffu;

// Twin of `optim::GpuOptimizer` (64 bytes).
struct Optimizer {
    kind: u32,
    flags: u32,
    lr: f32,
    momentum: f32,
    dampening: f32,
    weight_decay: f32,
    lr_decay: f32,
    initial_accumulator_value: f32,
    eps: f32,
    alpha: f32,
    beta1: f32,
    beta2: f32,
    momentum_decay: f32,
    // Standard deviation of the noise added to each gradient component.
    grad_noise: f32,
    // First entry of this group's learning-rate table (entry t - 1 is step t), or OPTIM_NO_TABLE.
    schedule: u32,
    // First entry of this group's mini-batch gradient table (two per step), or OPTIM_NO_TABLE.
    batches: u32,
}

// Twin of `optim::OptState`.
struct OptState {
    s1: vec2<f32>,
    s2: vec2<f32>,
    s3: vec2<f32>,
    aux: f32,
}

fn optim_flag(o: Optimizer, flag: u32) -> bool {
    return (o.flags & flag) != 0u;
}

// x^n by square and multiply (not pow: exp2(n * log2(x)) loses ~3e-4 of 1 - 0.999^n).
fn optim_powi(x: f32, n: u32) -> f32 {
    var r = 1.0;
    var b = x;
    var e = n;
    loop {
        if (e & 1u) == 1u {
            r = r * b;
        }
        e = e >> 1u;
        if e == 0u {
            break;
        }
        b = b * b;
    }
    return r;
}

// torch.lerp as ATen computes it (aten/src/ATen/native/Lerp.h).
fn optim_lerp(start: vec2<f32>, end: vec2<f32>, weight: f32) -> vec2<f32> {
    if abs(weight) < 0.5 {
        return start + weight * (end - start);
    }
    return end - (end - start) * (1.0 - weight);
}

// grad = grads[i] if not maximize else -grads[i]
fn optim_signed(o: Optimizer, g: vec2<f32>) -> vec2<f32> {
    if optim_flag(o, OPTIM_FLAG_MAXIMIZE) {
        return -g;
    }
    return g;
}

// The state before the first step (optim::init_state).
fn optim_init(o: Optimizer) -> OptState {
    var st = OptState(vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0), 0.0);
    if o.kind == OPTIM_ADAGRAD {
        st.s1 = vec2<f32>(o.initial_accumulator_value);
    }
    if o.kind == OPTIM_NADAM {
        st.aux = 1.0;
    }
    return st;
}

// _single_tensor_sgd (torch/optim/sgd.py).
fn optim_sgd(o: Optimizer, st: ptr<function, OptState>, t: u32, p: vec2<f32>, g: vec2<f32>) -> vec2<f32> {
    var grad = optim_signed(o, g);
    if o.weight_decay != 0.0 {
        grad = grad + o.weight_decay * p;
    }
    if o.momentum != 0.0 {
        var buf = grad;
        if t > 1u {
            buf = (*st).s1 * o.momentum + (1.0 - o.dampening) * grad;
        }
        (*st).s1 = buf;
        if optim_flag(o, OPTIM_FLAG_NESTEROV) {
            grad = grad + o.momentum * buf;
        } else {
            grad = buf;
        }
    }
    return p + (-o.lr) * grad;
}

// _single_tensor_adagrad (torch/optim/adagrad.py).
fn optim_adagrad(o: Optimizer, st: ptr<function, OptState>, t: u32, p: vec2<f32>, g: vec2<f32>) -> vec2<f32> {
    let clr = o.lr / (1.0 + f32(max(t, 1u) - 1u) * o.lr_decay);
    var grad = optim_signed(o, g);
    if o.weight_decay != 0.0 {
        grad = grad + o.weight_decay * p;
    }
    let sum = (*st).s1 + grad * grad;
    (*st).s1 = sum;
    let std_dev = sqrt(sum) + o.eps; // torch: std (a reserved word in WGSL)
    return p + (-clr) * grad / std_dev;
}

// _single_tensor_rmsprop (torch/optim/rmsprop.py).
fn optim_rmsprop(o: Optimizer, st: ptr<function, OptState>, p: vec2<f32>, g: vec2<f32>) -> vec2<f32> {
    var grad = optim_signed(o, g);
    if o.weight_decay != 0.0 {
        grad = grad + o.weight_decay * p;
    }
    let square_avg = (*st).s1 * o.alpha + (1.0 - o.alpha) * grad * grad;
    (*st).s1 = square_avg;
    var avg: vec2<f32>;
    if optim_flag(o, OPTIM_FLAG_CENTERED) {
        let grad_avg = optim_lerp((*st).s2, grad, 1.0 - o.alpha);
        (*st).s2 = grad_avg;
        avg = sqrt(square_avg - grad_avg * grad_avg);
    } else {
        avg = sqrt(square_avg);
    }
    avg = avg + o.eps;
    if o.momentum > 0.0 {
        let buf = (*st).s3 * o.momentum + grad / avg;
        (*st).s3 = buf;
        return p + (-o.lr) * buf;
    }
    return p + (-o.lr) * grad / avg;
}

// The parameter and gradient after weight decay.
struct OptimDecayed {
    param: vec2<f32>,
    grad: vec2<f32>,
}

// Weight decay of Adam, AdamW, NAdam and RAdam: decoupled scales the parameter
// (param.mul_(1 - lr * weight_decay)), coupled adds to the gradient (grad.add(param, alpha=wd)).
fn optim_decay(o: Optimizer, p: vec2<f32>, grad: vec2<f32>) -> OptimDecayed {
    if o.weight_decay != 0.0 {
        if optim_flag(o, OPTIM_FLAG_DECOUPLED) {
            return OptimDecayed(p * (1.0 - o.lr * o.weight_decay), grad);
        }
        return OptimDecayed(p, grad + o.weight_decay * p);
    }
    return OptimDecayed(p, grad);
}

struct OptimMoments {
    exp_avg: vec2<f32>,
    exp_avg_sq: vec2<f32>,
}

// The first and second moments of Adam, NAdam and RAdam, updated in the state:
// exp_avg.lerp_(grad, 1 - beta1); exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2).
fn optim_adam_moments(o: Optimizer, st: ptr<function, OptState>, grad: vec2<f32>) -> OptimMoments {
    let exp_avg = optim_lerp((*st).s1, grad, 1.0 - o.beta1);
    let exp_avg_sq = (*st).s2 * o.beta2 + (1.0 - o.beta2) * grad * grad;
    (*st).s1 = exp_avg;
    (*st).s2 = exp_avg_sq;
    return OptimMoments(exp_avg, exp_avg_sq);
}

// _single_tensor_adam (torch/optim/adam.py); AdamW has OPTIM_FLAG_DECOUPLED.
fn optim_adam(o: Optimizer, st: ptr<function, OptState>, t: u32, p: vec2<f32>, g: vec2<f32>) -> vec2<f32> {
    let bias_correction1 = 1.0 - optim_powi(o.beta1, t);
    let bias_correction2 = 1.0 - optim_powi(o.beta2, t);
    let step_size = o.lr / bias_correction1;
    let bias_correction2_sqrt = sqrt(bias_correction2);
    let d = optim_decay(o, p, optim_signed(o, g));
    let param = d.param;
    let grad = d.grad;
    let m = optim_adam_moments(o, st, grad);
    let exp_avg = m.exp_avg;
    let exp_avg_sq = m.exp_avg_sq;
    var v = exp_avg_sq;
    if optim_flag(o, OPTIM_FLAG_AMSGRAD) {
        v = max((*st).s3, exp_avg_sq);
        (*st).s3 = v;
    }
    let denom = sqrt(v) / bias_correction2_sqrt + o.eps;
    return param + (-step_size) * exp_avg / denom;
}

// _single_tensor_nadam (torch/optim/nadam.py).
fn optim_nadam(o: Optimizer, st: ptr<function, OptState>, t: u32, p: vec2<f32>, g: vec2<f32>) -> vec2<f32> {
    let step = f32(t);
    let bias_correction2 = 1.0 - optim_powi(o.beta2, t);
    let mu = o.beta1 * (1.0 - 0.5 * pow(0.96, step * o.momentum_decay));
    let mu_next = o.beta1 * (1.0 - 0.5 * pow(0.96, (step + 1.0) * o.momentum_decay));
    (*st).aux = (*st).aux * mu;
    let mu_product = (*st).aux;
    let mu_product_next = mu_product * mu_next;
    let grad_scale = -o.lr * (1.0 - mu) / (1.0 - mu_product);
    let exp_avg_scale = (-o.lr * mu_next) / (1.0 - mu_product_next);
    let d = optim_decay(o, p, optim_signed(o, g));
    let grad = d.grad;
    let m = optim_adam_moments(o, st, grad);
    let exp_avg = m.exp_avg;
    let exp_avg_sq = m.exp_avg_sq;
    let denom = sqrt(exp_avg_sq / bias_correction2) + o.eps;
    let param = d.param + grad_scale * grad / denom;
    return param + exp_avg_scale * exp_avg / denom;
}

// _single_tensor_radam (torch/optim/radam.py).
fn optim_radam(o: Optimizer, st: ptr<function, OptState>, t: u32, p: vec2<f32>, g: vec2<f32>) -> vec2<f32> {
    let step = f32(t);
    let bias_correction1 = 1.0 - optim_powi(o.beta1, t);
    let beta2_t = optim_powi(o.beta2, t);
    let bias_correction2 = 1.0 - beta2_t;
    let rho_inf = 2.0 / (1.0 - o.beta2) - 1.0;
    let rho_t = rho_inf - 2.0 * step * beta2_t / bias_correction2;
    let bias_correction2_sqrt = sqrt(bias_correction2);
    let d = optim_decay(o, p, optim_signed(o, g));
    let grad = d.grad;
    let m = optim_adam_moments(o, st, grad);
    let exp_avg = m.exp_avg;
    let exp_avg_sq = m.exp_avg_sq;
    let bias_corrected_exp_avg = exp_avg / bias_correction1;
    var update = bias_corrected_exp_avg * o.lr;
    if rho_t > 5.0 {
        let rect = sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
            / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t));
        let adaptive_lr = bias_correction2_sqrt / (sqrt(exp_avg_sq) + o.eps);
        update = update * adaptive_lr * rect;
    }
    return d.param - update;
}

// Lion: lucidrains' lion_pytorch.update_fn (Chen et al. 2023, Algorithm 2).
fn optim_lion(o: Optimizer, st: ptr<function, OptState>, p: vec2<f32>, g: vec2<f32>) -> vec2<f32> {
    let param = p * (1.0 - o.lr * o.weight_decay);
    let update = sign((*st).s1 * o.beta1 + (1.0 - o.beta1) * g);
    (*st).s1 = (*st).s1 * o.beta2 + (1.0 - o.beta2) * g;
    return param + (-o.lr) * update;
}

// One optimizer step (optim::step): `t` is the 1-based step count (torch's state['step'] after
// its increment); returns the new position and updates `st`.
fn optim_step(o: Optimizer, st: ptr<function, OptState>, t: u32, p: vec2<f32>, g: vec2<f32>) -> vec2<f32> {
    var next: vec2<f32>;
    switch o.kind {
        case OPTIM_ADAGRAD: {
            next = optim_adagrad(o, st, t, p, g);
        }
        case OPTIM_RMSPROP: {
            next = optim_rmsprop(o, st, p, g);
        }
        case OPTIM_ADAM, OPTIM_ADAMW: {
            next = optim_adam(o, st, t, p, g);
        }
        case OPTIM_NADAM: {
            next = optim_nadam(o, st, t, p, g);
        }
        case OPTIM_RADAM: {
            next = optim_radam(o, st, t, p, g);
        }
        case OPTIM_LION: {
            next = optim_lion(o, st, p, g);
        }
        default: {
            next = optim_sgd(o, st, t, p, g);
        }
    }
    return next;
}
