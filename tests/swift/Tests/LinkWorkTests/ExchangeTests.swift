// Whole-document exchange between stores: export bytes (Data) from one, import into another,
// merge concurrent edits. A patient's store's limits are tested in Rust
// (tests/tests/integration/roles.rs).
import Foundation
import XCTest
import LinkWork

final class ExchangeTests: LinkWorkTestCase {
    func testExportImportBetweenTwoStoresMergesBothSidesEdits() throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let b = try linkWorkerStore("b.db", user: "jo.colleague")
        let pid = try a.addPersonBlocking(person: newPerson())
        _ = try a.addGoalBlocking(personId: pid, goal: NewGoal(text: "Join a walking group"))
        let recorder = Recorder()
        _ = b.addListener(listener: recorder)
        XCTAssertTrue(try b.caseloadBlocking(query: CaseloadQuery()).isEmpty)

        for kind in [DocKind.plan, .case] {
            let bytes = try a.exportDocumentBlocking(personId: pid, kind: kind)
            XCTAssertFalse(bytes.isEmpty)
            XCTAssertEqual(try b.importDocumentBlocking(bytes: bytes), ImportOutcome(personId: pid, kind: kind, changed: true))
        }
        XCTAssertEqual(recorder.calls, [[pid], [pid]], "an import tells listeners which person changed")

        // The merge is visible in the other store's caseload.
        let entries = try b.caseloadBlocking(query: CaseloadQuery(text: "lovelace"))
        XCTAssertEqual(entries.map(\.personId), [pid])
        XCTAssertEqual(entries.first?.activeGoals, 1)
        XCTAssertEqual(entries.first?.status, .referred)

        // Both edit offline, then exchange: nothing is lost on either side.
        _ = try a.addCaseNoteBlocking(personId: pid, text: "Note from Sam")
        _ = try b.addCaseNoteBlocking(personId: pid, text: "Note from Jo")
        _ = try a.transitionEpisodeBlocking(personId: pid, transition: EpisodeTransition(to: .accepted))
        XCTAssertTrue(try b.importDocumentBlocking(bytes: a.exportDocumentBlocking(personId: pid, kind: .case)).changed)
        XCTAssertTrue(try a.importDocumentBlocking(bytes: b.exportDocumentBlocking(personId: pid, kind: .case)).changed)
        for store in [a, b] {
            let notes = try store.personBlocking(personId: pid).caseRecord?.notes.map(\.text) ?? []
            XCTAssertEqual(Set(notes), ["Note from Sam", "Note from Jo"])
        }
        XCTAssertEqual(try b.caseloadBlocking(query: CaseloadQuery(status: .accepted)).map(\.personId), [pid])
        XCTAssertFalse(
            try b.importDocumentBlocking(bytes: a.exportDocumentBlocking(personId: pid, kind: .case)).changed,
            "already had every change"
        )
        XCTAssertEqual(Set(try b.historyBlocking(personId: pid).map(\.user)), ["sam.worker", "jo.colleague"])

        // Bad bytes and unknown people.
        assertInvalidInput(try b.importDocumentBlocking(bytes: Data([1, 2, 3, 4])), field: "document")
        assertInvalidInput(try b.importDocumentBlocking(bytes: Data()), field: "document")
        assertNotFound(try a.exportDocumentBlocking(personId: UUID().uuidString.lowercased(), kind: .plan))
    }
}
