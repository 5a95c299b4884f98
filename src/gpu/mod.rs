//! Everything that talks to the GPU directly, below the renderer: the context (`context.rs`),
//! the memory descent may use (`memory.rs`), the simulation (`sim/`), model training (`model_sim.rs`) and loss slices
//! (`model_slice.rs`), the surface mesh
//! (`mesh.rs`), trail statistics for the plots (`stats.rs`), the Pod twins of the compute
//! shaders' structs (`gpu_data.rs`), one helper for shader modules, bind groups and pipelines
//! (`pipeline.rs`), one texture readback (`readback.rs`) and the page's readbacks, which
//! answer a frame later (`later.rs`).

pub mod context;
pub mod gpu_data;
pub mod later;
pub mod memory;
pub mod mesh;
pub mod model_sim;
pub mod model_slice;
pub mod model_unrolled;
pub mod pipeline;
pub mod readback;
pub mod sim;
pub mod stats;

pub use context::{AdapterPreference, Gpu, GpuError};
