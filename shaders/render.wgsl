// Shared by the render pipelines: the per-frame uniform (group 0) and helpers for the plot box
// and screen-space geometry. Prepended by the host: common.wgsl.

// Twin of `render::gpu_data::FrameUniform`.
struct Frame {
    clip_from_world: mat4x4<f32>,
    view_from_world: mat4x4<f32>,
    clip_from_view: mat4x4<f32>,
    world_from_data_scale: vec4<f32>,
    world_from_data_offset: vec4<f32>,
    clip_min: vec4<f32>,
    clip_max: vec4<f32>,
    // Eye position (w = 1) or direction towards the viewer (w = 0, orthographic).
    eye: vec4<f32>,
    // Towards the light (xyz), specular strength (w).
    light: vec4<f32>,
    // Width, height, 1/width, 1/height.
    viewport: vec4<f32>,
    // Loss min, max, contour spacing (0: none), mesh cells per grid line.
    surface: vec4<f32>,
    // Grid line alpha, contour alpha, line width px, colormap muted towards grey (0..1).
    surface_style: vec4<f32>,
    // Mesh columns, rows; trail stride (records per drawn segment); unused.
    mesh: vec4<u32>,
    // Particles (all chunks), unused, trail capacity, record_every.
    trail: vec4<u32>,
    // First visible record, head record, head source, segments per particle.
    records: vec4<u32>,
    // Trail width px, fade, head mix fraction, depth offset (world).
    trail_style: vec4<f32>,
    // Head marker size px, head outline px, ui scale, trail opacity.
    head_style: vec4<f32>,
    // Log colour scale (1) or linear (0), eps, log10 at the colormap's bottom and top.
    surface_scale: vec4<f32>,
}

// A read-only storage buffer, not a uniform one: Debian 12's Mesa (22.3, CI's lavapipe)
// specialises a shader on the uniform values its branches read, again each time the buffer is
// bound, keeping every copy (0.4 MB and a shader compile per frame, without end); it never
// specialises on storage. Lavapipe reads storage as zero in the helper pixels that derivatives
// use, so fragment shaders take derivatives of varyings only.
@group(0) @binding(0) var<storage, read> frame: Frame;

fn world_from_data(p: vec3<f32>) -> vec3<f32> {
    return p * frame.world_from_data_scale.xyz + frame.world_from_data_offset.xyz;
}

// Unit vector from a world point towards the viewer.
fn towards_eye(world: vec3<f32>) -> vec3<f32> {
    if frame.eye.w > 0.5 {
        return normalize(frame.eye.xyz - world);
    }
    return frame.eye.xyz;
}

fn inside_clip_box(p: vec3<f32>) -> bool {
    return all(p >= frame.clip_min.xyz) && all(p <= frame.clip_max.xyz);
}

// Clips the segment a..b to the clip box (Liang-Barsky): returns the kept parameter range
// (t0, t1) along it, with t0 > t1 when nothing is left.
fn clip_segment(a: vec3<f32>, b: vec3<f32>) -> vec2<f32> {
    var t0 = 0.0;
    var t1 = 1.0;
    let d = b - a;
    for (var k = 0; k < 3; k++) {
        let lo = frame.clip_min[k];
        let hi = frame.clip_max[k];
        if abs(d[k]) < 1e-12 {
            if a[k] < lo || a[k] > hi {
                return vec2<f32>(1.0, 0.0);
            }
        } else {
            var ta = (lo - a[k]) / d[k];
            var tb = (hi - a[k]) / d[k];
            if ta > tb {
                let s = ta;
                ta = tb;
                tb = s;
            }
            t0 = max(t0, ta);
            t1 = min(t1, tb);
        }
    }
    return vec2<f32>(t0, t1);
}

// Clip space to pixels (origin bottom-left, y up), for w > 0.
fn pixels_from_clip(c: vec4<f32>) -> vec2<f32> {
    return (c.xy / c.w * 0.5 + 0.5) * frame.viewport.xy;
}

// Pixels back to clip space at the given clip depth and w (keeps perspective-correct
// interpolation and the depth of the original point).
fn clip_from_pixels(px: vec2<f32>, c: vec4<f32>) -> vec4<f32> {
    let ndc = px * frame.viewport.zw * 2.0 - 1.0;
    return vec4<f32>(ndc * c.w, c.z, c.w);
}

// World units per pixel at a point with clip w (the projection's vertical scale).
fn world_per_pixel(w: f32) -> f32 {
    return 2.0 * w / (frame.clip_from_view[1][1] * frame.viewport.y);
}

// Quads (trail segments, markers) are drawn indexed, not instanced (render/quads.rs):
// vertex = 4 * quad + corner, the corner 0..3 in triangle-strip order (bit 0 the side, bit 1
// the end).
fn quad_of(vertex: u32) -> u32 {
    return vertex / 4u;
}

fn quad_corner(vertex: u32) -> u32 {
    return vertex % 4u;
}

// A clip position no triangle can cover: used to drop a primitive.
const CULLED: vec4<f32> = vec4<f32>(2.0, 2.0, 2.0, 1.0);
