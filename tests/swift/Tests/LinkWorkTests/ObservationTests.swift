// Observation: the hand-written AsyncStreams over LinkWorkStore.subscribe
// (bindings/swift/Sources/LinkWork/LinkWorkStreams.swift) against the real library: the first
// value at once, a new one after a change, cancellation unsubscribing (the store's listener
// count goes back), and a cancelled Subscription told nothing.
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
        let pid = try store.addPersonBlocking(person: newPerson())
        let second = try await iterator.next()
        XCTAssertEqual(second?.map { $0.personId }, [pid])

        let task = Task { for try await _ in store.caseloadUpdates() {} }
        try await eventually { store.listenerCount() == 2 }
        task.cancel()
        try await eventually { store.listenerCount() == 1 }
    }

    func testPersonUpdatesOnlyForThatPerson() async throws {
        let store = try linkWorkerStore()
        let pid = try store.addPersonBlocking(person: newPerson())
        let other = try store.addPersonBlocking(person: newPerson(given: "Grace", family: "Hopper", nhs: nil))
        var iterator = store.personUpdates(personId: pid).makeAsyncIterator()
        _ = try await iterator.next()
        _ = try store.addCaseNoteBlocking(personId: other, text: "Phoned")
        try store.setWhatMattersBlocking(personId: pid, text: "Gardening")
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

    func testACancelledSubscriptionIsToldNothing() throws {
        let store = try linkWorkerStore()
        let recorder = Recorder()
        let subscription = store.subscribe(listener: recorder)
        let pid = try store.addPersonBlocking(person: newPerson())
        XCTAssertEqual(recorder.calls, [[pid]])
        XCTAssertTrue(subscription.cancel())
        XCTAssertFalse(subscription.cancel(), "cancelled once")
        XCTAssertEqual(store.listenerCount(), 0)
        try store.setWhatMattersBlocking(personId: pid, text: "Walking")
        XCTAssertEqual(recorder.calls.count, 1)
    }
}
