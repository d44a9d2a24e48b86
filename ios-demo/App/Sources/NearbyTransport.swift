import Foundation
import Network
import PatientKit

/// The app's sync transport: a TCP connection to the link worker's phone on the same local
/// network, found with Bonjour (the link worker's app advertises `_linkwork-sync._tcp` while
/// its Sync screen is open). Messages travel whole, framed by PatientKit's `MessageFraming`.
///
/// **Not for production as it is:** the connection is plain TCP and does not authenticate the
/// peer. A deployment adds TLS with a pre-shared key exchanged at pairing
/// (`NWProtocolTLS.Options` + `sec_protocol_options_add_pre_shared_key`), so only the paired
/// link worker's phone can connect (see docs/sync.md, "Identity").
final class NearbyTransport: SyncTransport, @unchecked Sendable {
    /// The Bonjour service type (also listed under NSBonjourServices in Info.plist).
    static let serviceType = "_linkwork-sync._tcp"

    private let connection: NWConnection
    private let queue = DispatchQueue(label: "org.linkwork.patient.nearby")
    // Used by one reader at a time (SyncRunner reads messages in turn).
    private var decoder = MessageFraming.Decoder()
    private var ready: [Data] = []

    private init(connection: NWConnection) {
        self.connection = connection
    }

    /// Finds the link worker's phone on the local network and connects to it (15 s at most).
    static func connectToLinkWorker(timeout: Duration = .seconds(15)) async throws -> SyncTransport {
        try await withThrowingTaskGroup(of: SyncTransport.self) { group in
            group.addTask {
                let endpoint = try await browse()
                let transport = NearbyTransport(connection: NWConnection(to: endpoint, using: .tcp))
                return try await withTaskCancellationHandler {
                    try await transport.start()
                } onCancel: {
                    transport.connection.cancel() // resumes start() with CancellationError
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw NearbyError.notFound
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    func send(_ message: Data) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            connection.send(content: MessageFraming.frame(message), completion: .contentProcessed { error in
                if let error { continuation.resume(throwing: error) } else { continuation.resume() }
            })
        }
    }

    func receive() async throws -> Data? {
        while ready.isEmpty {
            let (chunk, ended) = try await readChunk()
            if let chunk { ready += try decoder.append(chunk) }
            if ended && ready.isEmpty {
                if decoder.hasPartialMessage { throw NearbyError.cutOff }
                return nil
            }
        }
        return ready.removeFirst()
    }

    func close() async {
        connection.cancel()
    }

    // MARK: - Network framework plumbing

    private func start() async throws -> NearbyTransport {
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
        return self
    }

    private func readChunk() async throws -> (Data?, Bool) {
        try await withCheckedThrowingContinuation { continuation in
            connection.receive(minimumIncompleteLength: 1, maximumLength: 64 * 1024) { data, _, isComplete, error in
                if let error {
                    continuation.resume(throwing: error)
                } else {
                    continuation.resume(returning: (data, isComplete))
                }
            }
        }
    }

    /// The endpoint of the first link worker's phone advertising on the local network.
    private static func browse() async throws -> NWEndpoint {
        let browser = NWBrowser(for: .bonjour(type: serviceType, domain: nil), using: .tcp)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<NWEndpoint, Error>) in
                let once = ResumeOnce(continuation)
                browser.browseResultsChangedHandler = { results, _ in
                    guard let first = results.first else { return }
                    once.resume(with: .success(first.endpoint))
                    browser.cancel()
                }
                browser.stateUpdateHandler = { state in
                    switch state {
                    case let .failed(error): once.resume(with: .failure(error))
                    case .cancelled: once.resume(with: .failure(CancellationError()))
                    default: break
                    }
                }
                browser.start(queue: .main)
            }
        } onCancel: {
            browser.cancel() // resumes the continuation with CancellationError
        }
    }

    /// Resumes a continuation once, from whichever handler fires first (later calls are ignored).
    private final class ResumeOnce<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<T, Error>?

        init(_ continuation: CheckedContinuation<T, Error>) { self.continuation = continuation }

        func resume(with result: Result<T, Error>) {
            lock.lock()
            let pending = continuation
            continuation = nil
            lock.unlock()
            pending?.resume(with: result)
        }
    }

    /// Why the nearby connection failed.
    enum NearbyError: Error {
        /// No link worker's phone was found in time.
        case notFound
        /// The other phone closed the connection in the middle of a message.
        case cutOff
    }
}
