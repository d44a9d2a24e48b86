// Sync through the byte API (Data in, Data out; `sync` uses the async calls): two link-worker
// stores converging, broken messages as typed errors, conflicts surfaced and resolved, live
// mode, and sessions driven from their own threads. Costs, share policy, batching and erasure
// are tested in Rust (tests/tests/integration/sync_*.rs).
import Foundation
import XCTest
import LinkWork

/// What one side of a finished exchange saw.
struct SideResult {
    let stats: SyncStats
    let changed: Set<String>
    let peer: PeerInfo?
}

/// Both sides of a finished exchange.
struct Exchange {
    let connecting: SideResult
    let listening: SideResult
    let messages: Int
}

/// Runs a whole session in memory: `from` connects, `to` listens, and every reply is handed to
/// the other side until a step has no reply, with the async API. Checks that both sessions end
/// complete.
func sync(_ from: LinkWorkStore, _ to: LinkWorkStore,
          file: StaticString = #filePath, line: UInt = #line) async throws -> Exchange {
    let start = try await from.syncStart()
    let a = start.session
    let b = to.syncAccept()
    var changedA = Set<String>()
    var changedB = Set<String>()
    var message: Data? = start.message
    var toListener = true
    var messages = 0
    while let m = message {
        messages += 1
        guard messages < 100 else {
            XCTFail("the exchange did not end", file: file, line: line)
            break
        }
        let step = try await (toListener ? b : a).receive(message: m)
        if toListener {
            changedB.formUnion(step.changedPersonIds)
        } else {
            changedA.formUnion(step.changedPersonIds)
        }
        if step.reply == nil {
            XCTAssertTrue(step.complete, "no reply but not complete", file: file, line: line)
        }
        message = step.reply
        toListener.toggle()
    }
    XCTAssertTrue(a.isComplete(), "connecting side not complete", file: file, line: line)
    XCTAssertTrue(b.isComplete(), "listening side not complete", file: file, line: line)
    XCTAssertEqual(changedA, Set(a.changedPersonIds()), file: file, line: line)
    XCTAssertEqual(changedB, Set(b.changedPersonIds()), file: file, line: line)
    return Exchange(
        connecting: SideResult(stats: a.stats(), changed: changedA, peer: a.peer()),
        listening: SideResult(stats: b.stats(), changed: changedB, peer: b.peer()),
        messages: messages
    )
}

/// Drives one round to the end: `message` goes to `to`, and replies bounce between the two
/// sessions until a step has no reply.
func deliver(_ message: Data, to: SyncSession, other: SyncSession) throws {
    var next: Data? = message
    var side = to
    while let current = next {
        next = try side.receiveBlocking(message: current).reply
        side = side === to ? other : to
    }
}

/// The caseload without `updatedAt` (when each device itself last changed a row).
func comparableCaseload(_ store: LinkWorkStore) throws -> [CaseloadEntry] {
    try store.caseloadBlocking(query: CaseloadQuery()).map { entry in
        var entry = entry
        entry.updatedAt = Date(timeIntervalSince1970: 0)
        return entry
    }
}

/// Asserts that `expression` throws `LinkWorkError.sync`; returns the error.
@discardableResult
func assertSyncError<T>(_ expression: @autoclosure () throws -> T, retryable expected: Bool? = nil,
                        file: StaticString = #filePath, line: UInt = #line) -> LinkWorkError? {
    var thrown: LinkWorkError?
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard case let LinkWorkError.sync(retryable, reason) = error else {
            return XCTFail("expected LinkWorkError.sync, got \(error)", file: file, line: line)
        }
        if let expected {
            XCTAssertEqual(retryable, expected, reason, file: file, line: line)
        }
        thrown = error as? LinkWorkError
    }
    return thrown
}

