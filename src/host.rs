//! What the host machine says about itself, for the core to ask: the memory available to a new
//! allocation. The one platform call the core makes, kept here so that every other core room
//! stays free of files, threads, processes and clocks; a browser build answers "unknown".

/// `MemAvailable` from `/proc/meminfo` (Linux), in bytes; None elsewhere or when unreadable.
#[cfg(target_os = "linux")]
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Unknown on this platform.
#[cfg(not(target_os = "linux"))]
pub fn available_memory() -> Option<u64> {
    None
}
