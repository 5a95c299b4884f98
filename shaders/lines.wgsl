// Lines: particle trails and the axes' world-space segments, expanded to screen-space quads
// in the vertex shader (an indexed quad per segment, see `quad_of`, no vertex buffer), plus
// the flat-coloured panes of the axes. Prepended by the host: the generated surface,
// common.wgsl, render.wgsl, particles.wgsl.
//
// Trails: quad = segment k of particle i (quad = k * n + i; for few opaque trails
// i = n - 1 - quad / segments, k = quad % segments, see vs_trail); the visible polyline of
// particle i is records first..head and then the interpolated head. Each segment is clipped to
// the plot box, moved towards the eye by a small world distance (so a path lying on the
// surface wins the depth test against it, while a hill in front still hides it), projected,
// and widened by half the width plus one pixel of anti-aliasing margin. Joins are mitred from
// the neighbouring points, so consecutive quads share their corners exactly (no gaps, no
// overlaps, so faded trails have no beads); a turn sharper than 120 degrees falls back to
// square caps that overlap a little. Coverage comes from the distance to the centre line.

// Twin of `render::gpu_data::LineSegment`.
struct Segment {
    // xyz world start, w width px.
    a: vec4<f32>,
    // xyz world end, w: 1 to extend both ends by half the width.
    b: vec4<f32>,
    color: vec4<f32>,
}

@group(1) @binding(3) var<storage, read> segments: array<Segment>;

// The light halo around few-particle trails: its width (px at ui scale 1) and opacity.
const HALO_PX: f32 = 1.0;
const HALO_ALPHA: f32 = 0.7;

struct LineOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) color: vec4<f32>,
    // Signed distance from the centre line (px), half width (px), dark casing width (px).
    @location(1) across: vec3<f32>,
    // Width (px) of a light halo outside the line, which keeps a blue path readable on a blue
    // surface; 0 for axes and for swarms (whose translucent trails would turn milky).
    @location(2) halo: f32,
}

// A point of particle i's visible polyline: k = 0 is the first visible record, then every
// `stride`-th record up to the head record, and k = segments is the interpolated head.
fn polyline_point(k: u32, i: u32) -> vec3<f32> {
    if k >= frame.records.w {
        return head_of(i).pos;
    }
    let record = min(frame.records.x + k * frame.mesh.z, frame.records.y);
    let p = trail_record(record, i);
    return vec3<f32>(p.pos, p.loss);
}

struct Projected {
    px: vec2<f32>,
    clip: vec4<f32>,
    ok: bool,
}

fn project_lifted(world: vec3<f32>, lift: f32) -> Projected {
    let w = world + towards_eye(world) * lift;
    let c = frame.clip_from_world * vec4<f32>(w, 1.0);
    if c.w <= 1e-6 {
        return Projected(vec2<f32>(0.0), c, false);
    }
    return Projected(pixels_from_clip(c), c, true);
}

// A segment's ends in pixels and its unit direction there; not ok when an end is behind the
// eye or the segment is shorter than a thousandth of a pixel (nothing to draw).
struct ScreenSegment {
    a: Projected,
    b: Projected,
    d: vec2<f32>,
    ok: bool,
}

fn screen_segment(a: vec3<f32>, b: vec3<f32>, lift: f32) -> ScreenSegment {
    let pa = project_lifted(a, lift);
    let pb = project_lifted(b, lift);
    let ab = pb.px - pa.px;
    let len = length(ab);
    if !(pa.ok && pb.ok) || len < 1e-3 {
        return ScreenSegment(pa, pb, vec2<f32>(0.0), false);
    }
    return ScreenSegment(pa, pb, ab / len, true);
}

// Where corner `side` of segment end `e` goes: `d` is the segment direction (px, unit), `dn`
// the direction of the neighbouring segment at that end (towards the end for the start,
// away from it for the end), `has` whether there is one; `sign` is -1 at the start, +1 at
// the end. Returns the pixel offset from the end point.
fn join_offset(d: vec2<f32>, dn: vec2<f32>, has: bool, sign: f32, side: f32, outer: f32, cap: f32) -> vec2<f32> {
    let n = vec2<f32>(-d.y, d.x);
    if has {
        let s = dn + d;
        if dot(s, s) > 1e-6 {
            let t = normalize(s);
            let m = vec2<f32>(-t.y, t.x);
            let c = dot(m, n);
            if c > 0.5 {
                return m * (side * outer / c);
            }
        }
        return n * (side * outer) + d * (sign * outer);
    }
    return n * (side * outer) + d * (sign * cap);
}

