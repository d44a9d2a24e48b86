import Foundation
import LinkWork

/// The authenticated channel every sync runs inside (docs/security.md, "The channel"): before
/// any sync message, both devices prove their certificates in a Noise handshake over the
/// transport, then every sync message travels sealed. A paired phone and its link worker's
/// enrolled phone prove each other; two unenrolled demo stores connect only because both pass
/// `allowUnenrolled` (never in a release: an enrolled store ignores it and refuses them).
enum SecureHandshake {
    /// Runs the handshake as `side` until the peer is proven. Throws `LinkWorkError.untrusted`
    /// when the peer is refused (or refuses this side), `PatientKitError.peerLeftEarly` when
    /// the transport ends first.
    static func open(_ store: LinkWorkStore, over transport: SyncTransport, as side: SyncSide,
                     allowUnenrolled: Bool) async throws -> SecureChannel {
        let channel: SecureChannel
        switch side {
        case .connecting:
            let start = try await store.secureChannelInitiate(allowUnenrolled: allowUnenrolled)
            try await transport.send(start.message)
            channel = start.channel
        case .listening:
            channel = try await store.secureChannelAccept(allowUnenrolled: allowUnenrolled)
        }
        while !channel.isOpen() {
            try Task.checkCancellation()
            guard let message = try await transport.receive() else { throw PatientKitError.peerLeftEarly }
            if let reply = try channel.receiveHandshake(message: message) {
                try await transport.send(reply)
            }
        }
        return channel
    }
}