/// Asserts that `expression` throws exactly `expected`.
func assertThrows<T>(_ expression: @autoclosure () throws -> T, _ expected: LinkWorkError?,
                     file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        XCTAssertEqual(error as? LinkWorkError, expected, file: file, line: line)
    }
}

final class SyncTests: LinkWorkTestCase {
    func testTwoLinkWorkerStoresSyncAndOfflineEditsMergeOnBoth() async throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let b = try linkWorkerStore("b.db", user: "jo.colleague")
        let pid = try a.addPersonBlocking(person: newPerson())
        let goal = try a.addGoalBlocking(personId: pid, goal: NewGoal(text: "Join a walking group"))
        let heard = Recorder()
        _ = b.addListener(listener: heard)

        let first = try await sync(a, b)
        XCTAssertEqual(first.listening.changed, [pid])
        XCTAssertEqual(first.connecting.changed, [])
        XCTAssertEqual(first.connecting.peer, PeerInfo(storeId: b.info().storeId, role: .linkWorker, personId: nil))
        XCTAssertEqual(first.listening.peer, PeerInfo(storeId: a.info().storeId, role: .linkWorker, personId: nil))
        XCTAssertEqual(heard.calls, [[pid]])
        XCTAssertEqual(try a.personBlocking(personId: pid), try b.personBlocking(personId: pid))

        // Both edit offline, then b connects this time.
        _ = try a.addCaseNoteBlocking(personId: pid, text: "Note from Sam")
        _ = try a.recordProgressBlocking(goalId: goal, progress: NewProgress(rating: 6))
        _ = try b.addCaseNoteBlocking(personId: pid, text: "Note from Jo")
        let step = try b.addStepBlocking(personId: pid, step: NewStep(text: "Find boots", owner: .person))
        try b.updateStepBlocking(stepId: step, update: StepUpdate(due: day(7)))

        // The receiving store's listener runs after the merge: it already sees both sides.
        final class NotesSeen: ChangeListener, @unchecked Sendable {
            weak var store: LinkWorkStore?
            let seen = Collector<Set<String>>()
            func peopleChanged(personIds: [String]) throws {
                for id in personIds {
                    let notes = try store?.personBlocking(personId: id).caseRecord?.notes.map(\.text) ?? []
                    seen.add(Set(notes))
                }
            }
        }
        let notesSeen = NotesSeen()
        notesSeen.store = a
        _ = a.addListener(listener: notesSeen)
        let second = try await sync(b, a)
        XCTAssertEqual(second.connecting.changed, [pid], "b learned a's edits")
        XCTAssertEqual(second.listening.changed, [pid], "a learned b's edits")
        let both: Set<String> = ["Note from Sam", "Note from Jo"]
        // Told once per message that changed something: usually one, sometimes two (how the
        // exchange splits into messages varies from run to run). Each call already sees what
        // that message merged, and the last one sees both sides.
        let seen = notesSeen.seen.all
        XCTAssertFalse(seen.isEmpty)
        XCTAssertTrue(seen.allSatisfy { $0.contains("Note from Sam") && $0.isSubset(of: both) }, "\(seen)")
        XCTAssertEqual(seen.last, both)

