//! Encoder threads: how many a machine gets, and what each is handed.

/// Threads for encoders: one per core, at most `max` (2 when the count is unknown).
pub(crate) fn worker_threads(max: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, max)
}

/// A frame for the encoders: its number and its tight RGBA rows.
pub(crate) type Job = (u32, Vec<u8>);
