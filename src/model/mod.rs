//! Models trained by gradient descent: linear and logistic regression and multilayer
//! perceptrons (`spec.rs`), their data (`data.rs`), initial parameters (`init.rs`) and the
//! f64 twin of the GPU's forward pass, backward pass and training steps (`twin.rs`).
//! `problem.rs` resolves a command line's model, loss, data and initialisations into one
//! checked training problem; `slice.rs` the loss slices through its parameter space and
//! `slice_request.rs` the slice a run asks for, its plane and extent.

pub mod data;
pub mod init;
pub mod problem;
pub mod slice;
pub mod slice_request;
pub mod spec;
pub mod twin;

pub use data::{Data, DataError, Generator};
pub use problem::{ModelProblem, ProblemArgs};
pub use spec::{Activation, Loss, Model, ModelSpec};
pub use twin::{Problem, Training, Trajectory};
