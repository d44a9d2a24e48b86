import Foundation
import LinkWork

/// One progress entry as the goal screen lists it.
public struct ProgressRow: Identifiable, Equatable, Sendable {
    /// The entry's id.
    public let id: String
    /// "6 out of 10", or nil for a note only.
    public let rating: String?
    /// The note, if any.
    public let note: String?
    /// "21 Nov 2026 · You" or "21 Nov 2026 · Your link worker".
    public let caption: String
}

/// A goal's screen: the goal, its progress so far (newest first), and the form to record
/// progress (a 0-10 rating, a note, or both).
@MainActor
public final class GoalDetailModel: ObservableModel {
    /// Observers of this model.
    public let changes = ModelChanges()
    /// The goal's id.
    public let goalId: String
    private unowned let patient: PatientModel
    private var token: ObservationToken?

    /// The rating being entered, 0-10, or nil for none.
    public var rating: Int32? { didSet { changes.send() } }
    /// The note being entered.
    public var note = "" { didSet { changes.send() } }
    /// Whether a save is running.
    public private(set) var isSaving = false { didSet { changes.send() } }
    /// Why the last save failed, if it did.
    public private(set) var message: UserMessage? { didSet { changes.send() } }

    /// The ratings the form offers.
    public let ratingChoices: [Int32] = Array(0...10)

    init(patient: PatientModel, goalId: String) {
        self.patient = patient
        self.goalId = goalId
        token = patient.changes.observe { [weak self] in self?.changes.send() }
    }

    /// The goal, or nil when it is not (or no longer) in the plan.
    public var goal: Goal? { patient.plan?.goals.first { $0.id == goalId } }

    /// The goal's text, or a placeholder when it is gone.
    public var title: String { goal?.text ?? "This goal is no longer in your plan" }

    /// Status and target date, e.g. "Working on it · By 28 Feb 2027".
    public var subtitle: String? {
        guard let goal else { return nil }
        return ([Formatting.status(goal.status)] + [goal.targetDate.map { "By \(Formatting.day($0))" }].compactMap { $0 })
            .joined(separator: " · ")
    }

    /// Progress so far, newest first.
    public var history: [ProgressRow] {
        let me = patient.me
        return (goal?.progress ?? []).reversed().map { entry in
            ProgressRow(
                id: entry.id,
                rating: entry.rating.map { "\($0) out of 10" },
                note: entry.note,
                caption: "\(Formatting.day(entry.recordedAt)) · \(Formatting.recorder(entry.recordedBy, me: me))"
            )
        }
    }

    /// Whether the form has something to save (a rating or a non-blank note) and no save runs.
    public var canSave: Bool {
        goal != nil && !isSaving && (rating != nil || !trimmedNote.isEmpty)
    }

    /// Records the entered progress. On success the form is cleared and true returned; on
    /// failure `message` says why and the entry stays in the form.
    @discardableResult
    public func save() async -> Bool {
        guard canSave else { return false }
        isSaving = true
        defer { isSaving = false }
        let (store, goalId, rating, note) = (patient.store, goalId, rating, trimmedNote)
        message = await patient.perform {
            try await store.recordProgress(goalId: goalId, rating: rating, note: note.isEmpty ? nil : note)
        }
        guard message == nil else { return false }
        self.rating = nil
        self.note = ""
        return true
    }

    private var trimmedNote: String { note.trimmingCharacters(in: .whitespacesAndNewlines) }
}
