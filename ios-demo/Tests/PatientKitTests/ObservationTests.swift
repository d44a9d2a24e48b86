// The plan as an observed stream: the models follow changes they did not make, start empty and
// fill in at the first sync, and stop listening when observation stops (cancellation).
import Foundation
import XCTest
import LinkWork
@testable import PatientKit

/// Keeps an observation alive until the waiter ends it.
@MainActor
private final class TokenHolder {
    var token: ObservationToken?
}

/// Waits until `condition` holds, re-checking after each change `model` announces.
@MainActor
func waitUntil(_ model: some ObservableModel, _ condition: @escaping @MainActor () -> Bool) async {
    if condition() { return }
    let holder = TokenHolder()
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        holder.token = model.changes.observe {
            guard condition(), let token = holder.token else { return }
            token.cancel()
            holder.token = nil
            continuation.resume()
        }
    }
}

final class ObservationTests: PatientKitTestCase {
    func testThePlanFollowsAChangeTheModelDidNotMake() async throws {
        let patient = try await fixture.paired()
        XCTAssertTrue(patient.isObserving, "the app observes the plan once paired")
        XCTAssertNil(patient.plan?.steps.first { $0.id == fixture.ownStep }?.doneAt)
        // Straight through the store, as another part of the app (or a sync) would: no reload.
        try await patient.store.store.completeStep(stepId: fixture.ownStep)
        await waitUntil(patient) { patient.plan?.steps.first { $0.id == self.fixture.ownStep }?.doneAt != nil }
        XCTAssertEqual(patient.steps.done.map(\.id), [fixture.ownStep], "the steps screen shows it too")
    }

    func testThePlanStreamStartsEmptyAndFillsInAtTheFirstSync() async throws {
        let patient = try await fixture.paired(synced: false)
        await patient.stopObserving()
        var values = patient.store.planUpdates().makeAsyncIterator()
        let before = try await values.next()
        XCTAssertEqual(before, .some(nil), "nothing held before the first sync")
        _ = try await SyncRunner.run(patient.store.store, over: await fixture.peer.connect(), as: .connecting)
        let after = try await values.next()
        XCTAssertEqual(after??.goals.count, 2, "the plan arrived with the sync")
    }

    func testStoppingObservationRemovesTheStoreListener() async throws {
        let patient = try await fixture.paired()
        let store = patient.store.store
        let ownStep = fixture.ownStep
        func done() -> Bool { patient.plan?.steps.first { $0.id == ownStep }?.doneAt != nil }
        // Once a change made elsewhere has shown, the observation is settled on the plan's stream.
        try await store.completeStep(stepId: ownStep)
        await waitUntil(patient) { done() }
        XCTAssertEqual(store.listenerCount(), 1, "one listener: the plan's stream")
        await patient.stopObserving()
        XCTAssertFalse(patient.isObserving)
        XCTAssertEqual(store.listenerCount(), 0, "stopping removed it")
        try await store.reopenStep(stepId: ownStep)
        XCTAssertTrue(done(), "nobody told the model")
        patient.startObserving()
        await waitUntil(patient) { !done() }
        XCTAssertEqual(store.listenerCount(), 1)
    }

    func testCancellingTheConsumerOfThePlanStreamUnsubscribesIt() async throws {
        let patient = try await fixture.paired()
        let store = patient.store.store
        await patient.stopObserving()
        XCTAssertEqual(store.listenerCount(), 0)
        let (seen, tell) = AsyncStream<Void>.makeStream()
        let consumer = Task {
            for try await _ in patient.store.planUpdates() { tell.yield() }
        }
        var first = seen.makeAsyncIterator()
        _ = await first.next()
        XCTAssertEqual(store.listenerCount(), 1, "the stream listens while consumed")
        consumer.cancel()
        _ = await consumer.result
        // The stream's own task lets go of its subscription as it winds down.
        while store.listenerCount() > 0 { await Task.yield() }
        XCTAssertEqual(store.listenerCount(), 0)
    }

    func testAFreedModelStopsListening() async throws {
        let patient = try await fixture.paired()
        let store = patient.store.store
        await patient.stopObserving()
        weak var freed: PatientModel?
        do {
            let other = PatientModel(store: patient.store, connect: { _ in throw TransportClosed() })
            other.startObserving()
            await waitUntil(other) { other.hasLoaded }
            XCTAssertEqual(store.listenerCount(), 1)
            freed = other
        }
        XCTAssertNil(freed, "observing does not keep a model alive")
        // Freeing it cancelled its observation, which lets go of the subscription as it ends.
        while store.listenerCount() > 0 { await Task.yield() }
        XCTAssertEqual(store.listenerCount(), 0)
    }
}
