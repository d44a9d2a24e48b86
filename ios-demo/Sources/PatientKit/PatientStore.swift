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

/// The patient's own store on their phone: their plan, and nothing else. Every call runs off
/// the main actor (store calls block on disk I/O).
///
/// The store's share policy is the core's: a patient's store holds only the person's plan and
/// may record progress, tick or reopen steps and answer measures; anything else is refused
/// with `LinkWorkError.NotPermitted`, and sync refuses case data.
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
    public func planBlocking() async throws -> Plan? {
        let (store, personId) = (store, personId)
        return try await Background.run {
            do {
                return try store.planBlocking(personId: personId)
            } catch LinkWorkError.NotFound {
                return nil
            }
        }
    }

    /// Records progress on a goal: a 0-10 rating, a note, or both.
    public func recordProgressBlocking(goalId: String, rating: Int32?, note: String?) async throws {
        let store = store
        _ = try await Background.run {
            try store.recordProgressBlocking(goalId: goalId, progress: NewProgress(rating: rating, note: note))
        }
    }

    /// Ticks a step done.
    public func completeStepBlocking(_ stepId: String) async throws {
        let store = store
        try await Background.run { try store.completeStepBlocking(stepId: stepId) }
    }

    /// Marks a ticked step as not done after all.
    public func reopenStepBlocking(_ stepId: String) async throws {
        let store = store
        try await Background.run { try store.reopenStepBlocking(stepId: stepId) }
    }

    /// Stores the person's own answers to a questionnaire (self-completed).
    public func recordMeasureBlocking(_ instrument: Instrument, answers: [Int64?], timepoint: Timepoint) async throws {
        let (store, personId) = (store, personId)
        _ = try await Background.run {
            try store.recordMeasureBlocking(
                personId: personId,
                response: NewMeasureResponse(instrument: instrument, timepoint: timepoint,
                                             mode: .selfCompleted, answers: answers))
        }
    }

    /// What this store holds and refuses, checked through the public API: shown by the
    /// command line, asserted by the tests.
    public func privacyCheck() async throws -> PrivacyCheck {
        let (store, personId) = (store, personId)
        return try await Background.run {
            let people = try store.caseloadBlocking(query: CaseloadQuery()).map(\.personId)
            let record: PersonRecord?
            do {
                record = try store.personBlocking(personId: personId)
            } catch LinkWorkError.NotFound {
                record = nil
            }
            func refused(_ call: () throws -> Void) -> Bool {
                do {
                    try call()
                    return false
                } catch LinkWorkError.NotPermitted {
                    return true
                } catch {
                    return false
                }
            }
            return PrivacyCheck(
                peopleHeld: people.count,
                holdsOnlyOwnPlan: people.allSatisfy { $0 == personId },
                holdsCaseRecord: record?.caseRecord != nil,
                caseExportRefused: refused { _ = try store.exportDocumentBlocking(personId: personId, kind: .case) },
                gpCodesRefused: refused { _ = try store.gpCodesBlocking(personId: personId) },
                caseNoteRefused: refused { _ = try store.addCaseNoteBlocking(personId: personId, text: "probe") },
                newGoalRefused: refused { _ = try store.addGoalBlocking(personId: personId, goal: NewGoal(text: "probe")) }
            )
        }
    }
}

/// What a patient's store holds and what it refuses (`LinkWorkError.NotPermitted`).
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
