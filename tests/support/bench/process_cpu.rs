//! The CPU time this process has spent, from Linux's per-thread scheduler statistics
//! (`/proc/self/task/*/schedstat`, nanoseconds on a CPU): what a benchmark charges to our code,
//! excluding the local endpoint, which runs in another process.

/// A reading of the process's CPU time.
pub struct ProcessCpu {
    nanos: u64,
}

impl ProcessCpu {
    /// Reads it now.
    pub fn now() -> Self {
        ProcessCpu {
            nanos: process_cpu_nanos(),
        }
    }

    /// Microseconds of CPU spent since this reading.
    pub fn elapsed_micros(&self) -> f64 {
        process_cpu_nanos().saturating_sub(self.nanos) as f64 / 1000.0
    }
}

fn process_cpu_nanos() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}
