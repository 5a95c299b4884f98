//! CPU twins of the compute shaders, in f64: the references every GPU result is checked against.
pub mod sim;
