import Foundation
import Network
import PatientKit

/// The app's connection to the link worker's phone: a TCP connection (Network framework) to the
/// address its Sync screen shows while it waits for a phone ("192.168.1.20:7701"), which the
/// person types in. Framing, timeouts and errors are PatientKit's `StreamTransport`, tested on
/// Linux with `SocketStream`; this is only the Network-framework byte stream under it.
///
/// **Not for production as it is:** the bytes travel as plain TCP on the local network. What
/// protects them is the sync's own channel (`SecureHandshake`: both phones prove their
/// certificates, every message sealed), as with `linkwork sync serve`.
final class NearbyConnection: ByteStream, @unchecked Sendable {
    private let connection: NWConnection
    private let queue = DispatchQueue(label: "org.linkwork.patient.nearby")

    private init(_ connection: NWConnection) {
        self.connection = connection
    }

    /// Opens a TCP connection to `address`; for `StreamTransport.connect(to:using:)`, which
    /// bounds the time it may take.
    static func open(_ address: PeerAddress) async throws -> ByteStream {
        guard let port = NWEndpoint.Port(rawValue: address.port) else { throw TransportError.badAddress }
        let stream = NearbyConnection(NWConnection(host: NWEndpoint.Host(address.host), port: port, using: .tcp))
        try await withTaskCancellationHandler {
            try await stream.start()
        } onCancel: {
            stream.connection.cancel() // resumes start() with CancellationError
        }
        return stream
    }

    func write(_ bytes: Data) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            connection.send(content: bytes, completion: .contentProcessed { error in
                if let error { continuation.resume(throwing: error) } else { continuation.resume() }
            })
        }
    }

    func read(maxLength: Int) async throws -> Data? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                connection.receive(minimumIncompleteLength: 1, maximumLength: maxLength) { data, _, isComplete, error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else if let data, !data.isEmpty {
                        continuation.resume(returning: data)
                    } else {
                        continuation.resume(returning: isComplete ? nil : Data())
                    }
                }
            }
        } onCancel: {
            connection.cancel() // fails the pending receive
        }
    }

    func close() async {
        connection.cancel()
    }

    private func start() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let once = ResumeOnce(continuation)
            connection.stateUpdateHandler = { state in
                switch state {
                case .ready: once.resume(with: .success(()))
                case let .failed(error), let .waiting(error): once.resume(with: .failure(error))
                case .cancelled: once.resume(with: .failure(CancellationError()))
                default: break
                }
            }
            connection.start(queue: queue)
        }
    }

    /// Resumes a continuation once, from whichever handler fires first (later calls are ignored).
    private final class ResumeOnce: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Void, Error>?

        init(_ continuation: CheckedContinuation<Void, Error>) { self.continuation = continuation }

        func resume(with result: Result<Void, Error>) {
            lock.lock()
            let pending = continuation
            continuation = nil
            lock.unlock()
            pending?.resume(with: result)
        }
    }
}
