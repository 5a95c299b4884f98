//! Everything that talks to the GPU directly: the context, the Pod twins of shader structs and
//! the compute pipelines.

pub mod context;
pub mod gpu_data;
pub mod memory;
pub mod mesh;
pub mod pipeline;
pub mod readback;
pub mod sim;
pub mod stats;

pub use context::{AdapterPreference, Gpu, GpuError};
