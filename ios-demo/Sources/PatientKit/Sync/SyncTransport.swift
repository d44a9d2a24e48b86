import Foundation

/// A channel to one other device that carries whole sync messages both ways.
///
/// The app owns the transport: on the phone, a TCP connection to the address the link worker's
/// phone shows (`StreamTransport` over App/Sources/NearbyTransport.swift's Network-framework
/// stream; `SocketStream` in the command line and the tests); also, in the command line and
/// the tests, an `InProcessTransport` pair. The peer is authenticated inside the transport,
/// by `SecureHandshake`, before any sync message.
public protocol SyncTransport: Sendable {
    /// Sends one whole message.
    func send(_ message: Data) async throws
    /// The next whole message, or nil once the peer has closed (it finished).
    func receive() async throws -> Data?
    /// Closes this side; the peer's `receive` then returns nil once it has read everything.
    func close() async
}

/// One end of a transport inside one process: what one end sends, the other receives, in
/// order. Used by the command line and the tests in place of a network.
public final class InProcessTransport: SyncTransport {
    private let inbox: Mailbox
    private let outbox: Mailbox

    private init(inbox: Mailbox, outbox: Mailbox) {
        self.inbox = inbox
        self.outbox = outbox
    }

    /// Two connected ends.
    public static func pair() -> (InProcessTransport, InProcessTransport) {
        let (ab, ba) = (Mailbox(), Mailbox())
        return (InProcessTransport(inbox: ba, outbox: ab), InProcessTransport(inbox: ab, outbox: ba))
    }

    /// Delivers `message` to the other end; throws `TransportClosed` after `close()`.
    public func send(_ message: Data) async throws {
        try await outbox.put(message)
    }

    /// The next message from the other end, waiting for it; nil once the other end closed and
    /// every message was read.
    public func receive() async throws -> Data? {
        try await inbox.take()
    }

    /// Closes both directions from this end.
    public func close() async {
        await outbox.close()
        await inbox.close()
    }

    /// Messages carried so far in each direction (sent by this end, received by this end).
    public func messagesCarried() async -> (sent: Int, received: Int) {
        (await outbox.delivered, await inbox.delivered)
    }
}

/// Sending on a closed transport.
public struct TransportClosed: Error, Equatable {}

/// One direction of an in-process transport.
private actor Mailbox {
    private var queue: [Data] = []
    private var closed = false
    private var waiting: CheckedContinuation<Data?, Error>?
    private(set) var delivered = 0

    func put(_ message: Data) throws {
        guard !closed else { throw TransportClosed() }
        delivered += 1
        if let waiter = waiting {
            waiting = nil
            waiter.resume(returning: message)
        } else {
            queue.append(message)
        }
    }

    func take() async throws -> Data? {
        if !queue.isEmpty { return queue.removeFirst() }
        if closed { return nil }
        return try await withCheckedThrowingContinuation { continuation in
            waiting = continuation
        }
    }

    func close() {
        closed = true
        if let waiter = waiting {
            waiting = nil
            waiter.resume(returning: nil)
        }
    }
}
