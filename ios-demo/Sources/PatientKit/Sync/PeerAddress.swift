import Foundation

/// Where the link worker's phone waits for this phone, as its Sync screen shows it
/// ("192.168.1.20:7701"): the Android app's "Wait for a phone" listens on `defaultPort` on the
/// local network, and `linkwork sync serve` on the port it prints. The person types it in.
public struct PeerAddress: Equatable, Sendable, CustomStringConvertible {
    /// The port the link worker's app listens on when the address has none (its `NEARBY_PORT`).
    public static let defaultPort: UInt16 = 7701

    /// A host name or an IP address (IPv6 without brackets).
    public let host: String
    /// The TCP port.
    public let port: UInt16

    /// A host and port as given.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Reads "host", "host:port", "[IPv6]:port" or a bare IPv6 address (surrounding spaces
    /// ignored); nil for an empty host, spaces inside, or a port that is not 1-65535.
    public init?(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, !t.contains(where: \.isWhitespace) else { return nil }
        let host: Substring
        var portText: Substring?
        if t.hasPrefix("[") {
            guard let close = t.firstIndex(of: "]") else { return nil }
            host = t[t.index(after: t.startIndex)..<close]
            let rest = t[t.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if t.filter({ $0 == ":" }).count == 1, let colon = t.firstIndex(of: ":") {
            host = t[..<colon]
            portText = t[t.index(after: colon)...]
        } else {
            host = Substring(t) // no port, or a bare IPv6 address
        }
        var port = Self.defaultPort
        if let portText {
            guard let p = UInt16(portText), p > 0 else { return nil }
            port = p
        }
        guard !host.isEmpty else { return nil }
        self.init(host: String(host), port: port)
    }

    /// "host:port", or "[IPv6]:port".
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
