import Foundation
import LinkWork

/// The link worker's phone waiting on the network, as the link worker's app does when it waits
/// for a phone on its Sync screen: listens on the loopback interface (`SocketStream.Listener`)
/// and answers every connection with a listening sync session of `store` over a
/// `StreamTransport`. The command line and the tests use it to run the app's network path,
/// framing and all, over real TCP.
public final class NetworkPeer: Sendable {
    /// The store at the other end.
    public let store: LinkWorkStore
    /// What the link worker's Sync screen shows, for the person to type in ("127.0.0.1:port").
    public let address: String
    private let listener: SocketStream.Listener
    private let sessions: SessionLog
    private let serving: Task<Void, Never>

    /// Starts listening for phones with `store`.
    public init(store: LinkWorkStore) throws {
        let listener = try SocketStream.Listener()
        let sessions = SessionLog()
        self.sessions = sessions
        self.store = store
        self.listener = listener
        address = listener.address
        serving = Task {
            while !Task.isCancelled, let stream = try? await listener.accept() {
                await sessions.start {
                    try await SyncRunner.run(store, over: StreamTransport(stream: stream), as: .listening)
                }
            }
        }
    }

    /// What the most recent session did on this side, once it has finished (nil before any).
    public func lastOutcome() async throws -> SyncOutcome? {
        try await sessions.last?.value
    }

    /// Stops listening (sessions already running go on to their end).
    public func stop() {
        serving.cancel()
        listener.close()
    }

    deinit {
        stop()
    }
}
