//! GPU faults are reported as errors, never as panics: an error raised outside any error
//! scope (validation or out-of-memory both arrive through wgpu's uncaptured-error handler),
//! and a device that is gone. Each test opens its own device, since it breaks it.

use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::gpu::{AdapterPreference, Gpu};
use descent::scene::Scene;

fn fresh_gpu() -> Gpu {
    Gpu::new(AdapterPreference::Software)
        .unwrap_or_else(|e| panic!("GPU tests need an adapter (on CI: mesa-vulkan-drivers): {e}"))
}

#[test]
fn an_uncaptured_error_is_reported_by_the_next_wait() {
    let gpu = fresh_gpu();
    assert!(gpu.wait().is_ok());
    // Mapped at creation with a size that is not a multiple of 4: a validation error, raised
    // outside any error scope, as an out-of-memory error would be.
    let _bad = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("deliberately invalid"),
        size: 3,
        usage: wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: true,
    });
    match gpu.wait() {
        Err(e) => assert_eq!(
            e.to_string(),
            "GPU error: Validation Error: In Device::create_buffer, label = 'deliberately invalid': \
             Buffers that are mapped at creation have to be aligned to `COPY_BUFFER_ALIGNMENT`"
        ),
        Ok(()) => panic!("the fault was not reported"),
    }
    // Reported once; the device goes on.
    assert!(gpu.wait().is_ok());
}

#[test]
fn a_destroyed_device_gives_errors_not_panics() {
    let gpu = fresh_gpu();
    let scene = Scene::default_scene();
    let starts = scene.start_points();
    let mut sim = Simulation::new(
        &gpu,
        &SimSetup::for_scene(&scene, &starts, TrailPlan::every_step(scene.steps)),
    )
    .expect("simulation");
    sim.advance_to(&gpu, 10);
    assert_eq!(sim.read_particles(&gpu).expect("a live device reads").len(), 2);

    gpu.device.destroy();
    // Stepping records work on a dead device without panicking; reading it back fails with
    // an error the caller can print.
    sim.advance_to(&gpu, 20);
    let result = sim.read_particles(&gpu);
    let e = result.expect_err("a destroyed device cannot be read");
    // The cause comes first, not the invalid readback buffer that followed from it.
    assert_eq!(e.to_string(), "the GPU device was lost: Destroyed");
}
