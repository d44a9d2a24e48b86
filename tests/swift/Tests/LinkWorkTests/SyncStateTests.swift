// Sync state and paging through the bindings: known peers, people a peer has not seen,
// stored documents, the conflict index and resolving by keeping a value, and cursor paging,
// each with the refusals an app must handle.
import Foundation
import XCTest
import LinkWork

final class SyncStateTests: LinkWorkTestCase {
    func testPeersUnsyncedPeopleAndDocuments() async throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let b = try linkWorkerStore("b.db", user: "jo.colleague")
        let pid = try a.addPersonBlocking(person: newPerson())
        XCTAssertEqual(try a.peersBlocking(), [])
        _ = try await sync(a, b)
        let peers = try a.peersBlocking()
        XCTAssertEqual(peers.count, 1)
        let peer = try XCTUnwrap(peers.first)
        XCTAssertEqual(peer.storeId, b.info().storeId)
        XCTAssertEqual(peer.role, .linkWorker)
        XCTAssertNil(peer.personId)
        XCTAssertNil(peer.certificateName)
        XCTAssertEqual(try a.unsyncedPeopleBlocking(peerStoreId: peer.storeId), [])
        try a.setWhatMattersBlocking(personId: pid, text: "Getting out more")
        XCTAssertEqual(try a.unsyncedPeopleBlocking(peerStoreId: peer.storeId), [pid])
        _ = try await sync(a, b)
        XCTAssertEqual(try a.unsyncedPeopleBlocking(peerStoreId: peer.storeId), [])
        assertNotFound(try a.unsyncedPeopleBlocking(peerStoreId: a.info().storeId), kind: "peer")
        assertInvalidInput(try a.unsyncedPeopleBlocking(peerStoreId: "not an id"), field: "peer_store_id")
        let docs = try a.documentsBlocking()
        XCTAssertEqual(Set(docs.map(\.kind)), [.plan, .case])
        XCTAssertTrue(docs.allSatisfy { $0.personId == pid && $0.bytes > 0 && $0.heads == 1 })
    }

    func testResolveAConflictByKeepingAValue() async throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let b = try linkWorkerStore("b.db", user: "jo.colleague")
        let pid = try a.addPersonBlocking(person: newPerson())
        let goal = try a.addGoalBlocking(personId: pid, goal: NewGoal(text: "Join a walking group"))
        _ = try await sync(a, b)
        try a.updateGoalBlocking(goalId: goal, update: GoalUpdate(status: .achieved))
        try b.updateGoalBlocking(goalId: goal, update: GoalUpdate(status: .dropped))
        _ = try await sync(a, b)
        XCTAssertEqual(try a.conflictedPeopleBlocking(), [ConflictedPerson(personId: pid, planFields: 1, caseFields: 0)])
        let conflict = try XCTUnwrap(a.personBlocking(personId: pid).conflicts.first)
        assertInvalidInput(try a.resolveConflictBlocking(personId: pid, document: conflict.document, path: conflict.path,
                                                 resolution: .keep(value: "active")), field: "value")
        assertInvalidInput(try a.resolveConflictBlocking(personId: pid, document: .plan, path: ["what_matters"],
                                                 resolution: .new(value: "x")), field: "path")
        try a.resolveConflictBlocking(personId: pid, document: conflict.document, path: conflict.path,
                              resolution: .keep(value: "dropped"))
        XCTAssertEqual(try a.conflictedPeopleBlocking(), [])
        _ = try await sync(a, b)
        XCTAssertEqual(try b.conflictedPeopleBlocking(), [])
        XCTAssertEqual(try b.planBlocking(personId: pid).goals.first?.status, .dropped)
    }

    func testPagesConcatenateAndABadCursorIsRefused() throws {
        let s = try linkWorkerStore()
        var ids: [String] = []
        for i in 1...5 { ids.append(try s.addPersonBlocking(person: newPerson(family: "Family\(i)", nhs: nil))) }
        for d in 1...4 { _ = try s.addStepBlocking(personId: ids[0], step: NewStep(text: "step \(d)", owner: .person, due: day(d))) }
        let whole = try s.caseloadBlocking(query: CaseloadQuery()).map(\.personId)
        var seen: [String] = []
        var page = try s.caseloadPageBlocking(query: CaseloadQuery(), page: PageRequest(limit: 2))
        while true {
            seen += page.items.map(\.personId)
            guard let next = page.next else { break }
            page = try s.caseloadPageBlocking(query: CaseloadQuery(), page: PageRequest(limit: 2, after: next))
        }
        XCTAssertEqual(seen, whole)
        let due = try s.duePageBlocking(until: day(10), page: PageRequest(limit: 3))
        let rest = try s.duePageBlocking(until: day(10), page: PageRequest(limit: 3, after: due.next))
        XCTAssertEqual(due.items + rest.items, try s.dueBlocking(until: day(10)))
        XCTAssertNil(rest.next)
        let history = try s.historyPageBlocking(personId: ids[0], page: PageRequest(limit: 1))
        XCTAssertEqual(history.items, Array(try s.historyBlocking(personId: ids[0]).prefix(1)))
        assertInvalidInput(try s.caseloadPageBlocking(query: CaseloadQuery(), page: PageRequest(limit: 2, after: due.next)),
                           field: "after")
        assertInvalidInput(try s.historyPageBlocking(personId: ids[0], page: PageRequest(limit: 0)), field: "limit")
    }
}
