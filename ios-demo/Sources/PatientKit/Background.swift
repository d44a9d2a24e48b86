import Dispatch

/// Runs the few store calls the core offers only blocking (opening or creating a store,
/// starting a sync session; every other call is `async` and runs on the core's own threads) on
/// a global dispatch queue, so they hold neither the main actor nor a thread of Swift's
/// cooperative pool while they wait for the disk.
enum Background {
    /// Runs `work` on a background queue and returns its result (or rethrows its error).
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
