// The organisation's services directory from the hub, through the Swift API: the "have"
// message, a directory chunk built here by its documented wire format (docs/directory.md) as
// the hub would send it, received with the async `DirectoryDownload.receive`. The refusals are
// tested in Rust (core/src/directory/share_tests.rs).
import Foundation
import XCTest
import LinkWork

final class DirectoryShareTests: LinkWorkTestCase {
    private let magic: [UInt8] = Array("LWY".utf8) + [1]

    private func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let next = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<next], radix: 16)!)
            i = next
        }
        return out
    }

    private func be(_ v: UInt32) -> [UInt8] {
        withUnsafeBytes(of: v.bigEndian) { Array($0) }
    }

    /// A hub's chunk message: magic, version, kind 5, digest, total, index, length, bytes.
    private func chunk(_ digest: [UInt8], total: UInt32, index: UInt32, _ payload: [UInt8]) -> Data {
        var out: [UInt8] = magic
        out.append(5)
        out.append(contentsOf: digest)
        out.append(contentsOf: be(total))
        out.append(contentsOf: be(index))
        out.append(contentsOf: be(UInt32(payload.count)))
        out.append(contentsOf: payload)
        return Data(out)
    }

    /// The digest a hub announces for the feed: the content hash core computes importing it.
    private func digest(of feed: Data) throws -> [UInt8] {
        let hub = try linkWorkerStore("hub.db")
        return bytes(hex: try hub.directoryImportBlocking(feed: feed, source: "hub").version.contentHash)
    }

    func testAOneChunkDirectoryIsAppliedThenThePhoneIsUpToDate() async throws {
        let feed = Data(directoryFeed.utf8)
        let digest = try digest(of: feed)
        let store = try linkWorkerStore()
        let empty = try await store.directoryHaveMessage()
        XCTAssertEqual(Data(magic + [1, 0]), empty)
        let download = store.directoryDownload()
        let revocations: [UInt8] = Array("LWN".utf8) + [1, 1, 0]
        guard case .notDirectory = try await download.receive(message: Data(revocations)) else {
            return XCTFail("a revocation list is not a directory message")
        }
        let step = try await download.receive(message: chunk(digest, total: UInt32(feed.count), index: 0, Array(feed)))
        guard case let .applied(report) = step else { return XCTFail("expected applied, got \(step)") }
        XCTAssertEqual(3, report.imported)
        XCTAssertTrue(download.isFinished())
        XCTAssertEqual("hub", try store.directoryVersionBlocking()?.source)
        let have: [UInt8] = magic + [1, 1]
        XCTAssertEqual(Data(have + digest), try store.directoryHaveMessageBlocking())
        guard case .upToDate = try store.directoryDownload().receiveBlocking(message: Data(magic + [2])) else {
            return XCTFail("expected up to date")
        }
    }
}
