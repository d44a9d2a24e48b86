// Observation: the hand-written AsyncStreams over LinkWorkStore.subscribe
// (bindings/swift/Sources/LinkWork/LinkWorkStreams.swift, reading through the async calls)
// against the real library, edits made with the async calls: the first value at once, a new
// one after a change, cancellation unsubscribing (the store's listener count goes back), and a
// cancelled Subscription told nothing.
import Foundation
import XCTest
import LinkWork

final class ObservationTests: LinkWorkTestCase {
    /// Waits (generously: no wall-clock assertion) until `condition` holds.
    private func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<30_000 where !condition() { try await Task.sleep(nanoseconds: 1_000_000) }
        XCTAssertTrue(condition())
    }

    func testCaseloadUpdatesFirstValueThenAfterAnEditAndCancellationUnsubscribes() async throws {
        let store = try linkWorkerStore()
        XCTAssertEqual(store.listenerCount(), 0)
        var iterator = store.caseloadUpdates().makeAsyncIterator()
        let first = try await iterator.next()
        XCTAssertEqual(first?.count, 0)
        XCTAssertEqual(store.listenerCount(), 1)
        let pid = try await store.addPerson(person: newPerson())
        let second = try await iterator.next()
        XCTAssertEqual(second?.map { $0.personId }, [pid])

        let task = Task { for try await _ in store.caseloadUpdates() {} }
        try await eventually { store.listenerCount() == 2 }
        task.cancel()
        try await eventually { store.listenerCount() == 1 }
    }

    func testPersonUpdatesOnlyForThatPerson() async throws {
        let store = try linkWorkerStore()
        let pid = try await store.addPerson(person: newPerson())
        let other = try await store.addPerson(person: newPerson(given: "Grace", family: "Hopper", nhs: nil))
        var iterator = store.personUpdates(personId: pid).makeAsyncIterator()
        _ = try await iterator.next()
        _ = try await store.addCaseNote(personId: other, text: "Phoned")
        try await store.setWhatMatters(personId: pid, text: "Gardening")
        let next = try await iterator.next()
        XCTAssertEqual(next?.plan.whatMatters, "Gardening")
    }

    func testSyncStatusUpdatesStartEmpty() async throws {
        let store = try linkWorkerStore()
        var iterator = store.syncStatusUpdates().makeAsyncIterator()
        let status = try await iterator.next()
        XCTAssertEqual(status?.peers, [])
        XCTAssertEqual(status?.conflictedPersonIds, [])
    }

    func testACancelledSubscriptionIsToldNothing() async throws {
        let store = try linkWorkerStore()
        let recorder = Recorder()
        let subscription = store.subscribe(listener: recorder)
        let pid = try await store.addPerson(person: newPerson())
        XCTAssertEqual(recorder.calls, [[pid]])
        XCTAssertTrue(subscription.cancel())
        XCTAssertFalse(subscription.cancel(), "cancelled once")
        XCTAssertEqual(store.listenerCount(), 0)
        try await store.setWhatMatters(personId: pid, text: "Walking")
        XCTAssertEqual(recorder.calls.count, 1)
    }
}
