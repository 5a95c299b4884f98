//! The GPU packing of a spec: `Optimizer` of `shaders/optim.wgsl`, values rounded to f32.

use super::OptimizerSpec;
use super::reference::decoupled;

impl OptimizerSpec {
    /// The GPU twin (`Optimizer` in `shaders/optim.wgsl`), values rounded to f32.
    pub fn to_gpu(&self) -> GpuOptimizer {
        let p = &self.params;
        let mut flags = 0;
        for (on, bit) in [
            (p.nesterov, GpuOptimizer::FLAG_NESTEROV),
            (p.maximize, GpuOptimizer::FLAG_MAXIMIZE),
            (p.centered, GpuOptimizer::FLAG_CENTERED),
            (p.amsgrad, GpuOptimizer::FLAG_AMSGRAD),
            (decoupled(self), GpuOptimizer::FLAG_DECOUPLED),
        ] {
            if on {
                flags |= bit;
            }
        }
        GpuOptimizer {
            kind: self.kind as u32,
            flags,
            lr: p.lr as f32,
            momentum: p.momentum as f32,
            dampening: p.dampening as f32,
            weight_decay: p.weight_decay as f32,
            lr_decay: p.lr_decay as f32,
            initial_accumulator_value: p.initial_accumulator_value as f32,
            eps: p.eps as f32,
            alpha: p.alpha as f32,
            beta1: p.beta1 as f32,
            beta2: p.beta2 as f32,
            momentum_decay: p.momentum_decay as f32,
            grad_noise: p.grad_noise as f32,
            schedule: GpuOptimizer::NO_TABLE,
            batches: GpuOptimizer::NO_TABLE,
        }
    }
}

/// GPU twin of `Optimizer` in `shaders/optim.wgsl`: the parameters as f32, in the same field
/// order, explicitly padded to 64 bytes (a multiple of 16, so it is also a valid uniform-array
/// element).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GpuOptimizer {
    /// [`OptimizerKind`](super::OptimizerKind) as u32 (`OPTIM_SGD` ... `OPTIM_LION`).
    pub kind: u32,
    /// `FLAG_*` bits (`OPTIM_FLAG_*`).
    pub flags: u32,
    pub lr: f32,
    pub momentum: f32,
    pub dampening: f32,
    pub weight_decay: f32,
    pub lr_decay: f32,
    pub initial_accumulator_value: f32,
    pub eps: f32,
    pub alpha: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub momentum_decay: f32,
    pub grad_noise: f32,
    /// First entry of the group's (lr, momentum/beta1) table, or [`Self::NO_TABLE`].
    pub schedule: u32,
    /// First entry of the group's mini-batch gradient table, or [`Self::NO_TABLE`].
    pub batches: u32,
}

const _: () = assert!(std::mem::size_of::<GpuOptimizer>() == 64);
const _: () = assert!(std::mem::size_of::<GpuOptimizer>().is_multiple_of(16));

impl GpuOptimizer {
    pub const FLAG_NESTEROV: u32 = 1 << 0;
    pub const FLAG_MAXIMIZE: u32 = 1 << 1;
    pub const FLAG_CENTERED: u32 = 1 << 2;
    pub const FLAG_AMSGRAD: u32 = 1 << 3;
    /// Decoupled weight decay: set for AdamW, and for NAdam/RAdam `decoupled_weight_decay`.
    pub const FLAG_DECOUPLED: u32 = 1 << 4;
    /// The schedule table's second column is the momentum (OneCycleLR, CyclicLR on SGD, RMSprop).
    pub const FLAG_CYCLE_MOMENTUM: u32 = 1 << 5;
    /// The schedule table's second column is beta1 (on Adam and the other betas optimizers).
    pub const FLAG_CYCLE_BETA1: u32 = 1 << 6;
    pub const NO_TABLE: u32 = u32::MAX;
}
