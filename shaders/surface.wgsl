// The surface: the N x M mesh evaluated by mesh.wgsl, read by index from its storage buffer
// (6 vertices per cell, no vertex buffer), lit and coloured by height with a colormap LUT.
// Prepended by the host: common.wgsl, render.wgsl.
//
// - A cell with any invalid corner (w = 0: a pole) is dropped, so poles leave holes rather
//   than spikes across the screen; loss outside the box's range is clipped per fragment.
// - Normals come from the gradient with the box's scaling: the surface in world space is
//   z = sz * f(x / sx, y / sy), so n ~ (-fx * sz / sx, -fy * sz / sy, 1). Both sides are lit.
// - Grid lines (matplotlib's `edgecolors='k'`) and contour lines (isolines of loss) are drawn
//   in the fragment shader from the grid coordinate and the loss, anti-aliased with fwidth,
//   and fade out where they would crowd closer than a few pixels.

// Twin of `gpu::gpu_data::MeshVertex` (mesh.wgsl).
struct MeshVertex {
    position: vec4<f32>,
    gradient: vec4<f32>,
}

@group(1) @binding(0) var<storage, read> mesh: array<MeshVertex>;
@group(1) @binding(1) var colormap: texture_2d<f32>;
@group(1) @binding(2) var colormap_sampler: sampler;

struct SurfaceOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    // Loss (data units).
    @location(1) loss: f32,
    // df/dx, df/dy (data units).
    @location(2) gradient: vec2<f32>,
    // Grid coordinate in cells.
    @location(3) cell: vec2<f32>,
}

fn mesh_at(x: u32, y: u32) -> MeshVertex {
    return mesh[y * frame.mesh.x + x];
}

@vertex
fn vs_surface(@builtin(vertex_index) v: u32) -> SurfaceOut {
    var out: SurfaceOut;
    out.clip = CULLED;
    out.world = vec3<f32>(0.0);
    out.loss = 0.0;
    out.gradient = vec2<f32>(0.0);
    out.cell = vec2<f32>(0.0);
    let cells_x = frame.mesh.x - 1u;
    let cell = v / 6u;
    let cx = cell % cells_x;
    let cy = cell / cells_x;
    if cy + 1u >= frame.mesh.y {
        return out;
    }
    // Two triangles sharing the diagonal (0,0)-(1,1).
    var corners = array<vec2<u32>, 6>(
        vec2<u32>(0u, 0u), vec2<u32>(1u, 0u), vec2<u32>(1u, 1u),
        vec2<u32>(0u, 0u), vec2<u32>(1u, 1u), vec2<u32>(0u, 1u),
    );
    let valid = mesh_at(cx, cy).position.w * mesh_at(cx + 1u, cy).position.w
        * mesh_at(cx, cy + 1u).position.w * mesh_at(cx + 1u, cy + 1u).position.w;
    if valid < 0.5 {
        return out;
    }
    let c = corners[v % 6u];
    let m = mesh_at(cx + c.x, cy + c.y);
    // Far outside the box the height only needs to stay finite and monotone: clamp it so
    // interpolation across a cell near a pole stays well conditioned.
    let span = frame.surface.y - frame.surface.x;
    let loss = clamp(m.position.z, frame.surface.x - 8.0 * span, frame.surface.y + 8.0 * span);
    let world = world_from_data(vec3<f32>(m.position.xy, loss));
    out.clip = frame.clip_from_world * vec4<f32>(world, 1.0);
    out.world = world;
    out.loss = loss;
    out.gradient = m.gradient.xy;
    out.cell = vec2<f32>(f32(cx + c.x), f32(cy + c.y));
    return out;
}

// Coverage of lines at integer values of `u`, `width` pixels wide, anti-aliased; fades out
// where lines come closer than ~3 pixels (fw: fwidth of u, lines per pixel).
fn line_coverage(u: f32, fw: f32, width: f32) -> f32 {
    let f = max(fw, 1e-6);
    let d = abs(fract(u - 0.5) - 0.5) / f;
    let c = clamp(0.5 * width + 0.5 - d, 0.0, 1.0) * min(width, 1.0);
    return c * clamp(1.5 - 3.0 * f, 0.0, 1.0);
}

