//! The optimizers of `torch.optim`, as an f64 CPU reference and the spec parser for them.
//!
//! Every particle is one 2-vector parameter `p` (its position); its gradient `g` comes from the
//! surface. [`step`] is one optimizer step with the semantics of PyTorch's `_single_tensor_<name>`
//! functions in `torch/optim/<name>.py` (the path torch takes for CPU tensors), written in the
//! same order of floating-point operations. `shaders/optim.wgsl` is its f32 twin: the same
//! operations in the same order, so the GPU agrees with this reference to f32 rounding.
//!
//! # Optimizers
//!
//! | name       | rule                      | defaults                                                  |
//! |------------|---------------------------|-----------------------------------------------------------|
//! | `gd`       | `torch.optim.SGD`         | lr=1e-3; takes only lr, weight_decay, maximize            |
//! | `sgd`      | `torch.optim.SGD`         | lr=1e-3, momentum=0, dampening=0, weight_decay=0          |
//! | `momentum` | `torch.optim.SGD`         | as sgd, momentum=0.9                                      |
//! | `nesterov` | `torch.optim.SGD`         | as sgd, momentum=0.9, nesterov=true                       |
//! | `adagrad`  | `torch.optim.Adagrad`     | lr=1e-2, lr_decay=0, initial_accumulator_value=0, eps=1e-10 |
//! | `rmsprop`  | `torch.optim.RMSprop`     | lr=1e-2, alpha=0.99, eps=1e-8, momentum=0, centered=false |
//! | `adam`     | `torch.optim.Adam`        | lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, amsgrad=false  |
//! | `adamw`    | `torch.optim.AdamW`       | as adam, weight_decay=1e-2 (decoupled)                    |
//! | `nadam`    | `torch.optim.NAdam`       | lr=2e-3, betas, eps=1e-8, momentum_decay=4e-3             |
//! | `radam`    | `torch.optim.RAdam`       | lr=1e-3, betas, eps=1e-8                                  |
//! | `lion`     | Chen et al. 2023 (below)  | lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0            |
//!
//! All take `weight_decay` (default 0 but adamw's 1e-2) and all but `lion` take `maximize`;
//! `nadam` and `radam` take `decoupled_weight_decay`. torch's `betas=(b1, b2)` is spelled
//! `beta1`, `beta2`, or `betas=b1/b2`. SGD's lr default is torch 2.x's 1e-3 (torch 1.x
//! required it). Lion is not in torch.optim: its rule is Algorithm 2 of "Symbolic Discovery of
//! Optimization Algorithms" (Chen et al. 2023) as written in lucidrains' `lion-pytorch`
//! (`lion_pytorch/lion_pytorch.py`, `update_fn`).
//!
//! # Spec syntax
//!
//! `NAME[:key=value,key=value...]`, e.g. `adam:lr=0.01,amsgrad=true`. Whitespace around tokens
//! is ignored, names and keys are case-insensitive, booleans are `true`/`false`/`1`/`0`, numbers
//! are finite and within f32 range (they go to the GPU as f32). A key given twice is an error.
//! Values are checked as torch's constructors check them (`Invalid learning rate`, ...):
//! lr, eps, momentum, weight_decay, alpha, lr_decay, initial_accumulator_value and
//! momentum_decay are >= 0; beta1 and beta2 are in [0, 1) (Lion, as lion-pytorch: [0, 1]);
//! nesterov needs momentum > 0 and dampening = 0. Every error names the offending token and
//! its 1-based column (in characters).
//!
//! A numeric value may be a range, `from..to:count[:log]` (`sgd:lr=1e-4..1e-2:64:log`): the
//! spec then stands for one group per value ([`OptimizerSpec::groups`], see [`crate::sweep`]).
//! Ranges go through the same key table as single values, so any numeric parameter can be
//! swept; both ends are checked by the parameter's rule, and nesterov at every corner.
//!
//! # State
//!
//! [`OptState`] is the per-particle state (the GPU particle holds the same fields, in f32):
//!
//! | optimizer | `s1`            | `s2`       | `s3`            | `aux`      |
//! |-----------|-----------------|------------|-----------------|------------|
//! | sgd       | momentum_buffer |            |                 |            |
//! | adagrad   | sum [^iav]      |            |                 |            |
//! | rmsprop   | square_avg      | grad_avg   | momentum_buffer |            |
//! | adam(w)   | exp_avg         | exp_avg_sq | max_exp_avg_sq  |            |
//! | nadam     | exp_avg         | exp_avg_sq |                 | mu_product [^one] |
//! | radam     | exp_avg         | exp_avg_sq |                 |            |
//! | lion      | exp_avg         |            |                 |            |
//!
//! [^iav]: starts at `initial_accumulator_value`; every other slot starts at 0 ...
//! [^one]: ... except `mu_product`, which starts at 1 ([`init_state`]).
//!
//! torch's `state['step']` is not stored: the caller passes the 1-based step `t`. torch SGD
//! creates its momentum buffer on the first step (`buf = g`, no dampening); here "first step"
//! is `t == 1`.
//!
//! # Numerics and deviations from torch
//!
//! - The arithmetic is torch's CPU kernels' scalar path, in their order (a 2-element tensor is
//!   below the width at which `cpu_kernel_vec` switches to SIMD): `add(x, alpha=a)` is
//!   `self + a*x`, `addcmul(x, y, value=v)` is `self + v*x*y`, `addcdiv(x, y, value=v)` is
//!   `self + v*x/y`, and `lerp(end, w)` is `self + w*(end - self)` for |w| < 0.5, else
//!   `end - (end - self)*(1 - w)` (`aten/src/ATen/native/Lerp.h`). Bit-identity with torch is
//!   not claimed: ATen may be compiled with FMA contraction; agreement is to a few ulp.
//! - This reference is torch with `torch.set_default_dtype(torch.float64)`: with the default
//!   float32, torch keeps NAdam's `mu_product` (and the step count) in a float32 tensor even for
//!   float64 parameters.
//! - `beta**t` (Python's `pow`) is computed by binary exponentiation (square and multiply, the
//!   same loop here and in WGSL's `optim_powi`), not `pow`: WGSL's `pow` is
//!   `exp2(t*log2(beta))` with an absolute log2 error up to 2^-21, which would put a relative
//!   error near 3e-4 into `1 - 0.999^t`. Square and multiply is exact to a few ulp in both
//!   precisions. NAdam's `0.96 ** (t*momentum_decay)` has a fractional exponent and uses `pow`
//!   in both.
//! - `bias_correction2 ** 0.5` and `(...) ** 0.5` are `sqrt`.
//! - `torch.maximum` propagates NaN, as [`step`] does; WGSL's `max` with a NaN operand is
//!   unspecified (the particle is diverged by then anyway).
//! - Centered RMSprop takes `sqrt(square_avg - grad_avg^2)`, which rounding can make NaN when
//!   the gradient is nearly constant for thousands of steps (sooner in f32): torch does the same.
//! - Lion: lion-pytorch asserts `lr > 0`; here lr >= 0 like torch's optimizers. It has no
//!   `maximize`, so neither has this.
//!
//! # Rooms
//!
//! - `mod.rs`: the types ([`OptimizerKind`], [`Params`], [`OptimizerSpec`]);
//! - `catalogue.rs`: the names, their keys and torch's defaults;
//! - `spec.rs`: setting, checking and sweeping a spec's parameters; `parse.rs`: the spec syntax;
//!   `error.rs`: [`SpecError`], each with its column;
//! - `reference.rs`: the f64 stepper, [`step`], the CPU twin of `shaders/optim.wgsl`;
//! - `gpu.rs`: the GPU packing ([`OptimizerSpec::to_gpu`]).

