import Foundation

/// Whole messages over a byte stream (a TCP or Bluetooth connection): each message goes as a
/// 4-byte big-endian length and then its bytes, as the reference TCP transport of the `linkwork`
/// command line (`sync serve|connect`) and the link worker's app (`SocketTransport`). Used by
/// `StreamTransport`, the app's network transport.
public enum MessageFraming {
    /// The largest message accepted (a whole caseload syncs in messages well under this).
    public static let maxMessageBytes = 64 * 1024 * 1024

    /// The bytes to write for one message.
    public static func frame(_ message: Data) -> Data {
        var length = UInt32(message.count).bigEndian
        var framed = Data(bytes: &length, count: 4)
        framed.append(message)
        return framed
    }

    /// A frame announced a message larger than `maxMessageBytes`: the stream is not ours.
    public struct OversizedFrame: Error, Equatable {
        /// The announced length.
        public let length: Int
    }

    /// Reassembles messages from bytes as they arrive, in chunks of any size.
    public struct Decoder: Sendable {
        private var buffer = Data()

        /// An empty decoder.
        public init() {}

        /// Adds bytes read from the stream; returns the messages they completed, in order.
        public mutating func append(_ bytes: Data) throws -> [Data] {
            buffer.append(bytes)
            var messages: [Data] = []
            while buffer.count >= 4 {
                let start = buffer.startIndex
                let length = buffer[start..<start + 4].reduce(0) { $0 << 8 | Int($1) }
                guard length <= MessageFraming.maxMessageBytes else { throw OversizedFrame(length: length) }
                guard buffer.count >= 4 + length else { break }
                messages.append(Data(buffer[start + 4..<start + 4 + length]))
                buffer = Data(buffer[(start + 4 + length)...])
            }
            return messages
        }

        /// Whether part of a message is waiting for more bytes (at the end of the stream, the
        /// peer left mid-message).
        public var hasPartialMessage: Bool { !buffer.isEmpty }
    }
}