// The value colours and contours follow: the loss, or on the log scale
// log10(loss - min + eps) (contour spacing then in decades).
fn color_value(loss: f32) -> f32 {
    if frame.surface_scale.x > 0.5 {
        return log(max(loss - frame.surface.x, 0.0) + frame.surface_scale.y) * 0.4342944819;
    }
    return loss;
}

@fragment
fn fs_surface(in: SurfaceOut) -> @location(0) vec4<f32> {
    // Derivatives first, in uniform control flow, and of varyings alone (see `frame` in
    // render.wgsl); the contour value's by finite difference, as fwidth would take it.
    let cells_per_line = max(frame.surface.w, 1.0);
    let grid_u = in.cell / cells_per_line;
    let fw_grid = fwidth(in.cell) / cells_per_line;
    let dx = dpdx(in.loss);
    let dy = dpdy(in.loss);
    let value = color_value(in.loss);
    let spacing = max(frame.surface.z, 1e-30);
    let contour_u = value / spacing;
    let fw_contour = (abs(color_value(in.loss + dx) - value) + abs(color_value(in.loss + dy) - value)) / spacing;

    let lo = frame.surface.x;
    let hi = frame.surface.y;
    let margin = 1e-4 * (hi - lo);
    if in.loss < lo - margin || in.loss > hi + margin {
        discard;
    }
    var t = clamp((in.loss - lo) / (hi - lo), 0.0, 1.0);
    if frame.surface_scale.x > 0.5 {
        let bottom = frame.surface_scale.z;
        t = clamp((value - bottom) / max(frame.surface_scale.w - bottom, 1e-6), 0.0, 1.0);
    }
    var base = textureSampleLevel(colormap, colormap_sampler, vec2<f32>(t, 0.5), 0.0).rgb;
    // Under a density layer the colormap steps back to a light grey relief, so the
    // optimizers' hues are the only colours in the picture.
    let mute = frame.surface_style.w;
    if mute > 0.0 {
        let luma = dot(base, vec3<f32>(0.2126, 0.7152, 0.0722));
        base = mix(base, vec3<f32>(0.5 + 0.35 * luma), mute);
    }

    let s = frame.world_from_data_scale.xyz;
    var n = normalize(vec3<f32>(-in.gradient.x * s.z / s.x, -in.gradient.y * s.z / s.y, 1.0));
    let view = towards_eye(in.world);
    if dot(n, view) < 0.0 {
        n = -n;
    }
    let l = frame.light.xyz;
    let diffuse = max(dot(n, l), 0.0);
    let h = normalize(l + view);
    let specular = frame.light.w * pow(max(dot(n, h), 0.0), 48.0);
    var rgb = base * (0.58 + 0.47 * diffuse) + vec3<f32>(specular);

    let width = frame.surface_style.z;
    if frame.surface_style.x > 0.0 {
        let g = max(line_coverage(grid_u.x, fw_grid.x, width), line_coverage(grid_u.y, fw_grid.y, width));
        rgb = mix(rgb, vec3<f32>(0.0), g * frame.surface_style.x);
    }
    if frame.surface_style.y > 0.0 && frame.surface.z > 0.0 {
        let c = line_coverage(contour_u, fw_contour, width * 1.25);
        rgb = mix(rgb, rgb * 0.18, c * frame.surface_style.y);
    }
    return vec4<f32>(rgb, 1.0);
}

// The surface's depth alone, for the density layer's own depth buffer: the same fragments as
// fs_surface (its colour target is not written).
@fragment
fn fs_surface_depth(in: SurfaceOut) -> @location(0) vec4<f32> {
    let margin = 1e-4 * (frame.surface.y - frame.surface.x);
    if in.loss < frame.surface.x - margin || in.loss > frame.surface.y + margin {
        discard;
    }
    return vec4<f32>(0.0);
}
