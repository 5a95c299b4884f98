//! `descent`: a GPU-accelerated visualizer of gradient descent.
//!
//! The library runs without a window: parse a surface ([`expr`], [`surfaces`]), describe a run
//! ([`scene`]), step particles of torch.optim optimizers on the GPU ([`gpu::sim`]) against the
//! f64 reference ([`cpu::sim`]), and export or summarise the outcome ([`run`], [`export`]).

pub mod app;
#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod bench_case;
#[cfg(not(target_arch = "wasm32"))]
pub mod bench_model;
#[cfg(not(target_arch = "wasm32"))]
pub mod bench_trainability;
pub mod camera;
pub mod capture;
pub mod cli;
pub mod cpu;
pub mod expr;
#[cfg(not(target_arch = "wasm32"))]
pub mod files;
pub mod gpu;
pub mod host;
pub mod model;
pub mod noise;
pub mod numbers;
pub mod optim;
pub mod outcome;
pub mod regression;
pub mod render;
pub mod rng;
#[cfg(not(target_arch = "wasm32"))]
pub mod run;
pub mod scene;
pub mod schedule;
#[cfg(not(target_arch = "wasm32"))]
pub mod serve;
pub mod shaders;
pub mod step_tables;
pub mod surfaces;
pub mod sweep;
pub mod timeline;
pub mod trajectory;
#[cfg(target_arch = "wasm32")]
pub mod web;
pub mod world;