@vertex
fn vs_trail(@builtin(vertex_index) vertex: u32) -> LineOut {
    let instance = quad_of(vertex);
    let v = quad_corner(vertex);
    var out: LineOut;
    out.clip = CULLED;
    out.color = vec4<f32>(0.0);
    out.across = vec3<f32>(0.0);
    let n = chunk.count;
    let segs = frame.records.w;
    var i = instance % n;
    var k = instance / n;
    if frame.head_style.w >= 0.999 && segs > 0u {
        // Few opaque trails: one whole path after another, the last particle's first, so the
        // first optimizer's path lies on top where paths coincide (on an isotropic bowl every
        // non-adaptive optimizer takes the same line). Swarms keep the interleaved order their
        // translucent blend was tuned with.
        i = n - 1u - instance / segs;
        k = instance % segs;
    }
    if k >= segs {
        return out;
    }
    let a0 = world_from_data(polyline_point(k, i));
    let b0 = world_from_data(polyline_point(k + 1u, i));
    let range = clip_segment(a0, b0);
    if range.x > range.y {
        return out;
    }
    let a = mix(a0, b0, range.x);
    let b = mix(a0, b0, range.y);
    let lift = frame.trail_style.w;
    let seg = screen_segment(a, b, lift);
    if !seg.ok {
        return out;
    }
    let pa = seg.a;
    let pb = seg.b;
    let d = seg.d;

    // The neighbour at this vertex's end, for the join (only where the box did not cut the
    // segment there): the previous point at the start, the next one at the end.
    let at_end = v >= 2u;
    var has_neighbour = false;
    var d_neighbour = vec2<f32>(0.0);
    let wants = select(k > 0u && range.x <= 0.0, k + 1u < segs && range.y >= 1.0, at_end);
    if wants {
        let q = world_from_data(polyline_point(select(k - 1u, k + 2u, at_end), i));
        let pq = project_lifted(q, lift);
        let e = select(pa.px - pq.px, pq.px - pb.px, at_end);
        if pq.ok && inside_clip_box(q) && dot(e, e) > 1e-6 {
            has_neighbour = true;
            d_neighbour = normalize(e);
        }
    }

    let half = 0.5 * frame.trail_style.x;
    let halo = select(0.0, HALO_PX * frame.head_style.z, frame.head_style.w >= 0.999);
    let outer = half + 1.0 + halo;
    let side = select(-1.0, 1.0, (v & 1u) == 1u);
    var px: vec2<f32>;
    var clip: vec4<f32>;
    if at_end {
        px = pb.px + join_offset(d, d_neighbour, has_neighbour, 1.0, side, outer, half);
        clip = pb.clip;
    } else {
        px = pa.px + join_offset(d, d_neighbour, has_neighbour, -1.0, side, outer, half);
        clip = pa.clip;
    }
    out.clip = clip_from_pixels(px, clip);

    var color = particle_color(i);
    color.a *= frame.head_style.w;
    if frame.trail_style.y > 0.5 {
        // Older points fade: opaque at the head, 12% at the oldest visible record.
        let kk = f32(k + select(0u, 1u, at_end));
        color.a *= mix(0.12, 1.0, clamp(kk / max(f32(segs), 1.0), 0.0, 1.0));
    }
    out.color = color;
    out.across = vec3<f32>(side * outer, half, min(0.8, 0.3 * half));
    out.halo = halo;
    return out;
}

@vertex
fn vs_segment(@builtin(vertex_index) vertex: u32) -> LineOut {
    let instance = quad_of(vertex);
    let v = quad_corner(vertex);
    var out: LineOut;
    out.clip = CULLED;
    out.color = vec4<f32>(0.0);
    out.across = vec3<f32>(0.0);
    let s = segments[instance];
    let seg = screen_segment(s.a.xyz, s.b.xyz, 0.0);
    if !seg.ok {
        return out;
    }
    let pa = seg.a;
    let pb = seg.b;
    let d = seg.d;
    let half = 0.5 * s.a.w;
    let outer = half + 1.0;
    let cap = select(0.0, half, s.b.w > 0.5);
    let side = select(-1.0, 1.0, (v & 1u) == 1u);
    var px: vec2<f32>;
    var clip: vec4<f32>;
    if v >= 2u {
        px = pb.px + join_offset(d, d, false, 1.0, side, outer, cap);
        clip = pb.clip;
    } else {
        px = pa.px + join_offset(d, d, false, -1.0, side, outer, cap);
        clip = pa.clip;
    }
    out.clip = clip_from_pixels(px, clip);
    out.color = s.color;
    out.across = vec3<f32>(side * outer, half, 0.0);
    return out;
}

@fragment
fn fs_line(in: LineOut) -> @location(0) vec4<f32> {
    let dist = abs(in.across.x);
    let half = in.across.y;
    // Thin lines keep their weight: below a pixel, coverage fades instead of the width.
    let width = max(half, 0.5);
    let coverage = clamp(width + 0.5 - dist, 0.0, 1.0) * min(half / width, 1.0);
    let core = clamp(width - in.across.z + 0.5 - dist, 0.0, 1.0);
    let rgb = mix(in.color.rgb * 0.3, in.color.rgb, core);
    let a = in.color.a * coverage;
    if a <= 0.0 {
        discard;
    }
    return vec4<f32>(rgb, a);
}

// The halo under a trail, drawn for every trail before any trail's line, so a halo never
// covers a line (a zig-zag's later segments would otherwise whiten its earlier ones).
@fragment
fn fs_halo(in: LineOut) -> @location(0) vec4<f32> {
    let width = max(in.across.y, 0.5);
    let a = HALO_ALPHA * clamp(width + 0.5 + in.halo - abs(in.across.x), 0.0, 1.0) * in.color.a;
    if in.halo <= 0.0 || a <= 0.0 {
        discard;
    }
    return vec4<f32>(1.0, 1.0, 1.0, a);
}

// Flat-coloured triangles (the panes).
struct FillIn {
    @location(0) position: vec4<f32>,
    @location(1) color: vec4<f32>,
}

struct FillOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) color: vec4<f32>,
}

@vertex
fn vs_fill(in: FillIn) -> FillOut {
    return FillOut(frame.clip_from_world * vec4<f32>(in.position.xyz, 1.0), in.color);
}

@fragment
fn fs_fill(in: FillOut) -> @location(0) vec4<f32> {
    return in.color;
}
