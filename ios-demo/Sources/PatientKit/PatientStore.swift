import Foundation
import LinkWork

/// Errors of PatientKit itself (the store's own errors arrive as `LinkWorkError`).
public enum PatientKitError: Error, Equatable, Sendable {
    /// The store is not a patient's own store (wrong role, or no person).
    case notAPatientStore
    /// The transport ended before the session was in sync.
    case peerLeftEarly
    /// The other device is not a link worker's (the person only syncs with their link worker).
    case peerNotALinkWorker
}

/// The patient's own store on their phone: their plan, and nothing else. Every call is the
/// core's `async` API: it runs on the core's own I/O threads, never on the main actor or a
/// thread of Swift's cooperative pool. `planUpdates()` observes the plan.
///
/// The store's share policy is the core's: a patient's store holds only the person's plan and
/// may record progress, tick or reopen steps and answer measures; anything else is refused
/// with `LinkWorkError.notPermitted`, and sync refuses case data.
public final class PatientStore: Sendable {
    /// The underlying store.
    public let store: LinkWorkStore
    /// The person whose plan this is.
    public let personId: String
    /// The name stamped on the person's own edits.
    public let user: String

    /// Wraps an open store; throws `PatientKitError.notAPatientStore` for any other kind.
    public init(_ store: LinkWorkStore) throws {
        let info = store.info()
        guard info.role == .patient, let personId = info.personId else {
            throw PatientKitError.notAPatientStore
        }
        self.store = store
        self.personId = personId
        self.user = info.user
    }

    /// The plan, or nil before the first sync with the link worker brought it.
    public func plan() async throws -> Plan? {
        do {
            return try await store.plan(personId: personId)
        } catch LinkWorkError.notFound {
            return nil
        }
    }

    /// Calls `onPlan` with the plan now and after every change to it (an edit here, a sync),
    /// until the calling task is cancelled, then returns: nil while the store does not hold it
    /// (before the first sync, or after the link worker erased the person), the plan once it
    /// does. Runs in the caller's task, so once it has returned the store holds no listener of
    /// it. Throws the store's error (e.g. `Storage`) if a read fails for another reason.
    public func followPlan(_ onPlan: (Plan?) async -> Void) async throws {
        let (store, personId) = (store, personId)
        while !Task.isCancelled {
            do {
                for try await record in store.personUpdates(personId: personId) {
                    await onPlan(record.plan)
                }
                return // cancelled, or the store is gone
            } catch LinkWorkError.notFound {
                // Not held (yet): wait for the person's documents to arrive. Listening starts
                // before the second look, so an arrival in between is not missed.
                let arrivals = store.changes()
                let arrived: Bool
                do {
                    _ = try await store.plan(personId: personId)
                    arrived = true
                } catch LinkWorkError.notFound {
                    arrived = false
                }
                if !arrived {
                    await onPlan(nil)
                    for await ids in arrivals where ids.contains(personId) { break }
                }
            }
        }
    }

    /// `followPlan` as a stream, until the consuming task is cancelled or the loop breaks; only
    /// the newest value is kept for a slow consumer.
    public func planUpdates() -> AsyncThrowingStream<Plan?, Error> {
        AsyncThrowingStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let follow = Task {
                do {
                    try await self.followPlan { _ = continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in follow.cancel() }
        }
    }

    /// Records progress on a goal: a 0-10 rating, a note, or both.
    public func recordProgress(goalId: String, rating: Int32?, note: String?) async throws {
        _ = try await store.recordProgress(goalId: goalId, progress: NewProgress(rating: rating, note: note))
    }

    /// Ticks a step done.
    public func completeStep(_ stepId: String) async throws {
        try await store.completeStep(stepId: stepId)
    }

    /// Marks a ticked step as not done after all.
    public func reopenStep(_ stepId: String) async throws {
        try await store.reopenStep(stepId: stepId)
    }

    /// Stores the person's own answers to a questionnaire (self-completed).
    public func recordMeasure(_ instrument: Instrument, answers: [Int64?], timepoint: Timepoint) async throws {
        _ = try await store.recordMeasure(
            personId: personId,
            response: NewMeasureResponse(instrument: instrument, timepoint: timepoint,
                                         mode: .selfCompleted, answers: answers))
    }

    /// What this store holds and refuses, checked through the public API: shown by the
    /// command line, asserted by the tests.
    public func privacyCheck() async throws -> PrivacyCheck {
        let (store, personId) = (store, personId)
        let people = try await store.caseload(query: CaseloadQuery()).map(\.personId)
        let record: PersonRecord?
        do {
            record = try await store.person(personId: personId)
        } catch LinkWorkError.notFound {
            record = nil
        }
        func refused(_ call: () async throws -> Void) async -> Bool {
            do {
                try await call()
                return false
            } catch LinkWorkError.notPermitted {
                return true
            } catch {
                return false
            }
        }
        return PrivacyCheck(
            peopleHeld: people.count,
            holdsOnlyOwnPlan: people.allSatisfy { $0 == personId },
            holdsCaseRecord: record?.caseRecord != nil,
            caseExportRefused: await refused { _ = try await store.exportDocument(personId: personId, kind: .case) },
            gpCodesRefused: await refused { _ = try await store.gpCodes(personId: personId) },
            caseNoteRefused: await refused { _ = try await store.addCaseNote(personId: personId, text: "probe") },
            newGoalRefused: await refused { _ = try await store.addGoal(personId: personId, goal: NewGoal(text: "probe")) }
        )
    }
}

/// What a patient's store holds and what it refuses (`LinkWorkError.notPermitted`).
public struct PrivacyCheck: Equatable, Sendable {
    /// People whose records the store holds (0 before the first sync, then 1).
    public var peopleHeld: Int
    /// Whether every record held is the person's own.
    public var holdsOnlyOwnPlan: Bool
    /// Whether the store holds any case data for the person (it never should).
    public var holdsCaseRecord: Bool
    /// Exporting the case document is refused.
    public var caseExportRefused: Bool
    /// Reading the GP codes (case data) is refused.
    public var gpCodesRefused: Bool
    /// Writing a case note is refused.
    public var caseNoteRefused: Bool
    /// Adding a goal is refused (the person agrees goals with their link worker).
    public var newGoalRefused: Bool

    /// True when the store holds nothing but the person's own plan and refuses case data.
    public var holdsNoCaseData: Bool {
        holdsOnlyOwnPlan && !holdsCaseRecord && caseExportRefused && gpCodesRefused && caseNoteRefused
    }
}
