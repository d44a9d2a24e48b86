// Object lifecycle. Swift has no close(): a LinkWorkStore is freed with its last reference, so
// "use after close" cannot be written; what can go wrong is a store (or a listener) that is
// never freed, or data that does not outlive the object. These tests cover both.
import Foundation
import XCTest
import LinkWork

final class LifecycleTests: LinkWorkTestCase {
    func testReleasedStoreIsFreedAndItsDataOutlivesIt() throws {
        let path = dir.path("caseload.db")
        weak var released: LinkWorkStore?
        let pid: String = try {
            let store = try LinkWorkStore.createBlocking(path: path, key: .unencrypted, user: "sam.worker", role: .linkWorker)
            released = store
            let pid = try store.addPersonBlocking(person: newPerson())
            _ = try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "Join a walking group"))
            return pid
        }() // the store goes out of scope here
        XCTAssertNil(released, "the store was freed with its last reference")

        // The data outlived the object; the file is free to open again.
        let reopened = try LinkWorkStore.openBlocking(path: path, key: .unencrypted)
        XCTAssertEqual(reopened.info().user, "sam.worker")
        let record = try reopened.personBlocking(personId: pid)
        XCTAssertEqual(record.caseRecord?.demographics.givenName, "Ada")
        XCTAssertEqual(record.plan.goals.map(\.text), ["Join a walking group"])
        XCTAssertEqual(try reopened.caseloadBlocking(query: CaseloadQuery(text: "lovelace")).map(\.personId), [pid])
    }

    func testReopenEditReleaseSeveralTimes() throws {
        let path = dir.path("caseload.db")
        var pid = ""
        do {
            let store = try LinkWorkStore.createBlocking(path: path, key: .unencrypted, user: "sam.worker", role: .linkWorker)
            pid = try store.addPersonBlocking(person: newPerson())
        }
        for round in 1...5 {
            let store = try LinkWorkStore.openBlocking(path: path, key: .unencrypted)
            _ = try store.addCaseNoteBlocking(personId: pid, text: "Visit \(round)")
            XCTAssertEqual(try store.personBlocking(personId: pid).caseRecord?.notes.count, round)
        }
        XCTAssertEqual(
            try LinkWorkStore.openBlocking(path: path, key: .unencrypted).personBlocking(personId: pid).caseRecord?.notes.map(\.text),
            (1...5).map { "Visit \($0)" }
        )
    }

    func testRecordsAreValuesThatOutliveTheStore() throws {
        var record: PersonRecord?
        var store: LinkWorkStore? = try linkWorkerStore()
        weak var weakStore = store
        let pid = try store!.addPersonBlocking(person: newPerson())
        record = try store!.personBlocking(personId: pid)
        store = nil
        XCTAssertNil(weakStore)
        // A record is a plain Swift struct: still readable, and copies are independent.
        var copy = try XCTUnwrap(record)
        copy.plan.whatMatters = "changed locally"
        XCTAssertEqual(record?.caseRecord?.demographics.familyName, "Lovelace")
        XCTAssertEqual(record?.plan.whatMatters, "")
        XCTAssertNotEqual(copy, record)
    }

    func testReleasingAStoreReleasesItsListeners() throws {
        weak var weakStore: LinkWorkStore?
        weak var weakRecorder: Recorder?
        do {
            let store = try linkWorkerStore()
            let recorder = Recorder()
            _ = store.addListener(listener: recorder)
            weakStore = store
            weakRecorder = recorder
            _ = try store.addPersonBlocking(person: newPerson())
            XCTAssertEqual(recorder.calls.count, 1)
        }
        XCTAssertNil(weakStore, "a store with a listener registered is still freed")
        XCTAssertNil(weakRecorder, "and the listener it held is released with it")
    }

    func testTwoOpenStoresOnOneFileSeeEachOthersWrites() throws {
        let path = dir.path("hub.db")
        let first = try LinkWorkStore.createBlocking(path: path, key: .unencrypted, user: "sam.worker", role: .linkWorker)
        let second = try LinkWorkStore.openAsBlocking(path: path, key: .unencrypted, user: "jo.colleague")
        let pid = try first.addPersonBlocking(person: newPerson())
        XCTAssertEqual(try second.caseloadBlocking(query: CaseloadQuery()).map(\.personId), [pid])
        _ = try second.addGoalBlocking(personId: pid, goal: NewGoal(text: "Walk"))
        XCTAssertEqual(try first.planBlocking(personId: pid).goals.map(\.createdBy), ["jo.colleague"])
    }

    func testAListenerHoldingItsStoreKeepsItAliveUntilRemoved() throws {
        final class Holding: ChangeListener, @unchecked Sendable {
            let store: LinkWorkStore // strong: store -> listener -> store is a cycle
            init(_ store: LinkWorkStore) { self.store = store }
            func peopleChanged(personIds: [String]) throws {}
        }
        weak var weakStore: LinkWorkStore?
        weak var weakListener: Holding?
        let token: Int64 = try {
            let store = try linkWorkerStore()
            let listener = Holding(store)
            weakStore = store
            weakListener = listener
            return store.addListener(listener: listener)
        }()
        XCTAssertNotNil(weakStore, "the cycle keeps the store alive after the app let go of it")
        XCTAssertNotNil(weakListener)

        XCTAssertEqual(weakStore?.removeListener(token: token), true)
        XCTAssertNil(weakListener, "removing the listener breaks the cycle")
        XCTAssertNil(weakStore, "and the store is freed")
    }
}
