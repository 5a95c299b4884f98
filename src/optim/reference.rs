//! The f64 reference stepper: one optimizer step with the semantics of PyTorch's
//! `_single_tensor_<name>` functions, in their order of operations (see the module
//! documentation of [`crate::optim`]). `shaders/optim.wgsl` is its f32 twin.

use super::{OptimizerKind, OptimizerSpec, Params};

/// Per-particle optimizer state; the GPU particle struct holds the same fields (in f32). Which
/// slot holds what, per optimizer, is in the module documentation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OptState {
    pub s1: [f64; 2],
    pub s2: [f64; 2],
    pub s3: [f64; 2],
    pub aux: f64,
}

impl OptState {
    /// Keeps the second component of every slot from `other` (a pair whose two parameters
    /// were stepped apart); `aux` depends on the step alone, the same in both.
    pub fn take_second(&mut self, other: &OptState) {
        self.s1[1] = other.s1[1];
        self.s2[1] = other.s2[1];
        self.s3[1] = other.s3[1];
    }
}

/// The state before the first step: zeros, except Adagrad's `sum` (torch:
/// `torch.full_like(p, initial_accumulator_value)`) and NAdam's `mu_product` (torch:
/// `torch.ones(())`).
pub fn init_state(spec: &OptimizerSpec) -> OptState {
    let mut st = OptState::default();
    match spec.kind {
        OptimizerKind::Adagrad => st.s1 = [spec.params.initial_accumulator_value; 2],
        OptimizerKind::NAdam => st.aux = 1.0,
        _ => {}
    }
    st
}

/// One optimizer step, torch semantics. `t` is the 1-based step count (torch's `state['step']`
/// after its increment). Returns the new position; updates `st`.
pub fn step(spec: &OptimizerSpec, st: &mut OptState, t: u32, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    debug_assert!(t >= 1, "optimizer steps count from 1");
    let o = &spec.params;
    match spec.kind {
        OptimizerKind::Sgd => sgd(o, st, t, p, g),
        OptimizerKind::Adagrad => adagrad(o, st, t, p, g),
        OptimizerKind::Rmsprop => rmsprop(o, st, p, g),
        OptimizerKind::Adam | OptimizerKind::AdamW => adam(o, decoupled(spec), st, t, p, g),
        OptimizerKind::NAdam => nadam(o, st, t, p, g),
        OptimizerKind::RAdam => radam(o, st, t, p, g),
        OptimizerKind::Lion => lion(o, st, p, g),
    }
}

/// Decoupled weight decay (`param.mul_(1 - lr * weight_decay)`): always for AdamW, on request
/// for NAdam and RAdam (and Adam, whose torch >= 2.7 signature has it too).
pub(crate) fn decoupled(spec: &OptimizerSpec) -> bool {
    spec.kind == OptimizerKind::AdamW || spec.params.decoupled_weight_decay
}

/// `x^n` by binary exponentiation (square and multiply); WGSL's `optim_powi` is the same loop.
fn powi(x: f64, n: u32) -> f64 {
    let (mut r, mut b, mut e) = (1.0, x, n);
    loop {
        if e & 1 == 1 {
            r *= b;
        }
        e >>= 1;
        if e == 0 {
            return r;
        }
        b *= b;
    }
}

/// `torch.lerp(start, end, weight)` as ATen computes it (`aten/src/ATen/native/Lerp.h`).
fn lerp(start: f64, end: f64, weight: f64) -> f64 {
    if weight.abs() < 0.5 {
        start + weight * (end - start)
    } else {
        end - (end - start) * (1.0 - weight)
    }
}

/// `torch.maximum`: NaN if either is NaN.
fn maximum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// `torch.sign`: 1, -1, or x itself for zeros and NaN (`f64::signum(0.0)` is 1).
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x
    }
}

/// `grad = grads[i] if not maximize else -grads[i]` (every `_single_tensor_*`).
fn signed(o: &Params, g: f64) -> f64 {
    if o.maximize { -g } else { g }
}

/// Weight decay of Adam, AdamW, NAdam and RAdam: decoupled scales the parameter
/// (`param.mul_(1 - lr * weight_decay)`), coupled adds to the gradient
/// (`grad = grad.add(param, alpha=weight_decay)`). Returns (param, grad); WGSL's `optim_decay`.
fn decay(o: &Params, decoupled: bool, param: f64, grad: f64) -> (f64, f64) {
    if o.weight_decay == 0.0 {
        (param, grad)
    } else if decoupled {
        (param * (1.0 - o.lr * o.weight_decay), grad)
    } else {
        (param, grad + o.weight_decay * param)
    }
}

