import Foundation
import LinkWork

/// Which side of a sync a device plays: one connects, the other listens (accepts).
public enum SyncSide: Sendable {
    /// Starts the session and sends the first message.
    case connecting
    /// Accepts a session the other side started.
    case listening
}

/// What one finished sync did on this device.
public struct SyncOutcome: Equatable, Sendable {
    /// The people whose documents this sync changed here.
    public var changedPersonIds: [String]
    /// Messages and bytes both ways.
    public var stats: SyncStats
    /// The other store: from its verified certificate when both are enrolled (a paired phone and
    /// its link worker's), as it introduced itself between two unenrolled demo stores.
    public var peer: PeerInfo?
}

/// Runs one sync session between a store and a peer over a transport, to the end: first the
/// authenticated channel's handshake (`SecureHandshake`), then every message received is opened
/// with the channel and goes to the session, every reply goes back sealed, until one side has
/// nothing to reply. Store and session calls are the core's `async` calls (on its I/O threads);
/// the one it offers only blocking, starting the session, runs on a dispatch queue. See bindings/README.md, "Sync".
public enum SyncRunner {
    /// Runs the session and returns what it changed here. Closes the transport when done.
    /// `allowUnenrolled` lets two unenrolled demo stores sync (both must pass it); an enrolled
    /// store (a paired phone) ignores it and accepts only peers of its organisation.
    ///
    /// Throws `LinkWorkError` (`.untrusted` when the peer was refused or refused this phone,
    /// `.sync` with `retryable`, `.notPermitted` when the peer broke the share policy,
    /// `.storage`), `PatientKitError.peerLeftEarly` when the transport ended before the stores
    /// were in sync, or the transport's own errors.
    public static func run(_ store: LinkWorkStore, over transport: SyncTransport,
                           as side: SyncSide, allowUnenrolled: Bool = true) async throws -> SyncOutcome {
        do {
            let outcome = try await exchange(store, over: transport, as: side, allowUnenrolled: allowUnenrolled)
            await transport.close()
            return outcome
        } catch {
            await transport.close()
            throw error
        }
    }

    private static func exchange(_ store: LinkWorkStore, over transport: SyncTransport,
                                 as side: SyncSide, allowUnenrolled: Bool) async throws -> SyncOutcome {
        let channel = try await SecureHandshake.open(store, over: transport, as: side, allowUnenrolled: allowUnenrolled)
        let session: SyncSession
        switch side {
        case .connecting:
            let start = try await Background.run { try store.syncStartAuthenticatedBlocking(channel: channel) }
            try await transport.send(try channel.seal(message: start.message))
            session = start.session
        case .listening:
            session = try store.syncAcceptAuthenticated(channel: channel) // does not block
        }
        while let sealed = try await transport.receive() {
            try Task.checkCancellation()
            let incoming = try channel.open(frame: sealed)
            let step = try await session.receive(message: incoming)
            guard let reply = step.reply else { break } // this side has finished
            try await transport.send(try channel.seal(message: reply))
        }
        guard session.isComplete() else { throw PatientKitError.peerLeftEarly }
        return SyncOutcome(changedPersonIds: session.changedPersonIds(), stats: session.stats(),
                           peer: session.peer())
    }
}
