// Evaluates the surface on an N x M grid over the domain: position (x, y, f) and gradient,
// from which the renderer derives normals for whatever height scale it draws with.
// Prepended by the host: the generated surface and common.wgsl.

// Twin of `gpu_data::MeshParams`.
struct MeshParams {
    min: vec2<f32>,
    max: vec2<f32>,
    cols: u32,
    rows: u32,
    _pad: vec2<u32>,
}

// Twin of `gpu_data::MeshVertex`: w of `position` is 1 where f is finite, 0 at a pole.
struct MeshVertex {
    position: vec4<f32>,
    gradient: vec4<f32>,
}

@group(0) @binding(0) var<uniform> params: MeshParams;
@group(0) @binding(1) var<storage, read_write> vertices: array<MeshVertex>;

@compute @workgroup_size(8, 8)
fn evaluate_mesh(@builtin(global_invocation_id) gid: vec3<u32>) {
    if gid.x >= params.cols || gid.y >= params.rows {
        return;
    }
    let t = vec2<f32>(gid.xy) / vec2<f32>(vec2<u32>(max(params.cols, 2u) - 1u, max(params.rows, 2u) - 1u));
    let p = mix(params.min, params.max, t);
    let z = surface_f(p);
    let g = surface_grad(p);
    let ok = is_finite_f32(z) && is_finite_vec2(g);
    var v: MeshVertex;
    v.position = vec4<f32>(p, select(0.0, z, ok), select(0.0, 1.0, ok));
    v.gradient = vec4<f32>(select(vec2<f32>(0.0), g, ok), 0.0, 0.0);
    vertices[gid.y * params.cols + gid.x] = v;
}
