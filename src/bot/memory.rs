//! The bot's process memory: how the allocator is set up for a long-running service, and
//! handing memory freed by rule loading back to the system.
//!
//! Both matter only with glibc's allocator (Linux); elsewhere they do nothing. Figures and the
//! command that measures them: BENCHMARKS.md, "Bot under load".

/// Limits glibc to `max` allocation arenas. By default it gives every thread that allocates
/// concurrently an arena of its own (up to 8 per core), each keeping its freed memory for later:
/// the bot's worker and blocking-pool threads then hold several partly used arenas. Call before
/// the async runtime starts its threads.
pub fn limit_arenas(max: i32) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning value of glibc's allocator; M_ARENA_MAX accepts any
    // positive value and is read when a thread next needs an arena.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, max);
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = max;
}

/// Returns the free pages of the allocator's heaps to the system. Loading rules runs every
/// rule's examples, which builds and then frees several MB of matching memory; without this the
/// heap keeps those pages resident for the life of the process.
pub fn return_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own free lists, under the allocator's locks.
    unsafe {
        libc::malloc_trim(0);
    }
}
