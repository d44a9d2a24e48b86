// The small pieces under the models: observation, the in-process transport, message framing.
// Test classes on the main actor have only async tests: Linux's XCTest discovery cannot call a
// synchronous main-actor test.
import Foundation
import XCTest
@testable import PatientKit

@MainActor
final class PlumbingTests: XCTestCase {
    func testObserversAreCalledUntilCancelledOrFreed() async {
        let changes = ModelChanges()
        var calls = 0
        let token = changes.observe { calls += 1 }
        changes.send()
        changes.send()
        XCTAssertEqual(calls, 2)
        token.cancel()
        changes.send()
        XCTAssertEqual(calls, 2)
        XCTAssertEqual(changes.count, 0)
    }

    func testFreeingATokenStopsTheObservation() async {
        let changes = ModelChanges()
        var token: ObservationToken? = changes.observe {}
        XCTAssertEqual(changes.count, 1)
        XCTAssertNotNil(token)
        token = nil
        await Task.yield()
        for _ in 0..<10 where changes.count > 0 { await Task.yield() }
        XCTAssertEqual(changes.count, 0)
    }

    func testInProcessTransportKeepsOrderAndEndsOnClose() async throws {
        let (a, b) = InProcessTransport.pair()
        try await a.send(Data([1]))
        try await a.send(Data([2]))
        let waiting = Task { try await b.receive() }
        let first = try await waiting.value
        let second = try await b.receive()
        XCTAssertEqual(first, Data([1]))
        XCTAssertEqual(second, Data([2]))
        let pending = Task { try await b.receive() }
        await a.close()
        let afterClose = try await pending.value
        XCTAssertNil(afterClose, "nil once the other end closed")
        do {
            try await b.send(Data([3]))
            XCTFail("sending to a closed end")
        } catch {
            XCTAssertEqual(error as? TransportClosed, TransportClosed())
        }
        let carried = await a.messagesCarried()
        XCTAssertEqual(carried.sent, 2)
    }

    func testFramingIsTheReferenceTransportsFraming() async {
        // cli/src/transport.rs: a 4-byte big-endian length, then the bytes; 64 MiB at most.
        XCTAssertEqual(MessageFraming.frame(Data("abc".utf8)), Data([0, 0, 0, 3, 0x61, 0x62, 0x63]))
        XCTAssertEqual(MessageFraming.frame(Data(count: 258)).prefix(4), Data([0, 0, 1, 2]))
        XCTAssertEqual(MessageFraming.maxMessageBytes, 64 * 1024 * 1024)
    }

    func testFramingReassemblesMessagesFromAnyChunks() async throws {
        let messages = [Data("hello".utf8), Data(), Data(repeating: 7, count: 70_000)]
        let stream = messages.map(MessageFraming.frame).reduce(Data(), +)
        for chunk in [1, 3, 4096, stream.count] {
            var decoder = MessageFraming.Decoder()
            var out: [Data] = []
            var offset = 0
            while offset < stream.count {
                let end = min(offset + chunk, stream.count)
                out += try decoder.append(stream.subdata(in: offset..<end))
                offset = end
            }
            XCTAssertEqual(out, messages, "chunk \(chunk)")
            XCTAssertFalse(decoder.hasPartialMessage)
        }
        var decoder = MessageFraming.Decoder()
        XCTAssertEqual(try decoder.append(Data([0, 0, 0, 5, 1])), [])
        XCTAssertTrue(decoder.hasPartialMessage, "the peer left mid-message")
        var hostile = MessageFraming.Decoder()
        XCTAssertThrowsError(try hostile.append(Data([0xff, 0xff, 0xff, 0xff]))) { error in
            XCTAssertEqual(error as? MessageFraming.OversizedFrame, MessageFraming.OversizedFrame(length: 0xffff_ffff))
        }
    }
}
