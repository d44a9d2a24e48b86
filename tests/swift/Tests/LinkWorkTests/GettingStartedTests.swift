// Runs the samples of docs/getting-started-ios.md (extracted by tests/swift/run.sh into the
// target GettingStarted): open or create, add a person, the caseload model following the store,
// enrolment and a sync with the real test hub over the suite's WebSocket client. The Keychain
// and URLSessionWebSocketTask parts compile only where those frameworks exist.
import Foundation
import XCTest
import LinkWork
@testable import GettingStarted

/// The guide's HubConnection over the suite's WebSocket client (HubTests.swift).
private final class TestHubConnection: HubConnection {
    private let socket: HubSocket
    init(path: String) throws { socket = try HubSocket(url: try TestHub.url() + path) }
    func send(_ bytes: Data) async throws { try socket.send(bytes) }
    func receive() async throws -> Data? { try socket.next() }
    func close() { socket.close() }
}

final class GettingStartedTests: LinkWorkTestCase {
    func testTheGuideOpensAddsObservesEnrolsAndSyncs() async throws {
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        let path = dir.path("caseload.db")
        let store = try await openCaseload(path: path, key: key, user: "gil")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path), "created on first launch")
        let model = await CaseloadModel()
        let following = Task { await model.follow(store) }
        let pid = try await addReferral(store, given: "Ada", family: "Lovelace", nhsNumber: "943 476 5919")
        do {
            _ = try await addReferral(store, given: "Bad", family: "Number", nhsNumber: "123")
            XCTFail("a bad NHS number was stored")
        } catch let error as FormError {
            XCTAssertEqual(error.field, "nhs_number")
        }
        var rows: [CaseloadEntry] = []
        for _ in 0..<3000 {
            rows = await model.rows
            if !rows.isEmpty { break }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        XCTAssertEqual(rows.map(\.personId), [pid])
        following.cancel()
        #if !canImport(Security)
        XCTAssertThrowsError(try storeKey(), "no Keychain here")
        #endif

        // Second launch: the file exists, so it is opened with the same key.
        let reopened = try await openCaseload(path: path, key: key, user: "gil")
        XCTAssertEqual(reopened.info().user, "gil")
        let cert = try await enrol(reopened, code: try TestHub.code("GIL")) { try TestHubConnection(path: $0) }
        XCTAssertEqual(cert.name, "Gil")
        // Other suites' people may reach this team member; Ada stays, and reached the hub.
        let changed = try await syncWithHub(reopened) { try TestHubConnection(path: $0) }
        XCTAssertFalse(changed.contains(pid))
        let peers = try await reopened.peers()
        let hub = try XCTUnwrap(peers.first)
        let unsynced = try await reopened.unsyncedPeople(peerStoreId: hub.storeId)
        XCTAssertEqual(unsynced, [])
    }
}
