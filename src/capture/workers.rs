//! How many encoder threads a machine gets.

/// Threads for encoders: one per core, at most `max` (2 when the count is unknown).
pub(crate) fn worker_threads(max: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, max)
}
