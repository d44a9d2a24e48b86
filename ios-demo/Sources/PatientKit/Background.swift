import Dispatch

/// Runs blocking work (every LinkWorkStore and SyncSession call may block on disk I/O) on a
/// global dispatch queue, so it holds neither the main actor nor a thread of Swift's
/// cooperative pool while it waits for the disk.
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
