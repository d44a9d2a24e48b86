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

    /// Opens a connection: the caller's end of the transport (pass it as a `SyncModel.Connect`).
    public func connect() async -> SyncTransport {
        let (mine, theirs) = InProcessTransport.pair()
        let store = store
        await sessions.append(Task { try await SyncRunner.run(store, over: theirs, as: .listening) })
        return mine
    }

    /// What the most recent session did on this side, once it has finished (nil before any).
    public func lastOutcome() async throws -> SyncOutcome? {
        try await sessions.last?.value
    }
}

private actor SessionLog {
    private(set) var last: Task<SyncOutcome, Error>?
    func append(_ task: Task<SyncOutcome, Error>) { last = task }
}
