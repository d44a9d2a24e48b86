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
        guard case .code(let vocabulary, let codes) = conflict.field else { return XCTFail("\(conflict.field)") }
        XCTAssertEqual(vocabulary, .goalStatus)
        XCTAssertTrue(codes.contains("partly-achieved"))
        XCTAssertEqual(Set(conflict.values.map { codeOf($0.value) }), ["achieved", "dropped"])
        assertInvalidInput(try a.resolveConflictBlocking(personId: pid, document: conflict.document, path: conflict.path,
                                                 resolution: .keep(value: .code(value: "active"))), field: "value")
        assertInvalidInput(try a.resolveConflictBlocking(personId: pid, document: conflict.document, path: conflict.path,
                                                 resolution: .new(value: .code(value: "finished"))), field: "value")
        assertInvalidInput(try a.resolveConflictBlocking(personId: pid, document: .plan, path: ["what_matters"],
                                                 resolution: .new(value: .text(value: "x"))), field: "path")
        try a.resolveConflictBlocking(personId: pid, document: conflict.document, path: conflict.path,
                              resolution: .keep(value: .code(value: "dropped")))
        XCTAssertEqual(try a.conflictedPeopleBlocking(), [])
        _ = try await sync(a, b)
        XCTAssertEqual(try b.conflictedPeopleBlocking(), [])
        XCTAssertEqual(try b.planBlocking(personId: pid).goals.first?.status, .dropped)
    }

    func testDateAndTextConflictsResolveWithTypedValues() async throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let b = try linkWorkerStore("b.db", user: "jo.colleague")
        let pid = try a.addPersonBlocking(person: newPerson())
        _ = try await sync(a, b)
        try a.setReviewDateBlocking(personId: pid, date: day(30))
        try b.setReviewDateBlocking(personId: pid, date: day(40))
        try a.updateDemographicsBlocking(personId: pid, update: DemographicsUpdate(givenName: "Samuel"))
        try b.updateDemographicsBlocking(personId: pid, update: DemographicsUpdate(givenName: "Sammy"))
        _ = try await sync(a, b)
        let record = try a.personBlocking(personId: pid)
        let review = try XCTUnwrap(record.conflicts.first { $0.path == ["review_date"] })
        XCTAssertEqual(review.field, .date)
        XCTAssertEqual(Set(review.values.map(\.value)), [.date(value: day(30)), .date(value: day(40))])
        let name = try XCTUnwrap(record.conflicts.first { $0.document == .case })
        XCTAssertEqual(name.path, ["demographics", "given_name"])
        XCTAssertEqual(name.field, .text)
        XCTAssertEqual(Set(name.values.map(\.value)), [.text(value: "Samuel"), .text(value: "Sammy")])

        // A value of another type is refused and nothing changes.
        assertInvalidInput(try a.resolveConflictBlocking(personId: pid, document: .plan, path: review.path,
                                                 resolution: .new(value: .text(value: "2031-01-01"))), field: "value")
        assertInvalidInput(try a.resolveConflictBlocking(personId: pid, document: .case, path: name.path,
                                                 resolution: .new(value: .date(value: day(50)))), field: "value")
        XCTAssertEqual(try a.personBlocking(personId: pid), record)

        try a.resolveConflictBlocking(personId: pid, document: .plan, path: review.path,
                                      resolution: .new(value: .date(value: day(50))))
        try a.resolveConflictBlocking(personId: pid, document: .case, path: name.path,
                                      resolution: .keep(value: .text(value: "Sammy")))
        XCTAssertEqual(try a.conflictedPeopleBlocking(), [])
        _ = try await sync(a, b)
        for s in [a, b] {
            let r = try s.personBlocking(personId: pid)
            XCTAssertTrue(r.conflicts.isEmpty)
            XCTAssertEqual(r.plan.reviewDate, day(50))
            XCTAssertEqual(r.caseRecord?.demographics.givenName, "Sammy")
        }
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

/// The code of a conflict value listed for a code field ("" for another kind of value).
func codeOf(_ value: FieldValue) -> String {
    if case .code(let code) = value { return code }
    return ""
}
