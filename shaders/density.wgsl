// Density: trails and heads of many particles accumulated additively into float targets and
// tone-mapped to colour, instead of drawn over each other.
// Prepended by the host: the generated surface, common.wgsl, render.wgsl, particles.wgsl.
//
// Accumulation (render passes into an Rgba32Float target, 1 sample, with its own depth buffer
// holding the surface): every trail segment is a 1-pixel line (LineList, Bresenham-like
// rasterisation: a segment adds its weight once to each pixel it crosses along its major
// axis), every head a point in a target of lower resolution; each writes (colour * w, w), so a pixel ends with the
// sum of its visitors' colours and their count. Depth-tested against the surface with the
// trails' lift, so a hill hides what is behind it exactly as it hides lines. Zero-length
// segments (a frozen particle) add nothing.
//
// Statistics (compute, per layer and frame): the largest count, then a histogram of
// log(1 + count) over the pixels with any count, then its cumulative distribution: the
// transfer of datashader's `eq_hist` (each brightness level covers as many pixels as another).
//
// Tone map (a full-screen triangle over the surface): a pixel's colour is the count-weighted
// mean of its visitors' colours (optimizers mix where both pass), its opacity runs from a
// floor (a single path stays visible) up by the transfer of its count (eq_hist or log).

// Twin of `render::gpu_data::DensityDraw`: one accumulation draw.
struct DensityDraw {
    // Records first_record, first_record + stride, ... up to last_record are joined; with
    // head_segment = 1 the single segment from first_record to the interpolated head.
    first_record: u32,
    stride: u32,
    last_record: u32,
    head_segment: u32,
    // Weight of one visit; fade: 1 to scale it with the record's age as faded lines do.
    weight: f32,
    fade: f32,
    // Frame pixels per head-target pixel.
    head_px: f32,
    _pad: f32,
}

// Storage, not uniform, as `frame` is (render.wgsl): rebound for every chunk or draw.
@group(2) @binding(0) var<storage, read> draw: DensityDraw;

struct AccumOut {
    @builtin(position) clip: vec4<f32>,
    // Linear colour times weight, weight: flat, so counts stay whole (interpolating a
    // constant across a primitive can round it).
    @location(0) @interpolate(flat) value: vec4<f32>,
}

// A particle's linear colour for mixing: a cubic fit of the sRGB curve (within 0.5%), cheaper
// than particle_color's exact one, which a mean of many colours does not need.
fn mix_color(i: u32) -> vec3<f32> {
    let k = (chunk.first + i) / max(chunk.color_stride, 1u) - chunk.color_base;
    let c = unpack4x8unorm(colors[min(k, arrayLength(&colors) - 1u)]).rgb;
    return c * (c * (c * 0.305306011 + 0.682171111) + 0.012522878);
}

fn record_point(r: u32, i: u32) -> vec3<f32> {
    let p = trail_record(r, i);
    return vec3<f32>(p.pos, p.loss);
}

// Opacity of faded trails at record r (as vs_trail in lines.wgsl): 12% at the oldest visible
// record, 1 at the head.
fn fade_at(r: u32) -> f32 {
    let span = max(f32(frame.records.y - frame.records.x + 1u), 1.0);
    return mix(0.12, 1.0, clamp(f32(r - min(r, frame.records.x)) / span, 0.0, 1.0));
}

// One draw of 2 vertices per segment, without instancing (a CPU rasteriser runs vertex shaders
// in batches per instance, so 2-vertex instances would waste most of each batch): vertex
// 2 * (k * chunk.count + i) + end is end `end` of segment k of particle i.
@vertex
fn vs_density_segment(@builtin(vertex_index) vertex: u32) -> AccumOut {
    let v = vertex & 1u;
    let instance = vertex >> 1u;
    var out: AccumOut;
    out.clip = CULLED;
    out.value = vec4<f32>(0.0);
    let i = instance % chunk.count;
    let k = instance / chunk.count;
    var ra = draw.first_record + k * draw.stride;
    var a: vec3<f32>;
    var b: vec3<f32>;
    if draw.head_segment == 1u {
        ra = draw.first_record;
        a = record_point(ra, i);
        b = head_of(i).pos;
    } else {
        let rb = min(ra + draw.stride, draw.last_record);
        if ra >= rb {
            return out;
        }
        a = record_point(ra, i);
        b = record_point(rb, i);
    }
    if all(a.xy == b.xy) {
        return out;
    }
    let a0 = world_from_data(a);
    let b0 = world_from_data(b);
    var end = select(a0, b0, v == 1u);
    // Most segments lie inside the box: clip only those that do not.
    if !(inside_clip_box(a0) && inside_clip_box(b0)) {
        let range = clip_segment(a0, b0);
        if range.x > range.y {
            return out;
        }
        end = select(mix(a0, b0, range.x), mix(a0, b0, range.y), v == 1u);
    }
    let lifted = end + towards_eye(end) * frame.trail_style.w;
    out.clip = frame.clip_from_world * vec4<f32>(lifted, 1.0);
    var w = draw.weight;
    if draw.fade > 0.5 {
        w *= fade_at(ra);
    }
    out.value = vec4<f32>(mix_color(i) * w, w);
    return out;
}

// One point per head, into the head target at 1 / head_block of the frame's resolution (the
// tone map spreads it over a few pixels), lifted towards the eye by half a block so a head on
// a slope is not hidden by the surface it sits on.
@vertex
fn vs_density_head(@builtin(vertex_index) i: u32) -> AccumOut {
    var out: AccumOut;
    out.clip = CULLED;
    out.value = vec4<f32>(0.0);
    let h = head_of(i);
    let world = world_from_data(h.pos);
    if !inside_clip_box(world) {
        return out;
    }
    let c0 = frame.clip_from_world * vec4<f32>(world, 1.0);
    if c0.w <= 1e-6 {
        return out;
    }
    let lift = world_per_pixel(c0.w) * 0.5 * draw.head_px + frame.trail_style.w;
    let c = frame.clip_from_world * vec4<f32>(world + towards_eye(world) * lift, 1.0);
    if c.w <= 1e-6 {
        return out;
    }
    // The unlifted point's place on the screen, the lifted depth.
    out.clip = vec4<f32>(c0.xy / c0.w * c.w, c.z, c.w);
    var color = mix_color(i);
    if h.status == STATUS_DIVERGED {
        // Diverged heads are marked red, as their crosses are among lines.
        color = vec3<f32>(1.0, 0.0, 0.0);
    }
    out.value = vec4<f32>(color * draw.weight, draw.weight);
    return out;
}

@fragment
fn fs_density(in: AccumOut) -> @location(0) vec4<f32> {
    return in.value;
}
