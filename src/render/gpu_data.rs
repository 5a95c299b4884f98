//! Pod twins of the structs the render shaders read. Each names its WGSL twin; sizes are
//! checked at compile time here and against naga's layout in `tests/shader_validation.rs`.

use bytemuck::{Pod, Zeroable};

/// Twin of `Frame` in `shaders/render.wgsl`: everything per frame, shared by every pipeline.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct FrameUniform {
    pub clip_from_world: [[f32; 4]; 4],
    pub view_from_world: [[f32; 4]; 4],
    pub clip_from_view: [[f32; 4]; 4],
    /// world = data * scale + offset (xyz); w unused.
    pub world_from_data_scale: [f32; 4],
    pub world_from_data_offset: [f32; 4],
    /// World-space box outside which trails and markers are clipped.
    pub clip_min: [f32; 4],
    pub clip_max: [f32; 4],
    /// Eye position (w = 1, perspective) or unit direction towards the viewer (w = 0).
    pub eye: [f32; 4],
    /// Unit direction towards the light (xyz), specular strength (w).
    pub light: [f32; 4],
    /// Width, height, 1/width, 1/height in pixels.
    pub viewport: [f32; 4],
    /// Data loss min, max, contour spacing (0: none), mesh cells per grid line.
    pub surface: [f32; 4],
    /// Grid line alpha (0: off), contour alpha (0: off), line width px, colormap muted
    /// towards grey (0..1: under a density layer).
    pub surface_style: [f32; 4],
    /// Mesh columns, rows; trail stride (records per drawn segment, >= 1); unused.
    pub mesh: [u32; 4],
    /// Particles (all chunks), unused, trail capacity, record_every.
    pub trail: [u32; 4],
    /// First visible record, head record, head source (0: ring, 1: particles, 2: no trail),
    /// segments per particle (the head segment included; 0: no trails).
    pub records: [u32; 4],
    /// Trail width px, fade (0/1), head mix fraction, depth offset towards the eye (world).
    pub trail_style: [f32; 4],
    /// Head marker size px, head outline px, ui scale, trail opacity.
    pub head_style: [f32; 4],
    /// The surface's colour scale: log (1) or linear (0), eps, and the log10 values at the
    /// bottom and top of the colormap (log10(eps), log10(max - min + eps)).
    pub surface_scale: [f32; 4],
}
const _: () = assert!(std::mem::size_of::<FrameUniform>() == 3 * 64 + 15 * 16);

/// Twin of `Marker` in `shaders/markers.wgsl`: one billboard.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct MarkerInstance {
    /// Data-space (x, y, loss).
    pub position: [f32; 3],
    /// Diameter in pixels.
    pub size_px: f32,
    /// Linear RGBA.
    pub fill: [f32; 4],
    pub outline: [f32; 4],
    /// `MarkerShape::code()`, or [`SHAPE_RING`].
    pub shape: u32,
    pub outline_px: f32,
    pub _pad: [f32; 2],
}
const _: () = assert!(std::mem::size_of::<MarkerInstance>() == 64);

/// Shape code of the converged-head ring (after `MarkerShape`'s codes).
pub const SHAPE_RING: u32 = 6;
/// Shape code of a plain dot (many particles).
pub const SHAPE_DOT: u32 = 1;

/// Twin of `Segment` in `shaders/lines.wgsl`: one world-space line segment of the axes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct LineSegment {
    /// World-space start (xyz), width in pixels (w).
    pub a: [f32; 4],
    /// World-space end (xyz), 1 to extend both ends by half the width (square caps) (w).
    pub b: [f32; 4],
    /// Linear RGBA.
    pub color: [f32; 4],
}
const _: () = assert!(std::mem::size_of::<LineSegment>() == 48);

/// Vertex of a flat-coloured triangle (the axes' panes): `FillIn` in `shaders/lines.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct FillVertex {
    pub position: [f32; 4],
    pub color: [f32; 4],
}
const _: () = assert!(std::mem::size_of::<FillVertex>() == 32);

/// Twin of `Chunk` in `shaders/particles.wgsl`: where a chunk of the simulation's particles
/// sits and how its colours are indexed.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct ChunkUniform {
    /// Global index of the chunk's first particle.
    pub first: u32,
    /// Particles in the chunk: the stride of its trail ring.
    pub count: u32,
    /// Colour index of the first colour bound (colours bound at the chunk's offset).
    pub color_base: u32,
    /// Particles per colour: starts per group (a colour per optimizer) or 1.
    pub color_stride: u32,
}
const _: () = assert!(std::mem::size_of::<ChunkUniform>() == 16);

/// Twin of `DensityDraw` in `shaders/density.wgsl`: one accumulation draw.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct DensityDraw {
    /// Records `first_record`, `+ stride`, ... up to `last_record` are joined by segments;
    /// with `head_segment` 1, the one segment from `first_record` to the interpolated head.
    pub first_record: u32,
    pub stride: u32,
    pub last_record: u32,
    pub head_segment: u32,
    /// Weight of one visit.
    pub weight: f32,
    /// 1: weights fade with the record's age, as faded lines do.
    pub fade: f32,
    /// Side of a head's square in pixels.
    pub head_px: f32,
    pub _pad: f32,
}
const _: () = assert!(std::mem::size_of::<DensityDraw>() == 32);

/// Twin of `DensityLook` in `shaders/tonemap.wgsl`: how counts become colour.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct DensityLook {
    /// 0: eq_hist, 1: log.
    pub scale: u32,
    /// Bit 0: the trail layer is drawn; bit 1: the head layer.
    pub layers: u32,
    pub _pad: [u32; 2],
    /// Opacity of the faintest trail and head pixels, and of the densest.
    pub trail_floor: f32,
    pub head_floor: f32,
    pub max_alpha: f32,
    /// Colour factors at the densest pixels (heads darker than trails).
    pub head_shade: f32,
    pub trail_shade: f32,
    /// Frame pixels per head-target pixel.
    pub head_block: f32,
    pub _pad2: [f32; 2],
}
const _: () = assert!(std::mem::size_of::<DensityLook>() == 48);
