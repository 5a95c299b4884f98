//! Pod twins of the structs the shaders read and write. Each names its WGSL twin; sizes are
//! checked at compile time here and against naga's layout in `tests/shader_validation.rs`.

use bytemuck::{Pod, Zeroable};

/// Particle status codes, as in `shaders/common.wgsl`.
pub const STATUS_RUNNING: u32 = 0;
pub const STATUS_CONVERGED: u32 = 1;
pub const STATUS_DIVERGED: u32 = 2;

/// Twin of `Particle` in `shaders/common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct Particle {
    pub pos: [f32; 2],
    pub s1: [f32; 2],
    pub s2: [f32; 2],
    pub s3: [f32; 2],
    pub aux: f32,
    pub loss: f32,
    pub step: u32,
    pub status: u32,
}
const _: () = assert!(std::mem::size_of::<Particle>() == 48);

/// Twin of `TrailPoint` in `shaders/common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct TrailPoint {
    pub pos: [f32; 2],
    pub loss: f32,
    pub status: u32,
}
const _: () = assert!(std::mem::size_of::<TrailPoint>() == 16);

/// Twin of `SimParams` in `shaders/sim.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct SimParams {
    /// Particles in the chunk: the stride of its trail ring.
    pub n_particles: u32,
    pub starts_per_group: u32,
    pub first_step: u32,
    pub steps: u32,
    pub max_steps: u32,
    pub record_every: u32,
    pub trail_capacity: u32,
    /// Invocations per row of a 2D dispatch (more than 65,535 workgroups do not fit one row).
    pub row_stride: u32,
    pub tol: f32,
    pub bound: f32,
    pub center: [f32; 2],
    /// Global index of the chunk's first particle (optimizer groups are global).
    pub chunk_first: u32,
    /// The slice this dispatch steps: its first particle within the chunk, and its size.
    pub slice_first: u32,
    pub slice_count: u32,
    pub _pad: u32,
    /// Philox key of gradient noise: the scene seed's low and high 32 bits.
    pub noise_key: [u32; 2],
}
const _: () = assert!(std::mem::size_of::<SimParams>() == 72);

/// Twin of `MeshParams` in `shaders/mesh.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct MeshParams {
    pub min: [f32; 2],
    pub max: [f32; 2],
    pub cols: u32,
    pub rows: u32,
    pub _pad: [u32; 2],
}
const _: () = assert!(std::mem::size_of::<MeshParams>() == 32);

/// Twin of `MeshVertex` in `shaders/mesh.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct MeshVertex {
    /// x, y, f(x, y), and 1 where f and its gradient are finite (0 at a pole).
    pub position: [f32; 4],
    /// df/dx, df/dy, 0, 0.
    pub gradient: [f32; 4],
}
const _: () = assert!(std::mem::size_of::<MeshVertex>() == 32);

/// Twin of `ModelParams` in `shaders/model.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct ModelParams {
    /// Particles (models) in the chunk: the stride of every per-parameter array.
    pub n_particles: u32,
    /// Initialisations per optimizer group.
    pub per_group: u32,
    /// The step being made (trial, pass, commit), 0 for the initial pass.
    pub step: u32,
    /// The items a pass dispatch covers.
    pub item_first: u32,
    pub item_count: u32,
    pub max_steps: u32,
    pub record_every: u32,
    pub trail_capacity: u32,
    /// Invocations per row of a 2D dispatch.
    pub row_stride: u32,
    pub tol: f32,
    pub n_data: u32,
    /// Global index of the chunk's first particle.
    pub chunk_first: u32,
    /// Where the projection plane starts in the data buffer; 0 for none.
    pub plane_at: u32,
    pub _pad: u32,
    pub noise_key: [u32; 2],
}
const _: () = assert!(std::mem::size_of::<ModelParams>() == 64);

/// Twin of `ModelMeta` in `shaders/model.wgsl`: a model particle's loss, step and status, and
/// the step in progress.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct ModelMeta {
    pub loss: f32,
    pub step: u32,
    pub status: u32,
    pub pending: u32,
    pub moved2: f32,
    pub loss_sum: f32,
    pub _pad: [u32; 2],
    /// Trainability sums as `sim.wgsl` keeps them for a surface particle
    /// ([`crate::gpu::sim::ScoreSums`]): the first loss, then over the losses before each
    /// step, each over the first and capped, their sum, the sum of their inverses and the
    /// sum of the last 20.
    pub scores: [f32; 4],
}
const _: () = assert!(std::mem::size_of::<ModelMeta>() == 48);

impl ModelMeta {
    /// The model's end as a surface particle's: its loss, step and status (at the origin).
    pub fn end(&self) -> Particle {
        Particle {
            loss: self.loss,
            step: self.step,
            status: self.status,
            ..Particle::default()
        }
    }
}

/// Bytes of one [`ModelMeta`] on the GPU.
pub const MODEL_META_BYTES: usize = std::mem::size_of::<ModelMeta>();
