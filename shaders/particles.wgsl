// Particle heads and trail records for the trail, head and density pipelines (group 1).
// Prepended by the host: the generated surface, common.wgsl, render.wgsl.
//
// The simulation's particles come in chunks (see src/gpu/sim.rs); one draw covers one chunk,
// and particle indices `i` here are chunk-local. The trail is a ring: record r of the chunk's
// particle i lives in slot (r % capacity) * chunk.count + i, one record every `record_every`
// global steps. The frame says which records are visible (first..head) and where the head is:
// between record `head` and the next record in the ring (source 0), or between record `head`
// and the particle's current state (source 1), by `mix` in 0..1; with no trail (source 2) the
// head is the particle itself.

// Twin of `render::gpu_data::ChunkUniform`.
struct Chunk {
    first: u32,
    count: u32,
    color_base: u32,
    color_stride: u32,
}

@group(1) @binding(0) var<storage, read> particles: array<Particle>;
@group(1) @binding(1) var<storage, read> trail: array<TrailPoint>;
// Packed sRGB bytes, one per particle or per optimizer group (see `chunk.color_stride`).
@group(1) @binding(2) var<storage, read> colors: array<u32>;
// Storage, not uniform, as `frame` is (render.wgsl): rebound for every chunk or draw.
@group(1) @binding(3) var<storage, read> chunk: Chunk;

fn trail_record(record: u32, i: u32) -> TrailPoint {
    let slot = record % max(frame.trail.z, 1u);
    return trail[slot * chunk.count + i];
}

fn srgb_to_linear(c: vec3<f32>) -> vec3<f32> {
    return select(pow((c + 0.055) / 1.055, vec3<f32>(2.4)), c / 12.92, c <= vec3<f32>(0.04045));
}

// Linear RGBA of the chunk's particle i.
fn particle_color(i: u32) -> vec4<f32> {
    let k = (chunk.first + i) / max(chunk.color_stride, 1u) - chunk.color_base;
    let c = unpack4x8unorm(colors[min(k, arrayLength(&colors) - 1u)]);
    return vec4<f32>(srgb_to_linear(c.rgb), c.a);
}

struct Head {
    // Data-space (x, y, loss).
    pos: vec3<f32>,
    status: u32,
}

// Loss at an interpolated position: the surface itself where finite (a head gliding between
// steps stays on the surface), else the straight line between the two records.
fn loss_between(p: vec2<f32>, fallback: f32) -> f32 {
    let f = surface_f(p);
    return select(fallback, f, is_finite_f32(f));
}

fn head_of(i: u32) -> Head {
    let source = frame.records.z;
    let t = frame.trail_style.z;
    if source == 2u {
        let p = particles[i];
        return Head(vec3<f32>(p.pos, p.loss), p.status);
    }
    let a = trail_record(frame.records.y, i);
    var b_pos: vec2<f32>;
    var b_loss: f32;
    var b_status: u32;
    if source == 0u {
        let b = trail_record(frame.records.y + 1u, i);
        b_pos = b.pos;
        b_loss = b.loss;
        b_status = b.status;
    } else {
        let p = particles[i];
        b_pos = p.pos;
        b_loss = p.loss;
        b_status = p.status;
    }
    if t <= 0.0 {
        return Head(vec3<f32>(a.pos, a.loss), a.status);
    }
    if t >= 1.0 {
        return Head(vec3<f32>(b_pos, b_loss), b_status);
    }
    let pos = mix(a.pos, b_pos, t);
    if all(pos == a.pos) {
        return Head(vec3<f32>(a.pos, a.loss), a.status);
    }
    return Head(vec3<f32>(pos, loss_between(pos, mix(a.loss, b_loss, t))), a.status);
}
