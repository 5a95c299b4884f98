// Density tone map: a full-screen triangle over the surface turns the accumulated trails and
// heads (see density.wgsl) into colour. Prepended by the host: density_stats.wgsl (the bins
// and log axis). Group 0 is the frame's (unused here), group 1 the layers and statistics.

// Twin of `render::gpu_data::DensityLook`.
struct DensityLook {
    // 0: eq_hist, 1: log.
    scale: u32,
    // Bit 0: the trail layer is drawn, bit 1: the head layer.
    layers: u32,
    _pad: vec2<u32>,
    // Opacity of the faintest trail and head pixels, and of the densest.
    trail_floor: f32,
    head_floor: f32,
    max_alpha: f32,
    // Colour factors at the densest pixels: heads darker than trails, so they stand out.
    head_shade: f32,
    trail_shade: f32,
    // Frame pixels per head-target pixel.
    head_block: f32,
    _pad2: f32,
    _pad3: f32,
}

struct StatsRead {
    max_bits: u32,
    nonzero: u32,
    _pad: vec2<u32>,
    hist: array<u32, 1024>,
    cdf: array<f32, 1024>,
}

@group(1) @binding(0) var trail_accum: texture_2d<f32>;
@group(1) @binding(1) var head_accum: texture_2d<f32>;
@group(1) @binding(2) var<storage, read> trail_stats: StatsRead;
@group(1) @binding(3) var<storage, read> head_stats: StatsRead;
@group(1) @binding(4) var<uniform> look: DensityLook;

struct FullscreenOut {
    @builtin(position) clip: vec4<f32>,
}

@vertex
fn vs_fullscreen(@builtin(vertex_index) v: u32) -> FullscreenOut {
    let uv = vec2<f32>(f32((v << 1u) & 2u), f32(v & 2u));
    return FullscreenOut(vec4<f32>(uv * 2.0 - 1.0, 0.0, 1.0));
}

// 0..1 brightness of a count under the layer's transfer.
fn transfer(count: f32, max_bits: u32, cdf_of: u32) -> f32 {
    let m = bitcast<f32>(max_bits);
    let x = log_position(count, m);
    if look.scale == 1u {
        return x;
    }
    // eq_hist: the cumulative share of pixels up to this count, interpolated within its bin.
    let f = x * f32(BINS - 1u);
    let b = min(u32(f + 0.5), BINS - 1u);
    var hi: f32;
    var lo: f32;
    if cdf_of == 0u {
        hi = trail_stats.cdf[b];
        lo = select(0.0, trail_stats.cdf[max(b, 1u) - 1u], b > 0u);
    } else {
        hi = head_stats.cdf[b];
        lo = select(0.0, head_stats.cdf[max(b, 1u) - 1u], b > 0u);
    }
    return clamp(mix(lo, hi, clamp(f + 0.5 - f32(b), 0.0, 1.0)), 0.0, 1.0);
}

// Premultiplied colour of one layer at a pixel: the visitors' mean colour, from a light tint
// where few passed to a deep shade where most did, and opacity from the floor up.
fn layer(value: vec4<f32>, max_bits: u32, which: u32, floor_alpha: f32, shade: f32) -> vec4<f32> {
    if value.a <= 1e-6 {
        return vec4<f32>(0.0);
    }
    let t = transfer(value.a, max_bits, which);
    let hue = clamp(value.rgb / value.a, vec3<f32>(0.0), vec3<f32>(1.0));
    let rgb = mix(mix(hue, vec3<f32>(1.0), 0.35), hue * shade, t);
    let a = mix(floor_alpha, look.max_alpha, t);
    return vec4<f32>(rgb * a, a);
}

// The head layer at a frame pixel: the head target (at 1 / head_block resolution) tone-mapped
// texel by texel, then blended bilinearly, so a head is a soft dot about two blocks wide whose
// middle has the shade of its texel's count (interpolating counts first would put the dots'
// flanks below every count the statistics saw).
fn heads_at(frag: vec2<f32>) -> vec4<f32> {
    let size = vec2<i32>(textureDimensions(head_accum));
    let q = frag / look.head_block - 0.5;
    let base = vec2<i32>(floor(q));
    let f = q - floor(q);
    var sum = vec4<f32>(0.0);
    for (var dy = 0; dy < 2; dy++) {
        for (var dx = 0; dx < 2; dx++) {
            let at = base + vec2<i32>(dx, dy);
            if all(at >= vec2<i32>(0)) && all(at < size) {
                let w = select(1.0 - f.x, f.x, dx == 1) * select(1.0 - f.y, f.y, dy == 1);
                let texel = textureLoad(head_accum, at, 0);
                sum += w * layer(texel, head_stats.max_bits, 1u, look.head_floor, look.head_shade);
            }
        }
    }
    return sum;
}

@fragment
fn fs_tonemap(in: FullscreenOut) -> @location(0) vec4<f32> {
    let p = vec2<u32>(in.clip.xy);
    var out = vec4<f32>(0.0);
    if (look.layers & 1u) != 0u {
        out = layer(textureLoad(trail_accum, p, 0), trail_stats.max_bits, 0u, look.trail_floor, look.trail_shade);
    }
    if (look.layers & 2u) != 0u {
        let h = heads_at(in.clip.xy);
        out = h + out * (1.0 - h.a);
    }
    if out.a <= 1e-4 {
        discard;
    }
    return vec4<f32>(out.rgb / out.a, out.a);
}