mod catalogue;
mod error;
mod gpu;
mod parse;
mod reference;
mod spec;

pub use catalogue::{EXTRA_KEYS, MODEL_KEYS, OPTIMIZER_NAMES, is_optimizer_key};
pub use error::SpecError;
pub use gpu::GpuOptimizer;
pub use reference::{OptState, init_state, step};

use crate::sweep::SweepAxis;

/// Which update rule a spec uses. The discriminants are the `OPTIM_*` kind constants of
/// `shaders/optim.wgsl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum OptimizerKind {
    /// `torch.optim.SGD` (gd, sgd, momentum, nesterov).
    Sgd = 0,
    /// `torch.optim.Adagrad`.
    Adagrad = 1,
    /// `torch.optim.RMSprop`.
    Rmsprop = 2,
    /// `torch.optim.Adam`.
    Adam = 3,
    /// `torch.optim.AdamW`: Adam with decoupled weight decay.
    AdamW = 4,
    /// `torch.optim.NAdam`.
    NAdam = 5,
    /// `torch.optim.RAdam`.
    RAdam = 6,
    /// Lion (Chen et al. 2023; lucidrains' lion-pytorch).
    Lion = 7,
}

/// Every hyperparameter of every optimizer, under torch's names. An optimizer reads only its
/// own; the others keep the neutral values of [`OptimizerSpec::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub lr: f64,
    pub momentum: f64,
    pub dampening: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
    pub maximize: bool,
    pub lr_decay: f64,
    pub initial_accumulator_value: f64,
    pub eps: f64,
    pub alpha: f64,
    pub centered: bool,
    pub beta1: f64,
    pub beta2: f64,
    pub amsgrad: bool,
    pub momentum_decay: f64,
    pub decoupled_weight_decay: bool,
    /// Standard deviation of the Gaussian noise added to each gradient component every step
    /// (descent's, any optimizer; see `crate::noise`).
    pub grad_noise: f64,
    /// Mini-batch size in a linear-regression scene, 0 for the full batch (descent's; see
    /// `crate::regression::Dataset::batch_gradients`).
    pub batch_size: f64,
    /// A model's learning rate per layer (torch's parameter groups, one per `nn.Linear`):
    /// `lr_layer0` ... ; [`UNSET`] where the layer takes `lr`. Model scenes only.
    pub lr_layers: [f64; MAX_LAYER_LRS],
    /// Added to every weight of a model's first layer before training (Sohl-Dickstein's
    /// "paraminit" axis). Model scenes only.
    pub init_offset: f64,
}

