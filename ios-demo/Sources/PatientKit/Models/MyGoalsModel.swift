import Foundation
import LinkWork

/// One row of "My goals".
public struct GoalRow: Identifiable, Equatable, Sendable {
    /// The goal's id.
    public let id: String
    /// The goal in the person's own words.
    public let text: String
    /// Its status in words ("Working on it", "Achieved", ...).
    public let status: String
    /// Whether the person is still working on it.
    public let isActive: Bool
    /// "Last rated 6 out of 10 on 21 Nov 2026", or "No progress recorded yet".
    public let progress: String
    /// "By 28 Feb 2027" when the goal has a target date.
    public let target: String?
    /// "1 of 2 steps done" when steps serve this goal.
    public let steps: String?
}

/// "My goals": what matters to the person and their goals, active ones first.
@MainActor
public final class MyGoalsModel: ObservableModel {
    /// Observers of this model.
    public let changes = ModelChanges()
    private unowned let patient: PatientModel
    private var token: ObservationToken?

    init(patient: PatientModel) {
        self.patient = patient
        token = patient.changes.observe { [weak self] in self?.changes.send() }
    }

    /// "What matters to me", in the person's words, when recorded.
    public var whatMatters: String? {
        guard let text = patient.plan?.whatMatters, !text.isEmpty else { return nil }
        return text
    }

    /// The goals, active ones first, each group in the order they were agreed.
    public var rows: [GoalRow] {
        guard let plan = patient.plan else { return [] }
        let me = patient.me
        let rows = plan.goals.map { goal -> GoalRow in
            let serving = plan.steps.filter { $0.goalId == goal.id }
            let done = serving.filter { $0.doneAt != nil }.count
            return GoalRow(
                id: goal.id,
                text: goal.text,
                status: Formatting.status(goal.status),
                isActive: goal.status == .active,
                progress: Self.progressLine(goal.progress.last, me: me),
                target: goal.targetDate.map { "By \(Formatting.day($0))" },
                steps: serving.isEmpty ? nil : "\(done) of \(serving.count) step\(serving.count == 1 ? "" : "s") done"
            )
        }
        return rows.filter(\.isActive) + rows.filter { !$0.isActive }
    }

    /// What the screen shows instead of rows, or nil when there are rows.
    public var emptyText: String? {
        if !patient.hasLoaded { return "Loading your plan…" }
        guard let plan = patient.plan else {
            return "Your goals will appear here after you sync with your link worker's phone."
        }
        return plan.goals.isEmpty ? "You have no goals yet. You and your link worker agree them together." : nil
    }

    /// The load failure to show, if any.
    public var message: UserMessage? { patient.message }

    /// Reloads the plan (pull to refresh).
    public func refresh() async {
        await patient.reload()
    }

    static func progressLine(_ entry: ProgressEntry?, me: String) -> String {
        guard let entry else { return "No progress recorded yet" }
        let who = entry.recordedBy == me ? "" : " by your link worker"
        if let rating = entry.rating {
            return "Last rated \(rating) out of 10 on \(Formatting.day(entry.recordedAt))\(who)"
        }
        return "Last note on \(Formatting.day(entry.recordedAt))\(who)"
    }
}
