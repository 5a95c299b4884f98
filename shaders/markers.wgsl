// Markers: camera-facing billboards (an indexed quad each, see render.wgsl's `quad_of`) shaded by a signed
// distance function of their shape, in pixels: anti-aliased edges and an outline band of
// `outline_px` inside the edge. Static markers (start points, known minima) come from an
// instance buffer; particle heads are read from the simulation's buffers directly.
// Prepended by the host: the generated surface, common.wgsl, render.wgsl, particles.wgsl.
//
// Depth: the centre is moved towards the eye by the marker's radius (in world units at its
// depth) plus the trail's lift, so a marker sitting on a slope is not cut in half by the
// surface, while one behind a hill stays hidden.

// Twin of `render::gpu_data::MarkerInstance`.
struct Marker {
    position: vec3<f32>,
    size_px: f32,
    fill: vec4<f32>,
    outline: vec4<f32>,
    shape: u32,
    outline_px: f32,
    _pad: vec2<f32>,
}

@group(1) @binding(4) var<storage, read> markers: array<Marker>;

// Shape codes: `style::MarkerShape` order, then the ring of a converged head.
const SHAPE_SQUARE: u32 = 0u;
const SHAPE_CIRCLE: u32 = 1u;
const SHAPE_TRIANGLE: u32 = 2u;
const SHAPE_DIAMOND: u32 = 3u;
const SHAPE_CROSS: u32 = 4u;
const SHAPE_STAR: u32 = 5u;
const SHAPE_RING: u32 = 6u;

struct MarkerOut {
    @builtin(position) clip: vec4<f32>,
    // Offset from the centre in pixels (y up).
    @location(0) local: vec2<f32>,
    @location(1) fill: vec4<f32>,
    @location(2) outline: vec4<f32>,
    // Radius px, outline px.
    @location(3) size: vec2<f32>,
    @location(4) @interpolate(flat) shape: u32,
}

fn billboard(v: u32, data: vec3<f32>, m: Marker) -> MarkerOut {
    var out: MarkerOut;
    out.clip = CULLED;
    out.local = vec2<f32>(0.0);
    out.fill = m.fill;
    out.outline = m.outline;
    out.size = vec2<f32>(0.5 * m.size_px, m.outline_px);
    out.shape = m.shape;
    let world = world_from_data(data);
    if m.size_px <= 0.0 || !inside_clip_box(world) {
        return out;
    }
    let c0 = frame.clip_from_world * vec4<f32>(world, 1.0);
    if c0.w <= 1e-6 {
        return out;
    }
    let r = 0.5 * m.size_px;
    let lift = world_per_pixel(c0.w) * r + frame.trail_style.w;
    let c = frame.clip_from_world * vec4<f32>(world + towards_eye(world) * lift, 1.0);
    if c.w <= 1e-6 {
        return out;
    }
    let corner = vec2<f32>(select(-1.0, 1.0, (v & 1u) == 1u), select(-1.0, 1.0, v >= 2u));
    let local = corner * (r + 1.0);
    // Keep the unlifted point's screen position; take the lifted depth.
    let px = pixels_from_clip(c0) + local;
    let lifted = clip_from_pixels(px, c);
    out.clip = vec4<f32>(lifted.xy / c.w * c0.w, c.z / c.w * c0.w, c0.w);
    out.local = local;
    return out;
}

@vertex
fn vs_static(@builtin(vertex_index) vertex: u32) -> MarkerOut {
    let m = markers[quad_of(vertex)];
    return billboard(quad_corner(vertex), m.position, m);
}