/// Layers whose learning rate a spec may set (`model::spec::MAX_LAYERS`).
pub const MAX_LAYER_LRS: usize = 16;
/// A layer learning rate not given: the layer takes `lr`.
pub const UNSET: f64 = -1.0;

impl Params {
    /// The learning rate of a model's layer `l`.
    pub fn layer_lr(&self, l: usize) -> f64 {
        match self.lr_layers.get(l) {
            Some(&v) if v != UNSET => v,
            _ => self.lr,
        }
    }

    /// Whether any layer has its own learning rate.
    pub fn has_layer_lrs(&self) -> bool {
        self.lr_layers.iter().any(|&v| v != UNSET)
    }
}

/// The values every name starts from; each name then changes its own defaults.
pub(crate) const BASE: Params = Params {
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
    lr_layers: [UNSET; MAX_LAYER_LRS],
    init_offset: 0.0,
};

/// A parsed, validated optimizer: what a user asked for and what runs.
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizerSpec {
    /// The spec text as given, trimmed (the scene loader may replace it).
    pub label: String,
    /// The canonical name, e.g. "momentum".
    pub name: String,
    pub kind: OptimizerKind,
    /// The values of unswept parameters; a swept one holds its range's first value.
    pub params: Params,
    /// A `torch.optim.lr_scheduler` schedule, stepped after every optimizer step.
    pub schedule: Option<crate::schedule::Schedule>,
    /// Parameters given as ranges (at most [`crate::sweep::MAX_SWEPT`]): the spec then stands
    /// for one group per value (per pair of values), see [`OptimizerSpec::groups`].
    pub sweep: Vec<SweepAxis>,
    /// Values of the surface's named parameters that this optimizer's particles run on,
    /// over the surface's own (`x^2 + amp*cos(2*pi*x)` with `amp=0.1`); a swept one holds its
    /// range's first value, and each group its own. Checked against the surface by the scene.
    pub surface: Vec<(String, f64)>,
}
