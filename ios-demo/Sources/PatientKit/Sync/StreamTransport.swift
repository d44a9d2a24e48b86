import Foundation

/// A connected byte stream to the link worker's phone (TCP): what `StreamTransport` carries
/// sync messages over. The app implements it with the Network framework
/// (App/Sources/NearbyTransport.swift); the command line and the tests with `SocketStream`.
/// Every call must return when the calling task is cancelled or the stream is closed.
public protocol ByteStream: Sendable {
    /// Writes all of `bytes`.
    func write(_ bytes: Data) async throws
    /// The next bytes to arrive (at most `maxLength`; possibly none), or nil once the peer has
    /// closed its side and everything was read.
    func read(maxLength: Int) async throws -> Data?
    /// Closes both directions; a read waiting on the other side returns or throws.
    func close() async
}

/// Why a connection to the link worker's phone failed.
public enum TransportError: Error, Equatable, Sendable {
    /// The address does not read as "host:port".
    case badAddress
    /// Nothing answered at the address in time (wrong address, other network, app not waiting).
    case unreachable
    /// The other phone stopped sending mid-session for longer than the silence limit.
    case timedOut
    /// The other phone closed the connection in the middle of a message.
    case cutOff
    /// A frame announced a message larger than `MessageFraming.maxMessageBytes`: not a peer of ours.
    case oversized(length: Int)
}

/// Whole sync messages over a `ByteStream`, framed as the link worker's app (`SocketTransport`)
/// and the command line (`linkwork sync serve|connect`) frame them: a 4-byte big-endian length,
/// then the bytes (`MessageFraming`). Bounded: a frame over 64 MiB is refused before it is
/// buffered, and a peer silent for longer than `silenceLimit` mid-session fails the receive
/// (`TransportError.timedOut`) and closes the connection. `close()` ends the session from this
/// side, which is how the connecting side finishes (the listening side then reads the end).
public actor StreamTransport: SyncTransport {
    /// How long the peer may stay silent while this side waits for a message, as in the link
    /// worker's app and the command line.
    public static let defaultSilenceLimit: Duration = .seconds(30)
    /// How long connecting may take.
    public static let defaultConnectTimeout: Duration = .seconds(10)
    /// The most bytes read at once.
    static let chunkBytes = 64 * 1024

    private let stream: ByteStream
    private let silenceLimit: Duration
    private var decoder = MessageFraming.Decoder()
    private var ready: [Data] = []
    private var ended = false

    /// Frames messages over an open `stream`.
    public init(stream: ByteStream, silenceLimit: Duration = StreamTransport.defaultSilenceLimit) {
        self.stream = stream
        self.silenceLimit = silenceLimit
    }

    /// Connects to the link worker's phone at `address` (text as the person typed it) with
    /// `open` (the platform's TCP connect), giving up after `timeout`. Throws
    /// `TransportError.badAddress` for an address that does not read, `.unreachable` when
    /// connecting fails or takes too long.
    public static func connect(to address: String, timeout: Duration = defaultConnectTimeout,
                               silenceLimit: Duration = defaultSilenceLimit,
                               using open: @escaping @Sendable (PeerAddress) async throws -> ByteStream) async throws -> StreamTransport {
        guard let peer = PeerAddress(address) else { throw TransportError.badAddress }
        let stream: ByteStream
        do {
            stream = try await withLimit(timeout, onTimeout: {}) { try await open(peer) }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw TransportError.unreachable
        }
        return StreamTransport(stream: stream, silenceLimit: silenceLimit)
    }

    /// Sends one whole message as one frame.
    public func send(_ message: Data) async throws {
        guard message.count <= MessageFraming.maxMessageBytes else {
            throw TransportError.oversized(length: message.count)
        }
        try await stream.write(MessageFraming.frame(message))
    }

    /// The next whole message, or nil once the peer closed between messages. Throws
    /// `TransportError.cutOff` when it closed mid-message, `.timedOut` after `silenceLimit`
    /// without a byte, `.oversized` for a frame over the limit (the connection is then closed).
    public func receive() async throws -> Data? {
        while ready.isEmpty {
            if ended {
                if decoder.hasPartialMessage { throw TransportError.cutOff }
                return nil
            }
            let stream = stream
            let chunk = try await Self.withLimit(silenceLimit, onTimeout: { await stream.close() }) {
                try await stream.read(maxLength: Self.chunkBytes)
            }
            try Task.checkCancellation() // a cancelled read may end like a closed stream
            guard let chunk else {
                ended = true
                continue
            }
            do {
                ready += try decoder.append(chunk)
            } catch let refused as MessageFraming.OversizedFrame {
                await stream.close()
                throw TransportError.oversized(length: refused.length)
            }
        }
        return ready.removeFirst()
    }

    /// Closes the connection.
    public func close() async {
        await stream.close()
    }

    private enum Raced<T: Sendable>: Sendable {
        case done(T)
        case timedOut
    }

    /// Runs `work`, or throws `TransportError.timedOut` once `limit` passed first, after
    /// `onTimeout` (which must make `work` return, e.g. by closing the stream it reads: the
    /// group waits for it). Cancelling the caller cancels `work`.
    private static func withLimit<T: Sendable>(_ limit: Duration,
                                               onTimeout: @escaping @Sendable () async -> Void,
                                               _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Raced<T>.self) { group in
            group.addTask { .done(try await work()) }
            group.addTask {
                try await Task.sleep(for: limit)
                return .timedOut
            }
            defer { group.cancelAll() }
            switch try await group.next() {
            case let .done(value)?:
                return value
            case .timedOut?:
                await onTimeout()
                throw TransportError.timedOut
            case nil:
                throw CancellationError()
            }
        }
    }
}