@vertex
fn vs_head(@builtin(vertex_index) vertex: u32) -> MarkerOut {
    let instance = quad_of(vertex);
    let v = quad_corner(vertex);
    // Few particles: the first on top, as their trails are (see lines.wgsl's vs_trail).
    let n = chunk.count;
    let i = select(instance, n - 1u - instance, frame.head_style.w >= 0.999 && instance < n);
    let h = head_of(i);
    var m: Marker;
    m.position = h.pos;
    m.size_px = frame.head_style.x;
    m.outline_px = frame.head_style.y;
    m.outline = vec4<f32>(0.02, 0.02, 0.02, 1.0);
    m.fill = particle_color(i);
    m.shape = SHAPE_CIRCLE;
    // A ring's band and a cross's arms are thin: their dark edge must leave room for the
    // colour (a full outline would fill them, and rings and crosses would show black).
    if h.status == STATUS_CONVERGED {
        m.shape = SHAPE_RING;
        m.outline_px = min(m.outline_px, 0.06 * m.size_px);
    } else if h.status == STATUS_DIVERGED {
        m.shape = SHAPE_CROSS;
        m.fill = vec4<f32>(1.0, 0.0, 0.0, 1.0);
        m.outline_px = min(m.outline_px, 0.06 * m.size_px);
    }
    return billboard(v, h.pos, m);
}

fn sd_box(p: vec2<f32>, b: vec2<f32>) -> f32 {
    let d = abs(p) - b;
    return length(max(d, vec2<f32>(0.0))) + min(max(d.x, d.y), 0.0);
}

// Equilateral triangle pointing up, half side `r`, centred on its centroid.
fn sd_triangle(p_in: vec2<f32>, r: f32) -> f32 {
    let k = sqrt(3.0);
    var p = vec2<f32>(abs(p_in.x) - r, p_in.y + r / k);
    if p.x + k * p.y > 0.0 {
        p = vec2<f32>(p.x - k * p.y, -k * p.x - p.y) / 2.0;
    }
    p.x -= clamp(p.x, -2.0 * r, 0.0);
    return -length(p) * sign(p.y);
}

// Five-pointed star pointing up, outer radius r, inner radius ratio rf.
fn sd_star5(p_in: vec2<f32>, r: f32, rf: f32) -> f32 {
    let k1 = vec2<f32>(0.809016994375, -0.587785252292);
    let k2 = vec2<f32>(-k1.x, k1.y);
    var p = vec2<f32>(abs(p_in.x), p_in.y);
    p -= 2.0 * max(dot(k1, p), 0.0) * k1;
    p -= 2.0 * max(dot(k2, p), 0.0) * k2;
    p.x = abs(p.x);
    p.y -= r;
    let ba = rf * vec2<f32>(-k1.y, k1.x) - vec2<f32>(0.0, 1.0);
    let h = clamp(dot(p, ba) / dot(ba, ba), 0.0, r);
    return length(p - ba * h) * sign(p.y * ba.x - p.x * ba.y);
}

fn marker_sdf(shape: u32, p: vec2<f32>, r: f32) -> f32 {
    switch shape {
        case SHAPE_SQUARE: {
            return sd_box(p, vec2<f32>(0.82 * r));
        }
        case SHAPE_TRIANGLE: {
            return sd_triangle(p, 1.02 * r);
        }
        case SHAPE_DIAMOND: {
            return (abs(p.x) + abs(p.y) - 1.12 * r) * 0.70710678;
        }
        case SHAPE_CROSS: {
            let q = vec2<f32>(p.x + p.y, p.y - p.x) * 0.70710678;
            let t = 0.34 * r;
            return min(sd_box(q, vec2<f32>(r, t)), sd_box(q, vec2<f32>(t, r)));
        }
        case SHAPE_STAR: {
            return sd_star5(p, 1.15 * r, 0.48);
        }
        case SHAPE_RING: {
            return abs(length(p) - 0.68 * r) - 0.32 * r;
        }
        default: {
            return length(p) - r;
        }
    }
}

@fragment
fn fs_marker(in: MarkerOut) -> @location(0) vec4<f32> {
    let d = marker_sdf(in.shape, in.local, in.size.x);
    let coverage = clamp(0.5 - d, 0.0, 1.0);
    if coverage <= 0.0 {
        discard;
    }
    let inner = clamp(0.5 - (d + in.size.y), 0.0, 1.0);
    let color = mix(in.outline, in.fill, inner);
    return vec4<f32>(color.rgb, color.a * coverage);
}
