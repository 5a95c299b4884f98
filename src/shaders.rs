//! WGSL sources, assembled. The files in `shaders/` are included at compile time; the surface
//! functions are generated from the expression (never pasted user text) and prepended.

pub const COMMON: &str = include_str!("../shaders/common.wgsl");
pub const OPTIM: &str = include_str!("../shaders/optim.wgsl");
pub const SIM: &str = include_str!("../shaders/sim.wgsl");
pub const NOISE: &str = include_str!("../shaders/noise.wgsl");
pub const MESH: &str = include_str!("../shaders/mesh.wgsl");
pub const RENDER: &str = include_str!("../shaders/render.wgsl");
pub const PARTICLES: &str = include_str!("../shaders/particles.wgsl");
pub const SURFACE: &str = include_str!("../shaders/surface.wgsl");
pub const LINES: &str = include_str!("../shaders/lines.wgsl");
pub const MARKERS: &str = include_str!("../shaders/markers.wgsl");
pub const DENSITY: &str = include_str!("../shaders/density.wgsl");
pub const DENSITY_STATS: &str = include_str!("../shaders/density_stats.wgsl");
pub const TONEMAP: &str = include_str!("../shaders/tonemap.wgsl");
pub const TRAIL_STATS: &str = include_str!("../shaders/trail_stats.wgsl");
pub const BLIT: &str = include_str!("../shaders/blit.wgsl");
pub const MODEL: &str = include_str!("../shaders/model.wgsl");

/// The simulation compute shader for a surface given as generated WGSL.
pub fn sim_source(surface_wgsl: &str) -> String {
    [surface_wgsl, COMMON, OPTIM, NOISE, SIM].join("\n")
}

/// The mesh compute shader for a surface given as generated WGSL.
pub fn mesh_source(surface_wgsl: &str) -> String {
    [surface_wgsl, COMMON, MESH].join("\n")
}

/// The surface render shader (reads the mesh buffer; needs no surface functions).
pub fn surface_source() -> String {
    [COMMON, RENDER, SURFACE].join("\n")
}

/// The trail and axes line shader; the surface functions place interpolated heads on it.
pub fn lines_source(surface_wgsl: &str) -> String {
    [surface_wgsl, COMMON, RENDER, PARTICLES, LINES].join("\n")
}

/// The marker shader (start points, minima, heads).
pub fn markers_source(surface_wgsl: &str) -> String {
    [surface_wgsl, COMMON, RENDER, PARTICLES, MARKERS].join("\n")
}

/// The density accumulation shader (trail segments and heads into float targets).
pub fn density_source(surface_wgsl: &str) -> String {
    [surface_wgsl, COMMON, RENDER, PARTICLES, DENSITY].join("\n")
}

/// The density statistics compute shader (needs no surface functions).
pub fn density_stats_source() -> String {
    DENSITY_STATS.to_string()
}

/// The density tone-map shader: the statistics' bins and log axis, then the tone map.
pub fn tonemap_source() -> String {
    [DENSITY_STATS, TONEMAP].join("\n")
}

/// The per-step statistics compute shader (loss histograms and status counts of the trail).
pub fn trail_stats_source() -> String {
    [COMMON, TRAIL_STATS].join("\n")
}

/// Every shader file by name, for validation tests.
pub const FILES: &[(&str, &str)] = &[
    ("common.wgsl", COMMON),
    ("optim.wgsl", OPTIM),
    ("sim.wgsl", SIM),
    ("mesh.wgsl", MESH),
    ("render.wgsl", RENDER),
    ("particles.wgsl", PARTICLES),
    ("surface.wgsl", SURFACE),
    ("lines.wgsl", LINES),
    ("markers.wgsl", MARKERS),
    ("density.wgsl", DENSITY),
    ("density_stats.wgsl", DENSITY_STATS),
    ("tonemap.wgsl", TONEMAP),
    ("trail_stats.wgsl", TRAIL_STATS),
    ("blit.wgsl", BLIT),
    ("model.wgsl", MODEL),
];
