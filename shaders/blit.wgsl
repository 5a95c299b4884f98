// The window's 3D view: the rendered frame copied texel for texel into its rectangle of the
// window (the pass's viewport). textureLoad, no sampler: on a CPU adapter a filtered,
// colour-managed textured quad (egui's image) costs several times as much per pixel.

@group(0) @binding(0) var frame: texture_2d<f32>;
// The viewport's top-left corner in window pixels (xy); zw unused.
@group(0) @binding(1) var<uniform> origin: vec4<f32>;

@vertex
fn vs_blit(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    // One triangle covering the viewport.
    let uv = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u));
    return vec4<f32>(uv * 2.0 - 1.0, 0.0, 1.0);
}

@fragment
fn fs_blit(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    let size = vec2<i32>(textureDimensions(frame));
    let texel = clamp(vec2<i32>(floor(position.xy - origin.xy)), vec2<i32>(0), size - 1);
    return textureLoad(frame, texel, 0);
}
