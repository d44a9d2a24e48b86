import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP connection over BSD sockets: the `ByteStream` of the command line and the tests on
/// Linux, where the Network framework the app uses does not exist. Blocking socket calls run on
/// a dispatch queue of the connection's own, never on Swift's cooperative pool; cancelling a
/// waiting read, or `close()`, shuts the socket down so the read returns.
public final class SocketStream: ByteStream, @unchecked Sendable {
    // The descriptor is closed once, in deinit, so a read or write in flight never meets a
    // reused number; close() only shuts the connection down.
    private let fd: Int32
    private let queue = DispatchQueue(label: "org.linkwork.patient.socket")

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        _ = systemClose(fd)
    }

    /// Connects to `address` (an IPv4 or IPv6 address or a host name), giving up after
    /// `timeout`. Throws `TransportError.unreachable`.
    public static func connect(to address: PeerAddress, timeout: Duration = StreamTransport.defaultConnectTimeout) async throws -> SocketStream {
        try await onQueue(DispatchQueue.global(qos: .userInitiated)) {
            try connectNow(address, timeoutMillis: Self.millis(timeout))
        }
    }

    /// A listening socket on the loopback interface, on a port the system picks: the "link
    /// worker's phone" of the command line and the tests, which waits as the link worker's
    /// app does.
    public final class Listener: @unchecked Sendable {
        private let fd: Int32
        /// The port it listens on.
        public let port: UInt16

        /// Listens on 127.0.0.1 at a free port.
        public init() throws {
            let fd = socket(AF_INET, Int32(sockStream), 0)
            guard fd >= 0 else { throw TransportError.unreachable }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = 0
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard bound == 0, listen(fd, 4) == 0 else {
                _ = systemClose(fd)
                throw TransportError.unreachable
            }
            let named = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0 else {
                _ = systemClose(fd)
                throw TransportError.unreachable
            }
            self.fd = fd
            port = UInt16(bigEndian: addr.sin_port)
        }

        /// The address to give the phone ("127.0.0.1:port").
        public var address: String { "127.0.0.1:\(port)" }

        /// Stops listening: a waiting `accept()` throws, and so does every later one.
        public func close() {
            _ = shutdown(fd, Int32(shutRdWr))
        }

        /// Waits for one connection.
        public func accept() async throws -> SocketStream {
            let fd = fd
            return try await onQueue(DispatchQueue.global(qos: .userInitiated)) {
                let client = Glue.accept(fd)
                guard client >= 0 else { throw TransportError.unreachable }
                Glue.noSignalOnWrite(client)
                return SocketStream(fd: client)
            }
        }

        deinit {
            _ = systemClose(fd)
        }
    }

    public func write(_ bytes: Data) async throws {
        let fd = fd
        try await onQueue(queue) {
            try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                guard let base = raw.baseAddress else { return }
                var sent = 0
                while sent < raw.count {
                    let n = Glue.send(fd, base + sent, raw.count - sent)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw TransportClosed() }
                    sent += n
                }
            }
        }
    }

    public func read(maxLength: Int) async throws -> Data? {
        let fd = fd
        return try await withTaskCancellationHandler {
            try await onQueue(queue) {
                let capacity = max(1, maxLength)
                var buffer = [UInt8](repeating: 0, count: capacity)
                while true {
                    let n = Glue.recv(fd, &buffer, capacity)
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { throw TransportClosed() }
                    return n == 0 ? nil : Data(buffer[0..<n])
                }
            }
        } onCancel: {
            _ = shutdown(fd, Int32(shutRdWr))
        }
    }

    public func close() async {
        _ = shutdown(fd, Int32(shutRdWr))
    }

    // MARK: - Plumbing

    private static func millis(_ d: Duration) -> Int32 {
        let (seconds, attos) = d.components
        return Int32(clamping: seconds * 1000 + attos / 1_000_000_000_000_000)
    }

    /// Resolves `address` and connects to the first of its addresses that answers within the
    /// time left (non-blocking connect, then poll).
    private static func connectNow(_ address: PeerAddress, timeoutMillis: Int32) throws -> SocketStream {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(sockStream)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address.host, String(address.port), &hints, &found) == 0, let first = found else {
            throw TransportError.unreachable
        }
        defer { freeaddrinfo(first) }
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            next = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            Glue.noSignalOnWrite(fd)
            if connected(fd, info.pointee.ai_addr, info.pointee.ai_addrlen, timeoutMillis: timeoutMillis) {
                return SocketStream(fd: fd)
            }
            _ = systemClose(fd)
        }
        throw TransportError.unreachable
    }

    private static func connected(_ fd: Int32, _ addr: UnsafeMutablePointer<sockaddr>?, _ length: socklen_t,
                                  timeoutMillis: Int32) -> Bool {
        let flags = fcntl(fd, F_GETFL, 0)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { return false }
        if Glue.connect(fd, addr, length) != 0 {
            guard errno == EINPROGRESS else { return false }
            var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&waiting, 1, timeoutMillis) == 1 else { return false }
            var failure: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &size) == 0, failure == 0 else { return false }
        }
        return fcntl(fd, F_SETFL, flags) == 0
    }
}

/// Runs blocking `work` on `queue` and returns its result to the awaiting task.
private func onQueue<T>(_ queue: DispatchQueue, _ work: @escaping () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        queue.async { continuation.resume(with: Result { try work() }) }
    }
}

// The C calls whose names clash with this file's methods, and constants whose type differs
// between Glibc and Darwin.
private enum Glue {
    /// A write to a connection the peer closed fails with EPIPE instead of killing the process
    /// (Linux passes MSG_NOSIGNAL on each send instead).
    static func noSignalOnWrite(_ fd: Int32) {
        #if canImport(Darwin)
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
    }

    static func accept(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        Glibc.accept(fd, nil, nil)
        #else
        Darwin.accept(fd, nil, nil)
        #endif
    }

    static func connect(_ fd: Int32, _ addr: UnsafeMutablePointer<sockaddr>?, _ length: socklen_t) -> Int32 {
        #if canImport(Glibc)
        Glibc.connect(fd, addr, length)
        #else
        Darwin.connect(fd, addr, length)
        #endif
    }

    static func send(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.send(fd, bytes, count, Int32(MSG_NOSIGNAL))
        #else
        Darwin.send(fd, bytes, count, 0)
        #endif
    }

    static func recv(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.recv(fd, buffer, count, 0)
        #else
        Darwin.recv(fd, buffer, count, 0)
        #endif
    }
}

#if canImport(Glibc)
private let sockStream = Int32(SOCK_STREAM.rawValue)
private let shutRdWr = Int32(SHUT_RDWR)
private func systemClose(_ fd: Int32) -> Int32 { Glibc.close(fd) }
#else
private let sockStream = SOCK_STREAM
private let shutRdWr = SHUT_RDWR
private func systemClose(_ fd: Int32) -> Int32 { Darwin.close(fd) }
#endif
