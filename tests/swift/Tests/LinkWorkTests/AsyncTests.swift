// The async API (issue 14): `async` calls against the real library, run on the core's I/O
// threads (never on Swift's cooperative pool or the caller's thread): results and typed errors
// through uniffi's futures, many tasks at once, the main actor kept free while a call is in
// flight, and the sync-status stream refreshed by a sync that changed nobody.
import Foundation
import XCTest
import LinkWork

/// A listener that holds the thread it is called on until `release` is signalled, noting
/// whether the signal came in time and which thread it ran on.
private final class HoldingListener: ChangeListener, @unchecked Sendable {
    let release = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private(set) var releasedInTime: [Bool] = []
    private(set) var onMainThread: [Bool] = []
    func peopleChanged(personIds: [String]) throws {
        let main = Thread.isMainThread
        let ok = release.wait(timeout: .now() + 30) == .success
        lock.lock(); releasedInTime.append(ok); onMainThread.append(main); lock.unlock()
    }
}

final class AsyncTests: LinkWorkTestCase {
    private func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<30_000 where !condition() { try await Task.sleep(nanoseconds: 1_000_000) }
        XCTAssertTrue(condition())
    }

    func testAsyncRoundTrip() async throws {
        let store = try linkWorkerStore()
        let pid = try await store.addPerson(person: newPerson())
        let record = try await store.person(personId: pid)
        XCTAssertEqual(record.caseRecord?.demographics.givenName, "Ada")
        let caseload = try await store.caseload(query: CaseloadQuery())
        XCTAssertEqual(caseload.map(\.personId), [pid])
    }

    func testAsyncCallsThrowTypedErrors() async throws {
        let store = try linkWorkerStore()
        do {
            _ = try await store.person(personId: UUID().uuidString.lowercased())
            XCTFail("expected NotFound")
        } catch LinkWorkError.notFound(let kind, _) {
            XCTAssertEqual(kind, "person")
        }
        let empty = try await store.caseload(query: CaseloadQuery())
        XCTAssertEqual(empty.count, 0)
    }

    func testManyTasksAtOnceAllLand() async throws {
        let store = try linkWorkerStore()
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for n in 0..<100 {
                group.addTask { try await store.addPerson(person: newPerson(given: "P\(n)", nhs: nil)) }
            }
            var all = Set<String>()
            for try await id in group { all.insert(id) }
            return all
        }
        XCTAssertEqual(ids.count, 100)
        let listed = try await store.caseload(query: CaseloadQuery())
        XCTAssertEqual(listed.count, 100)
    }

    // The listener runs on the thread that made the change (a core I/O thread for an async
    // call) and holds it until the main actor has run other work: had the call occupied the
    // main actor, that work could not run and the wait would time out.
    @MainActor
    func testTheMainActorRunsWhileACallIsInFlight() async throws {
        let store = try linkWorkerStore()
        let listener = HoldingListener()
        let subscription = store.subscribe(listener: listener)
        defer { _ = subscription.cancel() }
        let adding = Task { @MainActor in try await store.addPerson(person: newPerson()) }
        let other = Task { @MainActor in listener.release.signal() }
        _ = await other.value
        _ = try await adding.value
        XCTAssertEqual(listener.releasedInTime, [true])
        XCTAssertEqual(listener.onMainThread, [false])
    }

    func testSyncStatusRefreshesAfterASyncThatChangedNobody() async throws {
        let a = try linkWorkerStore("a.db", user: "a")
        let b = try linkWorkerStore("b.db", user: "b")
        _ = try await a.addPerson(person: newPerson())
        let seen = Collector<SyncStatus>()
        let task = Task { for try await status in a.syncStatusUpdates() { seen.add(status) } }
        defer { task.cancel() }
        try await eventually { !seen.all.isEmpty }
        _ = try await sync(a, b)
        try await eventually { seen.all.last?.peers.count == 1 }
        let before = seen.all.count
        let second = try await sync(a, b)
        XCTAssertTrue(second.connecting.changed.isEmpty && second.listening.changed.isEmpty)
        try await eventually { seen.all.count > before }
    }

    // Constructors and sync starts are async like every other disk call; their refusals arrive
    // as typed errors. The blocking variants (`createBlocking`, ...) remain for scripts.
    func testConstructorsAndSyncStartAreAsyncWithTypedErrors() async throws {
        let path = dir.path("opened.db")
        let key = StoreKey.encrypted(key: Data((0..<32).map { UInt8($0) }))
        let created = try await LinkWorkStore.create(path: path, key: key, user: "sam.worker", role: .linkWorker)
        let pid = try await created.addPerson(person: newPerson())
        let opened = try await LinkWorkStore.open(path: path, key: key)
        let record = try await opened.person(personId: pid)
        XCTAssertEqual(record.caseRecord?.demographics.givenName, "Ada")
        let colleague = try await LinkWorkStore.openAs(path: path, key: key, user: "jo.colleague")
        XCTAssertEqual(colleague.info().user, "jo.colleague")
        do {
            _ = try await LinkWorkStore.open(path: path, key: .encrypted(key: Data(count: 32)))
            XCTFail("opened with a wrong key")
        } catch LinkWorkError.wrongKey {
        }
        do {
            _ = try await LinkWorkStore.create(path: path, key: key, user: "x", role: .linkWorker)
            XCTFail("created over an existing store")
        } catch LinkWorkError.conflict {
        }

        // A session started and run to its end with the async calls only.
        let other = try linkWorkerStore("other.db", user: "jo.colleague")
        let start = try await created.syncStart()
        let listening = other.syncAccept()
        var message: Data? = start.message
        var toListener = true
        while let next = message {
            let step = try await (toListener ? listening : start.session).receive(message: next)
            message = step.reply
            toListener.toggle()
        }
        XCTAssertTrue(start.session.isComplete())
        XCTAssertTrue(listening.isComplete())
        let synced = try await other.person(personId: pid)
        XCTAssertEqual(synced.caseRecord?.demographics.givenName, "Ada")
    }
}
