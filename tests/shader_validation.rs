//! naga validates every shader as the program assembles it, for every built-in surface and a
//! set of expressions, so a broken shader fails CI rather than a user; and every Pod twin has
//! the size naga computes for its WGSL struct.

use descent::gpu::gpu_data::{MeshParams, MeshVertex, Particle, SimParams, TrailPoint};
use descent::optim::GpuOptimizer;
use descent::render::gpu_data::{
    ChunkUniform, DensityDraw, DensityLook, FillVertex, FrameUniform, LineSegment, MarkerInstance,
};
use descent::shaders;
use descent::surfaces::{BUILT_INS, Surface};

fn validate(name: &str, source: &str) -> naga::Module {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{name} does not parse:\n{}", e.emit_to_string(source)));
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::all(),
    )
    .validate(&module)
    .unwrap_or_else(|e| panic!("{name} does not validate:\n{}", e.emit_to_string(source)));
    module
}

fn all_sources(surface: &Surface) -> Vec<(String, String)> {
    let wgsl = surface.wgsl();
    vec![
        (
            format!("sim.wgsl for {}", surface.name),
            shaders::sim_source(&wgsl),
        ),
        (
            format!("mesh.wgsl for {}", surface.name),
            shaders::mesh_source(&wgsl),
        ),
        (
            format!("lines.wgsl for {}", surface.name),
            shaders::lines_source(&wgsl),
        ),
        (
            format!("markers.wgsl for {}", surface.name),
            shaders::markers_source(&wgsl),
        ),
        (
            format!("density.wgsl for {}", surface.name),
            shaders::density_source(&wgsl),
        ),
    ]
}

#[test]
fn the_surface_render_shader_validates() {
    validate("surface.wgsl", &shaders::surface_source());
}

#[test]
fn the_window_blit_validates() {
    validate("blit.wgsl", shaders::BLIT);
}

#[test]
fn the_density_statistics_and_tone_map_validate() {
    validate("density_stats.wgsl", &shaders::density_stats_source());
    validate("tonemap.wgsl", &shaders::tonemap_source());
    let stats = validate("trail_stats.wgsl", &shaders::trail_stats_source());
    assert_eq!(
        wgsl_size(&stats, "StatsParams") as usize,
        size_of::<descent::gpu::stats::StatsParams>()
    );
}

#[test]
fn shaders_validate_for_every_built_in_surface() {
    for b in BUILT_INS {
        for (name, source) in all_sources(&Surface::from_built_in(b)) {
            validate(&name, &source);
        }
    }
}

/// A tabulated surface (a model's loss slice) has no WGSL heights: every shader still
/// validates with its NaN-returning stand-in.
#[test]
fn shaders_validate_for_a_tabulated_surface() {
    let table = descent::surfaces::HeightTable {
        cols: 2,
        rows: 2,
        values: vec![0.0, 1.0, 2.0, 3.0],
    };
    let surface = Surface::tabulated("slice", descent::surfaces::DEFAULT_DOMAIN, table);
    for (name, source) in all_sources(&surface) {
        validate(&name, &source);
    }
}

