//! The tokio runtime the engine runs on, sized for the target.

/// The runtime the engine runs on (the benchmark's raw client runs the same one).
pub fn engine_runtime(embedded_mock: bool) -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // One worker runs best as the current thread: no hand-offs between threads at all.
    let mut builder = match runtime_workers(embedded_mock, cores) {
        1 => tokio::runtime::Builder::new_current_thread(),
        workers => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(workers);
            builder
        }
    };
    builder.enable_all().build()
}

/// How many threads run the engine. The embedded mock serves from the same runtime, so it
/// gets every core. Any other target's server needs cores of its own when it runs on this
/// machine (a local mock, a CI service container), and a remote one leaves the engine
/// waiting on the network: half the cores. On a small machine that is one worker, run as
/// the current thread: cross-thread wake-ups cost more than a second worker brings (see
/// bench/README.md).
fn runtime_workers(embedded_mock: bool, cores: usize) -> usize {
    if embedded_mock {
        cores.max(1)
    } else {
        (cores / 2).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::runtime_workers;

    #[test]
    fn the_embedded_mock_gets_every_core_other_targets_half() {
        assert_eq!(runtime_workers(true, 2), 2);
        assert_eq!(runtime_workers(false, 2), 1);
        assert_eq!(runtime_workers(false, 8), 4);
        assert_eq!(runtime_workers(false, 1), 1);
        assert_eq!(runtime_workers(true, 1), 1);
    }
}