        let merged = try a.personBlocking(personId: pid)
        XCTAssertEqual(merged, try b.personBlocking(personId: pid))
        XCTAssertEqual(Set(merged.caseRecord?.notes.map(\.text) ?? []), both)
        XCTAssertEqual(merged.plan.goals.first?.progress.map(\.rating), [6])
        XCTAssertEqual(merged.plan.steps.map(\.due), [day(7)])
        XCTAssertTrue(merged.conflicts.isEmpty)
        XCTAssertEqual(try comparableCaseload(a), try comparableCaseload(b))
        XCTAssertEqual(Set(try a.historyBlocking(personId: pid).map(\.user)), ["sam.worker", "jo.colleague"])
    }

    func testCutOffBytesAreRetryableForeignBytesAreNotAndBothFinishTheSession() async throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let b = try linkWorkerStore("b.db", user: "jo.colleague")
        let pid = try a.addPersonBlocking(person: newPerson())
        let first = try a.syncStartBlocking().message
        // Slices of a Data (non-zero start index after dropFirst) cross like any Data.
        let broken: [Data] = [first.prefix(first.count / 2), first.dropLast(), Data(), Data([1, 2, 3]),
                              first.dropFirst()]
        for bad in broken {
            let session = b.syncAccept()
            // A cut-off message (its checksum fails) may succeed in a new session; bytes that
            // do not start like a linkwork message will not.
            let cutOff = bad.count > 3 && bad.prefix(3) == first.prefix(3)
            let error = assertSyncError(try session.receiveBlocking(message: bad), retryable: cutOff)
            // Abandoned: even the intact message is refused now, with the same error.
            assertThrows(try session.receiveBlocking(message: first), error)
        }
        // The documents' message cut off half-way: same error, nothing stored.
        let start = try a.syncStartBlocking()
        let listening = b.syncAccept()
        let manifest = try XCTUnwrap(try listening.receiveBlocking(message: start.message).reply)
        let documents = try XCTUnwrap(try start.session.receiveBlocking(message: manifest).reply)
        assertSyncError(try listening.receiveBlocking(message: documents.prefix(documents.count - 10)), retryable: true)
        XCTAssertTrue(try b.caseloadBlocking(query: CaseloadQuery()).isEmpty)

        // A new session succeeds.
        let exchange = try await sync(a, b)
        XCTAssertEqual(exchange.listening.changed, [pid])
        XCTAssertEqual(try a.personBlocking(personId: pid), try b.personBlocking(personId: pid))
    }

    func testConcurrentGoalStatusEditsSurfaceOneConflictThatAnEditResolves() async throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let b = try linkWorkerStore("b.db", user: "jo.colleague")
        let pid = try a.addPersonBlocking(person: newPerson())
        let goal = try a.addGoalBlocking(personId: pid, goal: NewGoal(text: "Join a walking group"))
        _ = try await sync(a, b)
        let before = Date().addingTimeInterval(-2)

        try a.updateGoalBlocking(goalId: goal, update: GoalUpdate(status: .achieved))
        try b.updateGoalBlocking(goalId: goal, update: GoalUpdate(status: .dropped))
        XCTAssertTrue(try a.personBlocking(personId: pid).conflicts.isEmpty, "no conflict before the stores meet")
        _ = try await sync(a, b)

        let record = try a.personBlocking(personId: pid)
        XCTAssertEqual(record, try b.personBlocking(personId: pid), "both stores show the same record and conflict")
        XCTAssertEqual(record.conflicts.count, 1)
        let conflict = try XCTUnwrap(record.conflicts.first)
        XCTAssertEqual(conflict.document, .plan)
        XCTAssertEqual(conflict.path, ["goals", goal, "status"])
        XCTAssertEqual(
            Dictionary(uniqueKeysWithValues: conflict.values.map { (codeOf($0.value), $0.setBy) }),
            ["achieved": "sam.worker", "dropped": "jo.colleague"]
        )
        XCTAssertEqual(conflict.values.map(\.shown), [true, false], "the shown value comes first")
        let shown = try XCTUnwrap(record.plan.goals.first).status
        XCTAssertEqual(shown, codeOf(conflict.values[0].value) == "achieved" ? .achieved : .dropped)
        for value in conflict.values {
            XCTAssertGreaterThanOrEqual(value.setAt, before)
            XCTAssertLessThanOrEqual(value.setAt, Date().addingTimeInterval(2))
        }

        // Resolving is a new edit of the field; the peer learns it on the next sync.
        try b.updateGoalBlocking(goalId: goal, update: GoalUpdate(status: .partlyAchieved))
        XCTAssertTrue(try b.personBlocking(personId: pid).conflicts.isEmpty)
        XCTAssertEqual(try a.personBlocking(personId: pid).conflicts.count, 1)
        let back = try await sync(b, a)
        XCTAssertEqual(back.listening.changed, [pid])
        for store in [a, b] {
            let r = try store.personBlocking(personId: pid)
            XCTAssertTrue(r.conflicts.isEmpty)
            XCTAssertEqual(r.plan.goals.first?.status, .partlyAchieved)
        }
    }

    func testLiveModePollCarriesAnEditOverAnOpenSession() throws {
        let worker = try linkWorkerStore("a.db", user: "sam.worker")
        let pid = try worker.addPersonBlocking(person: newPerson())
        let goal = try worker.addGoalBlocking(personId: pid, goal: NewGoal(text: "Join a walking group"))
        let phone = try LinkWorkStore.createBlocking(path: dir.path("phone.db"), key: .unencrypted, user: "ada", role: .patient, personId: pid)
        let start = try phone.syncStartBlocking()
        let sp = start.session
        let sw = worker.syncAccept()

        try deliver(start.message, to: sw, other: sp)
        XCTAssertTrue(sp.isComplete() && sw.isComplete())
        XCTAssertEqual(try phone.planBlocking(personId: pid).goals.map(\.id), [goal])
        XCTAssertNil(try sp.pollBlocking(), "nothing new")
        XCTAssertNil(try sw.pollBlocking(), "nothing new")

        // During the call the person records progress; the worker sees it at once.
        let heard = Recorder()
        _ = worker.addListener(listener: heard)
        _ = try phone.recordProgressBlocking(goalId: goal, progress: NewProgress(rating: 8, note: "on the call"))
        let update = try XCTUnwrap(try sp.pollBlocking())
        XCTAssertNil(try sp.pollBlocking(), "a round is in flight")
        try deliver(update, to: sw, other: sp)
        XCTAssertEqual(try worker.planBlocking(personId: pid).goals.first?.progress.map(\.note), ["on the call"])
        XCTAssertEqual(heard.calls, [[pid]])

        // And the other way.
        let step = try worker.addStepBlocking(personId: pid, step: NewStep(text: "Try the Tuesday walk", owner: .person))
        try deliver(try XCTUnwrap(try sw.pollBlocking()), to: sp, other: sw)
        XCTAssertEqual(try phone.planBlocking(personId: pid).steps.map(\.id), [step])
        XCTAssertEqual(try worker.planBlocking(personId: pid), try phone.planBlocking(personId: pid))
        XCTAssertNil(try sp.pollBlocking())
        XCTAssertNil(try sw.pollBlocking())
        XCTAssertTrue(sp.isComplete() && sw.isComplete())
    }

    func testEachSideOnItsOwnThreadOverAQueueTransport() throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let people = try (0..<5).map { try a.addPersonBlocking(person: newPerson(given: "P\($0)", nhs: nil)) }

        // A listener that reads the session's getters while the session applies a message (they
        // must not wait for it). It holds the session weakly: session -> store -> listener.
        final class Getters: ChangeListener, @unchecked Sendable {
            weak var session: SyncSession?
            let stats = Collector<SyncStats>()
            let peers = Collector<String?>()
            func peopleChanged(personIds: [String]) throws {
                guard let session else { return }
                stats.add(session.stats())
                peers.add(session.peer()?.storeId)
                _ = session.isComplete()
            }
        }
        let getters = Getters()
        var listening: SyncSession! = try {
            let b = try linkWorkerStore("b.db", user: "jo.colleague")
            _ = try b.addPersonBlocking(person: newPerson(given: "Q", nhs: nil))
            _ = b.addListener(listener: getters)
            let session = b.syncAccept()
            getters.session = session
            return session
        }() // the app let go of its store: the session keeps it open until the session goes

        let toA = Channel()
        let toB = Channel()
        let failures = Collector<Void>()
        let group = DispatchGroup()
        func side(_ session: SyncSession, inbox: Channel, outbox: Channel, first: Data?) {
            DispatchQueue.global().async(group: group) {
                do {
                    if let first { outbox.send(.bytes(first)) }
                    while true {
                        guard let message = inbox.receiveBlocking(timeout: 30) else {
                            throw LinkWorkError.unexpected(reason: "the peer went silent")
                        }
                        guard case let .bytes(bytes) = message else { break } // EOF
                        guard let reply = try session.receiveBlocking(message: bytes).reply else {
                            outbox.send(.eof)
                            break
                        }
                        outbox.send(.bytes(reply))
                    }
                } catch {
                    failures.fail(error)
                    outbox.send(.eof)
                }
            }
        }
        let start = try a.syncStartBlocking()
        var connecting: SyncSession! = start.session
        side(connecting, inbox: toA, outbox: toB, first: start.message)
        side(listening, inbox: toB, outbox: toA, first: nil)
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success, "the exchange did not end")
        XCTAssertTrue(failures.failures.isEmpty, "\(failures.failures)")

        XCTAssertTrue(connecting.isComplete() && listening.isComplete())
        XCTAssertEqual(Set(listening.changedPersonIds()), Set(people))
        XCTAssertEqual(connecting.changedPersonIds().count, 1)
        XCTAssertEqual(connecting.stats().bytesSent, listening.stats().bytesReceived)
        XCTAssertEqual(connecting.stats().bytesReceived, listening.stats().bytesSent)
        XCTAssertEqual(connecting.stats().roundTrips, listening.stats().roundTrips)
        XCTAssertFalse(getters.stats.all.isEmpty)
        XCTAssertEqual(Set(getters.peers.all), [a.info().storeId])

        connecting = nil
        listening = nil
        let reopened = try LinkWorkStore.openBlocking(path: dir.path("b.db"), key: .unencrypted)
        XCTAssertEqual(try a.caseloadBlocking(query: CaseloadQuery()).count, 6)
        XCTAssertEqual(try comparableCaseload(a), try comparableCaseload(reopened))
    }

    func testASessionKeepsItsStoreOpenAfterTheAppLetGoOfIt() throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let pid = try a.addPersonBlocking(person: newPerson())
        weak var weakStore: LinkWorkStore?
        weak var weakSession: SyncSession?
        var listening: SyncSession? = try {
            let b = try linkWorkerStore("b.db", user: "jo.colleague")
            weakStore = b
            return b.syncAccept()
        }()
        weakSession = listening
        // The Swift wrapper is freed; the native store lives on inside the session.
        XCTAssertNil(weakStore)
        let start = try a.syncStartBlocking()
        try deliver(start.message, to: try XCTUnwrap(listening), other: start.session)
        XCTAssertEqual(listening?.isComplete(), true)
        XCTAssertEqual(listening?.changedPersonIds(), [pid])

        listening = nil
        XCTAssertNil(weakSession, "the session is freed with its last reference")
        // The store file was written through the session, is closed, and opens again.
        let reopened = try LinkWorkStore.openBlocking(path: dir.path("b.db"), key: .unencrypted)
        XCTAssertEqual(reopened.info().user, "jo.colleague")
        XCTAssertEqual(try reopened.personBlocking(personId: pid), try a.personBlocking(personId: pid))
    }
}

/// A blocking queue of messages standing in for a socket; `.eof` is the stream closing.
final class Channel: @unchecked Sendable {
    enum Message {
        case bytes(Data)
        case eof
    }

    private let condition = NSCondition()
    private var queue: [Message] = []

    func send(_ message: Message) {
        condition.lock()
        queue.append(message)
        condition.signal()
        condition.unlock()
    }

    /// The next message, or nil after `timeout` seconds without one.
    func receiveBlocking(timeout: TimeInterval) -> Message? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if !condition.wait(until: deadline) { return nil }
        }
        return queue.removeFirst()
    }
}
