// Sync through the byte API (Data in, Data out): two link-worker stores converging, cheap
// reconnects, a patient's store getting only its plan and refusing case data, broken messages,
// conflicts surfaced and resolved, erasure travelling, live mode, and sessions driven from their
// own threads.
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
/// the other side until a step has no reply. Checks that both sessions end complete.
func sync(_ from: LinkWorkStore, _ to: LinkWorkStore,
          file: StaticString = #filePath, line: UInt = #line) throws -> Exchange {
    let start = try from.syncStart()
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
        let step = try (toListener ? b : a).receiveBlocking(message: m)
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

/// Asserts that `expression` throws `LinkWorkError.Sync`; returns the error.
@discardableResult
func assertSyncError<T>(_ expression: @autoclosure () throws -> T, retryable expected: Bool? = nil,
                        file: StaticString = #filePath, line: UInt = #line) -> LinkWorkError? {
    var thrown: LinkWorkError?
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard case let LinkWorkError.Sync(retryable, reason) = error else {
            return XCTFail("expected LinkWorkError.Sync, got \(error)", file: file, line: line)
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
    func testTwoLinkWorkerStoresSyncAndOfflineEditsMergeOnBoth() throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let b = try linkWorkerStore("b.db", user: "jo.colleague")
        let pid = try a.addPersonBlocking(person: newPerson())
        let goal = try a.addGoalBlocking(personId: pid, goal: NewGoal(text: "Join a walking group"))
        let heard = Recorder()
        _ = b.addListener(listener: heard)

        let first = try sync(a, b)
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
        let second = try sync(b, a)
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

    func testIdleReconnectIsOneRoundTripUnderOneKilobyte() throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let b = try linkWorkerStore("b.db", user: "jo.colleague")
        for i in 0..<250 {
            _ = try a.addPersonBlocking(person: newPerson(given: "Person\(i)", nhs: nil))
        }
        let initial = try sync(a, b)
        XCTAssertEqual(initial.listening.changed.count, 250)
        XCTAssertEqual(try b.caseloadBlocking(query: CaseloadQuery()).count, 250)

        let heard = Recorder()
        _ = a.addListener(listener: heard)
        _ = b.addListener(listener: heard)
        for (from, to) in [(a, b), (b, a)] {
            let idle = try sync(from, to)
            let s = idle.connecting.stats
            XCTAssertEqual(idle.messages, 2)
            XCTAssertEqual(s.roundTrips, 1)
            XCTAssertEqual(s.messagesSent, 1)
            XCTAssertEqual(s.messagesReceived, 1)
            XCTAssertEqual(s.bytesSent, idle.listening.stats.bytesReceived)
            XCTAssertEqual(s.bytesReceived, idle.listening.stats.bytesSent)
            XCTAssertLessThan(s.bytesSent + s.bytesReceived, 1024, "idle reconnect cost")
            XCTAssertTrue(idle.connecting.changed.isEmpty && idle.listening.changed.isEmpty)
        }
        XCTAssertTrue(heard.calls.isEmpty, "nobody is told when nothing changed")
        XCTAssertGreaterThan(heard.syncsCompleted, 0, "but the sync status is told the sync completed")

        // One offline edit costs more than an idle reconnect, but far less than the caseload.
        let pid = try XCTUnwrap(try a.caseloadBlocking(query: CaseloadQuery(text: "Person249")).first).personId
        try a.setWhatMattersBlocking(personId: pid, text: "Gardening")
        let one = try sync(a, b)
        XCTAssertEqual(one.listening.changed, [pid])
        XCTAssertLessThan(one.connecting.stats.bytesSent + one.connecting.stats.bytesReceived, 8192)
    }

    func testAPatientStoreSyncsOnlyItsOwnPlanAndProgressFlowsBack() throws {
        let worker = try linkWorkerStore()
        let pid = try worker.addPersonBlocking(person: newPerson())
        let other = try worker.addPersonBlocking(person: newPerson(given: "Grace", family: "Hopper", nhs: nil))
        let goal = try worker.addGoalBlocking(personId: pid, goal: NewGoal(text: "Join a walking group"))
        let step = try worker.addStepBlocking(personId: pid, step: NewStep(text: "Find boots", owner: .person))
        _ = try worker.addGoalBlocking(personId: other, goal: NewGoal(text: "Someone else's goal"))
        _ = try worker.addCaseNoteBlocking(personId: pid, text: "Case data stays on the team's devices")

        let phone = try LinkWorkStore.create(path: dir.path("phone.db"), key: .unencrypted, user: "ada", role: .patient, personId: pid)
        let first = try sync(phone, worker)
        XCTAssertEqual(first.listening.peer, PeerInfo(storeId: phone.info().storeId, role: .patient, personId: pid))
        XCTAssertEqual(first.connecting.changed, [pid])
        XCTAssertEqual(try worker.planBlocking(personId: pid), try phone.planBlocking(personId: pid))
        XCTAssertNil(try phone.personBlocking(personId: pid).caseRecord)
        XCTAssertEqual(try phone.caseloadBlocking(query: CaseloadQuery()).map(\.personId), [pid])
        assertNotPermitted(try phone.exportDocumentBlocking(personId: pid, kind: .case))
        assertNotPermitted(try phone.planBlocking(personId: other))
        assertNotPermitted(try phone.erasePersonBlocking(personId: pid))

        // The person's own edits on their phone reach the worker, with their name.
        _ = try phone.recordProgressBlocking(goalId: goal, progress: NewProgress(rating: 7, note: "walked twice"))
        try phone.completeStepBlocking(stepId: step)
        let back = try sync(phone, worker)
        XCTAssertEqual(back.listening.changed, [pid])
        let plan = try worker.planBlocking(personId: pid)
        XCTAssertEqual(plan.goals.first?.progress.map(\.recordedBy), ["ada"])
        XCTAssertEqual(plan.steps.first?.doneBy, "ada")
        XCTAssertEqual(plan, try phone.planBlocking(personId: pid))
        XCTAssertEqual(try worker.personBlocking(personId: pid).caseRecord?.notes.count, 1)
    }

    func testAPatientStoreRefusesAMessageCarryingCaseDataStoringNothing() throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let b = try linkWorkerStore("b.db", user: "jo.colleague")
        let pid = try a.addPersonBlocking(person: newPerson())
        _ = try a.addGoalBlocking(personId: pid, goal: NewGoal(text: "Join a walking group"))
        _ = try a.addCaseNoteBlocking(personId: pid, text: "Confidential")

        // Capture a link-worker <-> link-worker exchange: a's hello, then a's message carrying
        // its whole documents (plan and case) to b.
        let start = try a.syncStart()
        let hello = start.message
        let manifest = try XCTUnwrap(try b.syncAccept().receiveBlocking(message: hello).reply)
        let documents = try XCTUnwrap(try start.session.receiveBlocking(message: manifest).reply)
        XCTAssertGreaterThan(documents.count, hello.count + 500, "the message carries whole documents")

        let phone = try LinkWorkStore.create(path: dir.path("phone.db"), key: .unencrypted, user: "ada", role: .patient, personId: pid)
        let heard = Recorder()
        _ = phone.addListener(listener: heard)
        do {
            let session = phone.syncAccept()
            let step = try session.receiveBlocking(message: hello) // a link worker may talk to the phone
            XCTAssertTrue(step.changedPersonIds.isEmpty)
            let refused = assertNotPermitted(try session.receiveBlocking(message: documents))
            XCTAssertEqual(refused, "receive a case document on a patient store")
            // The session is finished: later calls throw the same error.
            assertThrows(try session.receiveBlocking(message: documents), refused.map { LinkWorkError.NotPermitted(action: $0) })
            assertThrows(try session.pollBlocking(), refused.map { LinkWorkError.NotPermitted(action: $0) })
            XCTAssertFalse(session.isComplete())
            XCTAssertEqual(session.stats().messagesReceived, 2)
        }
        // Nothing of the message was stored, not even the plan the phone may hold.
        assertNotFound(try phone.planBlocking(personId: pid))
        XCTAssertTrue(try phone.caseloadBlocking(query: CaseloadQuery()).isEmpty)
        XCTAssertTrue(try phone.erasedPeopleBlocking().isEmpty)
        XCTAssertTrue(heard.calls.isEmpty)

        // The same message without the hello before it: out of order for a new session (the
        // hello may have been lost): a new session may succeed.
        assertSyncError(try phone.syncAccept().receiveBlocking(message: documents), retryable: true)
        XCTAssertTrue(try phone.caseloadBlocking(query: CaseloadQuery()).isEmpty)
    }

    func testCutOffBytesAreRetryableForeignBytesAreNotAndBothFinishTheSession() throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let b = try linkWorkerStore("b.db", user: "jo.colleague")
        let pid = try a.addPersonBlocking(person: newPerson())
        let first = try a.syncStart().message
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
        let start = try a.syncStart()
        let listening = b.syncAccept()
        let manifest = try XCTUnwrap(try listening.receiveBlocking(message: start.message).reply)
        let documents = try XCTUnwrap(try start.session.receiveBlocking(message: manifest).reply)
        assertSyncError(try listening.receiveBlocking(message: documents.prefix(documents.count - 10)), retryable: true)
        XCTAssertTrue(try b.caseloadBlocking(query: CaseloadQuery()).isEmpty)

        // A new session succeeds.
        XCTAssertEqual(try sync(a, b).listening.changed, [pid])
        XCTAssertEqual(try a.personBlocking(personId: pid), try b.personBlocking(personId: pid))
    }

    /// A first sync in 16 KiB batches: the second batch is damaged on the way (a retryable
    /// error, the first batch already stored), the next session resumes without sending again
    /// what was stored, and progress counts up to the total both sides announced.
    func testABatchedFirstSyncReportsProgressAndResumesAfterARetryableError() throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let b = try linkWorkerStore("b.db", user: "jo.colleague")
        var people = Set<String>()
        for i in 1...30 {
            people.insert(try a.addPersonBlocking(person: newPerson(given: "P\(i)", nhs: nil)))
        }
        func session(damageAt: Int?, seen: inout [SyncProgress]) throws {
            let start = try b.syncStart()
            let sb = start.session
            let sa = a.syncAccept()
            try sb.setMaxMessageBytes(bytes: 16_384)
            try sa.setMaxMessageBytes(bytes: 16_384)
            var message: Data? = start.message
            var toA = true
            var n = 0
            while var m = message {
                n += 1
                XCTAssertLessThan(n, 200, "the exchange did not end")
                XCTAssertLessThanOrEqual(m.count, 16_384)
                if n == damageAt {
                    let i = m.startIndex + m.count / 2
                    m[i] ^= 0x40
                }
                let step = try (toA ? sa : sb).receiveBlocking(message: m)
                if !toA {
                    seen.append(sb.progress())
                }
                message = step.reply
                toA.toggle()
            }
            XCTAssertTrue(sa.isComplete() && sb.isComplete())
        }
        var firstRun: [SyncProgress] = []
        assertSyncError(try session(damageAt: 6, seen: &firstRun), retryable: true)
        // While the first batch arrived, the total announced was ahead of what was done.
        XCTAssertTrue(firstRun.contains { $0.docsTotal > $0.docsDone && $0.bytesTotal > $0.bytesDone }, "\(firstRun)")
        let kept = try b.caseloadBlocking(query: CaseloadQuery()).count
        XCTAssertTrue((1..<30).contains(kept), "the batch before the damaged one was stored: \(kept)")
        var seen: [SyncProgress] = []
        try session(damageAt: nil, seen: &seen)
        let last = try XCTUnwrap(seen.last)
        XCTAssertEqual(last.docsTotal, last.docsDone)
        XCTAssertEqual(last.bytesTotal, last.bytesDone)
        XCTAssertEqual(last.fraction, 1.0)
        XCTAssertEqual(last.docsDone, Int64((30 - kept) * 2), "what was stored was not sent again")
        XCTAssertEqual(Set(try b.caseloadBlocking(query: CaseloadQuery()).map(\.personId)), people)
    }

    func testConcurrentGoalStatusEditsSurfaceOneConflictThatAnEditResolves() throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let b = try linkWorkerStore("b.db", user: "jo.colleague")
        let pid = try a.addPersonBlocking(person: newPerson())
        let goal = try a.addGoalBlocking(personId: pid, goal: NewGoal(text: "Join a walking group"))
        _ = try sync(a, b)
        let before = Date().addingTimeInterval(-2)

        try a.updateGoalBlocking(goalId: goal, update: GoalUpdate(status: .achieved))
        try b.updateGoalBlocking(goalId: goal, update: GoalUpdate(status: .dropped))
        XCTAssertTrue(try a.personBlocking(personId: pid).conflicts.isEmpty, "no conflict before the stores meet")
        _ = try sync(a, b)

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
        XCTAssertEqual(try sync(b, a).listening.changed, [pid])
        for store in [a, b] {
            let r = try store.personBlocking(personId: pid)
            XCTAssertTrue(r.conflicts.isEmpty)
            XCTAssertEqual(r.plan.goals.first?.status, .partlyAchieved)
        }
    }

    func testErasureTravelsToThePeerAndTheErasedPersonCannotComeBack() throws {
        let a = try linkWorkerStore("a.db", user: "sam.worker")
        let b = try linkWorkerStore("b.db", user: "jo.colleague")
        let pid = try a.addPersonBlocking(person: newPerson())
        let kept = try a.addPersonBlocking(person: newPerson(given: "Grace", family: "Hopper", nhs: nil))
        _ = try a.addGoalBlocking(personId: pid, goal: NewGoal(text: "Walk"))
        _ = try sync(a, b)
        let oldPlan = try b.exportDocumentBlocking(personId: pid, kind: .plan)
        let heardA = Recorder()
        let heardB = Recorder()
        _ = a.addListener(listener: heardA)
        _ = b.addListener(listener: heardB)

        let before = Date().addingTimeInterval(-1)
        try a.erasePersonBlocking(personId: pid)
        XCTAssertEqual(heardA.calls, [[pid]])
        assertNotFound(try a.personBlocking(personId: pid))
        let erased = try a.erasedPeopleBlocking()
        XCTAssertEqual(erased.map(\.personId), [pid])
        let erasedAt = try XCTUnwrap(erased.first).erasedAt
        XCTAssertGreaterThanOrEqual(erasedAt, before)
        XCTAssertLessThan(erasedAt.timeIntervalSince(before), 60)
        assertNotFound(try a.erasePersonBlocking(personId: pid))
        assertNotFound(try a.erasePersonBlocking(personId: UUID().uuidString))
        assertInvalidInput(try a.erasePersonBlocking(personId: "not-an-id"), field: "person_id")

        // b still holds pid until the stores meet; b connecting is enough.
        XCTAssertEqual(try b.caseloadBlocking(query: CaseloadQuery()).count, 2)
        let exchange = try sync(b, a)
        XCTAssertEqual(exchange.connecting.changed, [pid])
        XCTAssertEqual(heardB.calls, [[pid]])
        assertNotFound(try b.personBlocking(personId: pid))
        XCTAssertEqual(try b.caseloadBlocking(query: CaseloadQuery()).map(\.personId), [kept])
        XCTAssertEqual(try a.erasedPeopleBlocking(), try b.erasedPeopleBlocking())

        // Old copies cannot bring the person back, by import or by sync.
        XCTAssertEqual(assertNotPermitted(try b.importDocumentBlocking(bytes: oldPlan)), "restore an erased person")
        let c = try linkWorkerStore("c.db", user: "al.hub")
        _ = try c.importDocumentBlocking(bytes: oldPlan) // a device that never heard of the erasure
        XCTAssertEqual(try sync(a, c).listening.changed, [pid, kept], "c erases pid and learns kept")
        assertNotFound(try c.personBlocking(personId: pid))
        XCTAssertEqual(try a.erasedPeopleBlocking(), try c.erasedPeopleBlocking())
    }

    func testLiveModePollCarriesAnEditOverAnOpenSession() throws {
        let worker = try linkWorkerStore("a.db", user: "sam.worker")
        let pid = try worker.addPersonBlocking(person: newPerson())
        let goal = try worker.addGoalBlocking(personId: pid, goal: NewGoal(text: "Join a walking group"))
        let phone = try LinkWorkStore.create(path: dir.path("phone.db"), key: .unencrypted, user: "ada", role: .patient, personId: pid)
        let start = try phone.syncStart()
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
                            throw LinkWorkError.Unexpected(reason: "the peer went silent")
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
        let start = try a.syncStart()
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
        let reopened = try LinkWorkStore.open(path: dir.path("b.db"), key: .unencrypted)
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
        let start = try a.syncStart()
        try deliver(start.message, to: try XCTUnwrap(listening), other: start.session)
        XCTAssertEqual(listening?.isComplete(), true)
        XCTAssertEqual(listening?.changedPersonIds(), [pid])

        listening = nil
        XCTAssertNil(weakSession, "the session is freed with its last reference")
        // The store file was written through the session, is closed, and opens again.
        let reopened = try LinkWorkStore.open(path: dir.path("b.db"), key: .unencrypted)
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