/// The first and second moments of Adam, NAdam and RAdam, updated in `st` for coordinate `i`:
/// `exp_avg.lerp_(grad, 1 - beta1)`, `exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)`.
/// WGSL's `optim_adam_moments`.
fn adam_moments(o: &Params, st: &mut OptState, i: usize, grad: f64) -> (f64, f64) {
    let exp_avg = lerp(st.s1[i], grad, 1.0 - o.beta1);
    let exp_avg_sq = st.s2[i] * o.beta2 + (1.0 - o.beta2) * grad * grad;
    st.s1[i] = exp_avg;
    st.s2[i] = exp_avg_sq;
    (exp_avg, exp_avg_sq)
}

/// `_single_tensor_sgd` (`torch/optim/sgd.py`).
fn sgd(o: &Params, st: &mut OptState, t: u32, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    let mut out = p;
    for i in 0..2 {
        let mut grad = signed(o, g[i]);
        if o.weight_decay != 0.0 {
            // grad = grad.add(param, alpha=weight_decay)
            grad += o.weight_decay * p[i];
        }
        if o.momentum != 0.0 {
            // buf = clone(grad) on the first step, else buf.mul_(momentum).add_(grad, alpha=1 - dampening)
            let buf = if t <= 1 {
                grad
            } else {
                st.s1[i] * o.momentum + (1.0 - o.dampening) * grad
            };
            st.s1[i] = buf;
            // grad = grad.add(buf, alpha=momentum) if nesterov else buf
            grad = if o.nesterov { grad + o.momentum * buf } else { buf };
        }
        // param.add_(grad, alpha=-lr)
        out[i] = p[i] + (-o.lr) * grad;
    }
    out
}

/// `_single_tensor_adagrad` (`torch/optim/adagrad.py`).
fn adagrad(o: &Params, st: &mut OptState, t: u32, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    // clr = lr / (1 + (step - 1) * lr_decay)
    let clr = o.lr / (1.0 + f64::from(t.saturating_sub(1)) * o.lr_decay);
    let mut out = p;
    for i in 0..2 {
        let mut grad = signed(o, g[i]);
        if o.weight_decay != 0.0 {
            grad += o.weight_decay * p[i];
        }
        // state_sum.addcmul_(grad, grad, value=1)
        let sum = st.s1[i] + grad * grad;
        st.s1[i] = sum;
        // std = state_sum.sqrt().add_(eps); param.addcdiv_(grad, std, value=-clr)
        let std = sum.sqrt() + o.eps;
        out[i] = p[i] + (-clr) * grad / std;
    }
    out
}

/// `_single_tensor_rmsprop` (`torch/optim/rmsprop.py`).
fn rmsprop(o: &Params, st: &mut OptState, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    let mut out = p;
    for i in 0..2 {
        let mut grad = signed(o, g[i]);
        if o.weight_decay != 0.0 {
            grad += o.weight_decay * p[i];
        }
        // square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        let square_avg = st.s1[i] * o.alpha + (1.0 - o.alpha) * grad * grad;
        st.s1[i] = square_avg;
        let mut avg = if o.centered {
            // grad_avg.lerp_(grad, 1 - alpha); avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
            let grad_avg = lerp(st.s2[i], grad, 1.0 - o.alpha);
            st.s2[i] = grad_avg;
            (square_avg - grad_avg * grad_avg).sqrt()
        } else {
            square_avg.sqrt()
        };
        avg += o.eps;
        if o.momentum > 0.0 {
            // buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, alpha=-lr)
            let buf = st.s3[i] * o.momentum + grad / avg;
            st.s3[i] = buf;
            out[i] = p[i] + (-o.lr) * buf;
        } else {
            // param.addcdiv_(grad, avg, value=-lr)
            out[i] = p[i] + (-o.lr) * grad / avg;
        }
    }
    out
}

/// `_single_tensor_adam` (`torch/optim/adam.py`; AdamW is the same with decoupled weight decay,
/// `_single_tensor_adamw` before torch 2.7).
fn adam(o: &Params, decoupled: bool, st: &mut OptState, t: u32, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    let bias_correction1 = 1.0 - powi(o.beta1, t);
    let bias_correction2 = 1.0 - powi(o.beta2, t);
    let step_size = o.lr / bias_correction1;
    let bias_correction2_sqrt = bias_correction2.sqrt();
    let mut out = p;
    for i in 0..2 {
        let (param, grad) = decay(o, decoupled, p[i], signed(o, g[i]));
        let (exp_avg, exp_avg_sq) = adam_moments(o, st, i, grad);
        // amsgrad: torch.maximum(max_exp_avg_sqs[i], exp_avg_sq, out=max_exp_avg_sqs[i])
        let v = if o.amsgrad {
            st.s3[i] = maximum(st.s3[i], exp_avg_sq);
            st.s3[i]
        } else {
            exp_avg_sq
        };
        // denom = (v.sqrt() / bias_correction2_sqrt).add_(eps)
        // param.addcdiv_(exp_avg, denom, value=-step_size)
        let denom = v.sqrt() / bias_correction2_sqrt + o.eps;
        out[i] = param + (-step_size) * exp_avg / denom;
    }
    out
}

