import Foundation
import LinkWork

/// The link worker's phone inside this process (the command line and the tests): every
/// `connect()` hands back one end of a new `InProcessTransport` pair and runs a listening
/// sync session on `store` at the other end, as the link worker's app would on an incoming
/// connection.
public final class InProcessPeer: Sendable {
    /// The store at the other end.
    public let store: LinkWorkStore
    private let sessions = SessionLog()

    /// A peer that listens with `store`.
    public init(store: LinkWorkStore) {
        self.store = store
    }

    /// Opens a connection: the caller's end of the transport (a `SyncModel.Connect` that
    /// ignores the address returns it).
    public func connect() async -> SyncTransport {
        let (mine, theirs) = InProcessTransport.pair()
        let store = store
        await sessions.start { try await SyncRunner.run(store, over: theirs, as: .listening) }
        return mine
    }

    /// What the most recent session did on this side, once it has finished (nil before any).
    public func lastOutcome() async throws -> SyncOutcome? {
        try await sessions.last?.value
    }
}

/// The sessions a peer answered: the most recent one.
actor SessionLog {
    private(set) var last: Task<SyncOutcome, Error>?

    /// Starts a session and records it at once: before it can answer its first message, so a
    /// phone that finished a sync always finds it here.
    func start(_ session: @escaping @Sendable () async throws -> SyncOutcome) {
        last = Task { try await session() }
    }
}