#[test]
fn shaders_validate_for_expressions() {
    for expr in [
        "x",
        "1e-8*x + .5*y",
        "sin(x) + cos(y) + tan(x/4)",
        "asin(x/3) + acos(y/3) + atan(x*y)",
        "sinh(x/3) + cosh(y/3) + tanh(x*y)",
        "exp(-x^2 - y^2) + log(1 + x^2) + sqrt(1 + y^2)",
        "abs(x) + min(x, y) + max(x^2, y) + pow(1 + x^2, 1.5)",
        "x^-2 + 2^3^2 + -x^2",
        "x**3 - 3*x*y**2",
        "1/x + 1/y",
        "1e30*1e30*x",
    ] {
        let surface = Surface::from_name_or_expr(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        for (name, source) in all_sources(&surface) {
            validate(&name, &source);
        }
    }
}

/// A surface with named parameters: `surface_p` holds its values, which sim.wgsl overwrites
/// per group.
#[test]
fn shaders_validate_for_a_surface_with_parameters() {
    use descent::expr::SurfaceParam;
    let params = ["ripple", "wavelength", "k"].map(|name| SurfaceParam {
        name: name.into(),
        value: 0.5,
    });
    let surface =
        Surface::from_name_or_expr_with("x^2 + ripple*cos(2*pi*x/wavelength) + k*y^k", params.to_vec())
            .unwrap();
    let wgsl = surface.wgsl();
    assert!(
        wgsl.contains("surface_p[0]") && wgsl.contains("const SURFACE_PARAMS: u32 = 3u;"),
        "{wgsl}"
    );
    for (name, source) in all_sources(&surface) {
        validate(&name, &source);
    }
}

#[test]
fn every_shader_file_is_used_and_valid_in_context() {
    let surface = Surface::from_name_or_expr("saddle").unwrap();
    let joined = [
        shaders::sim_source(&surface.wgsl()),
        shaders::mesh_source(&surface.wgsl()),
        shaders::surface_source(),
        shaders::lines_source(&surface.wgsl()),
        shaders::markers_source(&surface.wgsl()),
        shaders::density_source(&surface.wgsl()),
        shaders::density_stats_source(),
        shaders::tonemap_source(),
        shaders::trail_stats_source(),
        shaders::BLIT.to_string(),
        descent::gpu::model_sim::model_source(&model_problem("mlp:2-4-1", "bce")),
    ]
    .concat();
    for (file, text) in shaders::FILES {
        assert!(joined.contains(text), "{file} is not part of any pipeline");
    }
}

fn wgsl_size(module: &naga::Module, name: &str) -> u32 {
    let mut layouter = naga::proc::Layouter::default();
    layouter.update(module.to_ctx()).expect("layout");
    let (handle, _) = module
        .types
        .iter()
        .find(|(_, t)| t.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no struct {name}"));
    layouter[handle].size
}

#[test]
fn pod_twins_match_the_wgsl_layouts() {
    let surface = Surface::from_name_or_expr("saddle").unwrap();
    let sim = validate("sim", &shaders::sim_source(&surface.wgsl()));
    let mesh = validate("mesh", &shaders::mesh_source(&surface.wgsl()));
    assert_eq!(wgsl_size(&sim, "Particle") as usize, size_of::<Particle>());
    assert_eq!(wgsl_size(&sim, "TrailPoint") as usize, size_of::<TrailPoint>());
    assert_eq!(wgsl_size(&sim, "SimParams") as usize, size_of::<SimParams>());
    assert_eq!(wgsl_size(&sim, "Optimizer") as usize, size_of::<GpuOptimizer>());
    assert_eq!(wgsl_size(&mesh, "MeshParams") as usize, size_of::<MeshParams>());
    assert_eq!(wgsl_size(&mesh, "MeshVertex") as usize, size_of::<MeshVertex>());
    let surface_module = validate("surface", &shaders::surface_source());
    let lines = validate("lines", &shaders::lines_source(&surface.wgsl()));
    let markers = validate("markers", &shaders::markers_source(&surface.wgsl()));
    for module in [&surface_module, &lines, &markers] {
        assert_eq!(wgsl_size(module, "Frame") as usize, size_of::<FrameUniform>());
    }
    assert_eq!(
        wgsl_size(&surface_module, "MeshVertex") as usize,
        size_of::<MeshVertex>()
    );
    assert_eq!(wgsl_size(&lines, "Segment") as usize, size_of::<LineSegment>());
    assert_eq!(wgsl_size(&lines, "FillIn") as usize, size_of::<FillVertex>());
    assert_eq!(
        wgsl_size(&markers, "Marker") as usize,
        size_of::<MarkerInstance>()
    );
    let density = validate("density", &shaders::density_source(&surface.wgsl()));
    for module in [&lines, &markers, &density] {
        assert_eq!(wgsl_size(module, "Chunk") as usize, size_of::<ChunkUniform>());
    }
    assert_eq!(wgsl_size(&density, "Frame") as usize, size_of::<FrameUniform>());
    assert_eq!(
        wgsl_size(&density, "DensityDraw") as usize,
        size_of::<DensityDraw>()
    );
    let tonemap = validate("tonemap", &shaders::tonemap_source());
    assert_eq!(
        wgsl_size(&tonemap, "DensityLook") as usize,
        size_of::<DensityLook>()
    );
}

#[test]
fn a_broken_shader_is_rejected() {
    // The validator must be able to fail: a surface function returning the wrong type.
    let bad = format!(
        "{}fn surface_f(p: vec2<f32>) -> f32 {{ return p; }}\nfn surface_grad(p: vec2<f32>) -> vec2<f32> {{ return p; }}",
        descent::expr::NO_PARAMS_WGSL
    );
    let source = shaders::sim_source(&bad);
    let module = naga::front::wgsl::parse_str(&source);
    let failed = match module {
        Err(_) => true,
        Ok(m) => naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::all(),
        )
        .validate(&m)
        .is_err(),
    };
    assert!(failed);
}

fn model_problem(model: &str, loss: &str) -> descent::model::ModelProblem {
    let data = if loss == "ce" {
        "blobs:n=8,classes=3"
    } else {
        "two-moons:n=8"
    };
    let args = descent::model::ProblemArgs {
        model: model.into(),
        loss: Some(loss.into()),
        data: data.into(),
        ..Default::default()
    };
    descent::model::ModelProblem::resolve(&args, &|_| unreachable!()).unwrap()
}

/// The model shader for every activation, loss, depth and bias setting; its structs match
/// their Pod twins.
#[test]
fn the_model_shader_validates_for_every_kind() {
    use descent::gpu::gpu_data::{ModelMeta, ModelParams};
    for activation in ["tanh", "relu", "sigmoid", "identity"] {
        for (loss, out) in [("mse", 1), ("bce", 1), ("ce", 3)] {
            for bias in ["", ":nobias"] {
                let spec = format!("mlp:2-5-3-{out}:{activation}{bias}");
                let source = descent::gpu::model_sim::model_source(&model_problem(&spec, loss));
                let module = validate(&spec, &source);
                assert_eq!(
                    wgsl_size(&module, "ModelParams") as usize,
                    size_of::<ModelParams>()
                );
                assert_eq!(wgsl_size(&module, "ModelMeta") as usize, size_of::<ModelMeta>());
            }
        }
    }
    validate(
        "logistic",
        &descent::gpu::model_sim::model_source(&model_problem("logistic", "bce")),
    );
}

/// The shaders drawn every frame, and the model kernel dispatched every step, read their
/// changing values from storage buffers: Debian 12's lavapipe (CI's) compiles a new copy of a
/// shader reading a uniform buffer each time one is bound, and keeps every copy (see `frame`
/// in render.wgsl). The soak benchmark (`descent bench --soak`) measures the memory this keeps
/// flat; the spirals model scene took 8 GB and 195 s with a uniform, 145 MB and 84 s without.
#[test]
fn per_frame_render_shaders_bind_no_uniform_buffers() {
    let surface = Surface::from_name_or_expr("saddle").unwrap();
    let model = descent::gpu::model_sim::model_source(&model_problem("mlp:2-8-1:tanh", "bce"));
    for (name, source) in [
        ("model", model),
        ("surface", shaders::surface_source()),
        ("lines", shaders::lines_source(&surface.wgsl())),
        ("markers", shaders::markers_source(&surface.wgsl())),
        ("density", shaders::density_source(&surface.wgsl())),
    ] {
        validate(name, &source);
        assert!(!source.contains("var<uniform>"), "{name} reads a uniform buffer");
    }
}