/// `_single_tensor_nadam` (`torch/optim/nadam.py`).
fn nadam(o: &Params, st: &mut OptState, t: u32, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    let step = f64::from(t);
    let bias_correction2 = 1.0 - powi(o.beta2, t);
    // mu = beta1 * (1 - 0.5 * 0.96 ** (step * momentum_decay)), mu_next likewise at step + 1
    let mu = o.beta1 * (1.0 - 0.5 * 0.96_f64.powf(step * o.momentum_decay));
    let mu_next = o.beta1 * (1.0 - 0.5 * 0.96_f64.powf((step + 1.0) * o.momentum_decay));
    // mu_product *= mu
    st.aux *= mu;
    let mu_product = st.aux;
    let mu_product_next = mu_product * mu_next;
    let grad_scale = -o.lr * (1.0 - mu) / (1.0 - mu_product);
    let exp_avg_scale = (-o.lr * mu_next) / (1.0 - mu_product_next);
    let mut out = p;
    for i in 0..2 {
        let (mut param, grad) = decay(o, o.decoupled_weight_decay, p[i], signed(o, g[i]));
        let (exp_avg, exp_avg_sq) = adam_moments(o, st, i, grad);
        // denom = exp_avg_sq.div(bias_correction2).sqrt(); denom.add_(eps)
        let denom = (exp_avg_sq / bias_correction2).sqrt() + o.eps;
        // param.addcdiv_(grad, denom, value=...); param.addcdiv_(exp_avg, denom, value=...)
        param += grad_scale * grad / denom;
        out[i] = param + exp_avg_scale * exp_avg / denom;
    }
    out
}

/// `_single_tensor_radam` (`torch/optim/radam.py`).
fn radam(o: &Params, st: &mut OptState, t: u32, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    let step = f64::from(t);
    let bias_correction1 = 1.0 - powi(o.beta1, t);
    let beta2_t = powi(o.beta2, t);
    let bias_correction2 = 1.0 - beta2_t;
    // maximum length of the approximated SMA, and its length at this step
    let rho_inf = 2.0 / (1.0 - o.beta2) - 1.0;
    let rho_t = rho_inf - 2.0 * step * beta2_t / bias_correction2;
    let rect = (rho_t > 5.0).then(|| {
        ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)).sqrt()
    });
    let bias_correction2_sqrt = bias_correction2.sqrt();
    let mut out = p;
    for i in 0..2 {
        let (param, grad) = decay(o, o.decoupled_weight_decay, p[i], signed(o, g[i]));
        let (exp_avg, exp_avg_sq) = adam_moments(o, st, i, grad);
        let bias_corrected_exp_avg = exp_avg / bias_correction1;
        // param.add_(bias_corrected_exp_avg * lr [* adaptive_lr * rect], alpha=-1.0)
        let update = match rect {
            Some(rect) => {
                let adaptive_lr = bias_correction2_sqrt / (exp_avg_sq.sqrt() + o.eps);
                bias_corrected_exp_avg * o.lr * adaptive_lr * rect
            }
            None => bias_corrected_exp_avg * o.lr,
        };
        out[i] = param - update;
    }
    out
}

/// Lion: lucidrains' `lion_pytorch.update_fn` (Chen et al. 2023, Algorithm 2).
fn lion(o: &Params, st: &mut OptState, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    let mut out = p;
    for i in 0..2 {
        // p.data.mul_(1. - lr * wd)
        let param = p[i] * (1.0 - o.lr * o.weight_decay);
        // update = exp_avg.clone().mul_(beta1).add(grad, alpha=1. - beta1).sign_(); p.add_(update, alpha=-lr)
        let update = sign(st.s1[i] * o.beta1 + (1.0 - o.beta1) * g[i]);
        out[i] = param + (-o.lr) * update;
        // exp_avg.mul_(beta2).add_(grad, alpha=1. - beta2)
        st.s1[i] = st.s1[i] * o.beta2 + (1.0 - o.beta2) * g[i];
    }
    out
}
