// Change observation: a Swift ChangeListener told which people changed after local edits, never
// after removal, never while a lock is held, and harmless when it throws.
import Foundation
import XCTest
import LinkWork

final class ListenerTests: LinkWorkTestCase {
    func testToldThePersonIdAfterEachLocalEditAndNotAfterRemoval() throws {
        let store = try linkWorkerStore()
        let recorder = Recorder()
        let token = store.addListener(listener: recorder)

        let pid = try store.addPersonBlocking(person: newPerson())
        let other = try store.addPersonBlocking(person: newPerson(given: "Grace", family: "Hopper", nhs: nil))
        _ = try store.addGoalBlocking(personId: pid, goal: NewGoal(text: "Walk"))
        _ = try store.addCaseNoteBlocking(personId: other, text: "Phoned")
        XCTAssertEqual(recorder.calls, [[pid], [other], [pid], [other]])

        // A refused edit changes nothing and tells nobody; neither do reads.
        assertInvalidInput(try store.addGoalBlocking(personId: pid, goal: NewGoal(text: " ")))
        _ = try store.personBlocking(personId: pid)
        _ = try store.caseloadBlocking(query: CaseloadQuery())
        _ = try store.historyBlocking(personId: pid)
        XCTAssertEqual(recorder.calls.count, 4)

        XCTAssertTrue(store.removeListener(token: token))
        XCTAssertFalse(store.removeListener(token: token), "a token is removed once")
        try store.setWhatMattersBlocking(personId: pid, text: "Seeing people")
        _ = try store.addCaseNoteBlocking(personId: other, text: "Phoned again")
        XCTAssertEqual(recorder.calls.count, 4, "not told after removal")
    }

    func testSeveralListenersEachToldAndRemovedIndependently() throws {
        let store = try linkWorkerStore()
        let first = Recorder()
        let second = Recorder()
        let firstToken = store.addListener(listener: first)
        let secondToken = store.addListener(listener: second)
        XCTAssertNotEqual(firstToken, secondToken)

        let pid = try store.addPersonBlocking(person: newPerson())
        XCTAssertEqual(first.calls, [[pid]])
        XCTAssertEqual(second.calls, [[pid]])

        XCTAssertTrue(store.removeListener(token: firstToken))
        try store.setWhatMattersBlocking(personId: pid, text: "Gardening")
        XCTAssertEqual(first.calls, [[pid]])
        XCTAssertEqual(second.calls, [[pid], [pid]])
        XCTAssertFalse(store.removeListener(token: 987_654_321), "unknown token")
    }

    func testToldOnTheEditingThread() throws {
        let store = try linkWorkerStore()
        let recorder = Recorder()
        _ = store.addListener(listener: recorder)
        let done = expectation(description: "edit on a background queue")
        let failures = Collector<Void>()
        DispatchQueue.global().async {
            do {
                _ = try store.addPersonBlocking(person: newPerson())
            } catch {
                failures.fail(error)
            }
            done.fulfill()
        }
        wait(for: [done], timeout: 30)
        XCTAssertTrue(failures.failures.isEmpty, "\(failures.failures)")
        XCTAssertEqual(recorder.calls.count, 1)
        XCTAssertEqual(recorder.onMainThread, [false], "called on the (background) thread that edited")
    }

    func testListenerMayCallBackIntoTheStore() throws {
        let store = try linkWorkerStore()
        final class Reentrant: ChangeListener, @unchecked Sendable {
            weak var store: LinkWorkStore?
            let seen = Collector<String>() // given names read back, and any error

            func peopleChanged(personIds: [String]) throws {
                guard let store else { return }
                do {
                    // Would deadlock if the store still held its writer lock while calling us.
                    for id in personIds {
                        let name = try store.personBlocking(personId: id).caseRecord?.demographics.givenName ?? "?"
                        seen.add(name)
                    }
                    _ = try store.caseloadBlocking(query: CaseloadQuery())
                } catch {
                    seen.fail(error)
                }
            }
        }
        let listener = Reentrant()
        listener.store = store // weak: a strong reference would be a cycle through the store
        _ = store.addListener(listener: listener)

        let done = expectation(description: "edits with a re-entrant listener finish")
        let failures = Collector<Void>()
        DispatchQueue.global().async {
            do {
                let pid = try store.addPersonBlocking(person: newPerson())
                try store.setWhatMattersBlocking(personId: pid, text: "Gardening")
            } catch {
                failures.fail(error)
            }
            done.fulfill()
        }
        wait(for: [done], timeout: 30) // a deadlock fails here instead of hanging the suite
        XCTAssertTrue(failures.failures.isEmpty, "\(failures.failures)")
        XCTAssertTrue(listener.seen.failures.isEmpty, "\(listener.seen.failures)")
        XCTAssertEqual(listener.seen.all, ["Ada", "Ada"])
    }

    func testThrowingListenersNeitherFailTheEditNorStarveOthers() throws {
        struct ListenerBug: Error {}
        final class Throwing: ChangeListener, @unchecked Sendable {
            let error: Error
            init(_ error: Error) { self.error = error }
            func peopleChanged(personIds: [String]) throws { throw error }
        }
        let store = try linkWorkerStore()
        _ = store.addListener(listener: Throwing(ListenerBug()))
        _ = store.addListener(listener: Throwing(LinkWorkError.unexpected(reason: "declared error (expected in this test)")))
        let healthy = Recorder()
        _ = store.addListener(listener: healthy)

        let pid = try store.addPersonBlocking(person: newPerson())
        XCTAssertEqual(healthy.calls, [[pid]])
        XCTAssertEqual(try store.caseloadBlocking(query: CaseloadQuery()).count, 1)
        try store.setWhatMattersBlocking(personId: pid, text: "Still fine")
        XCTAssertEqual(healthy.calls, [[pid], [pid]])
    }

    func testStoreKeepsItsListenerAliveUntilRemoved() throws {
        let store = try linkWorkerStore()
        weak var weakRecorder: Recorder?
        let token: Int64 = {
            let recorder = Recorder()
            weakRecorder = recorder
            return store.addListener(listener: recorder)
        }()
        XCTAssertNotNil(weakRecorder, "the store holds the listener the app let go of")
        _ = try store.addPersonBlocking(person: newPerson())
        XCTAssertEqual(weakRecorder?.calls.count, 1)

        XCTAssertTrue(store.removeListener(token: token))
        XCTAssertNil(weakRecorder, "removing the listener releases it")
    }
}
