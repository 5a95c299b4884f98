//! WGSL sources, assembled. The files in `shaders/` are included at compile time; the surface
//! functions are generated from the expression (never pasted user text) and prepended.

pub const COMMON: &str = include_str!("../shaders/common.wgsl");
pub const OPTIM: &str = include_str!("../shaders/optim.wgsl");
pub const SIM: &str = include_str!("../shaders/sim.wgsl");
pub const MESH: &str = include_str!("../shaders/mesh.wgsl");

/// The simulation compute shader for a surface given as generated WGSL.
pub fn sim_source(surface_wgsl: &str) -> String {
    [surface_wgsl, COMMON, OPTIM, SIM].join("\n")
}

/// The mesh compute shader for a surface given as generated WGSL.
pub fn mesh_source(surface_wgsl: &str) -> String {
    [surface_wgsl, COMMON, MESH].join("\n")
}

/// Every shader file by name, for validation tests.
pub const FILES: &[(&str, &str)] = &[
    ("common.wgsl", COMMON),
    ("optim.wgsl", OPTIM),
    ("sim.wgsl", SIM),
    ("mesh.wgsl", MESH),
];
