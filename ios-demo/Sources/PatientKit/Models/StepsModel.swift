import Foundation
import LinkWork

/// One step of the action plan as the steps screen lists it.
public struct StepRow: Identifiable, Equatable, Sendable {
    /// The step's id.
    public let id: String
    /// What is to be done.
    public let text: String
    /// Who does it: "You", "Your link worker", a service's name, ...
    public let owner: String
    /// Whether the person may tick it (their own steps; others' steps are shown, not ticked).
    public let canTick: Bool
    /// Whether it is done.
    public let isDone: Bool
    /// "Due 28 Nov 2026", or "Done 21 Nov 2026" once done.
    public let detail: String?
    /// The goal it serves, if any.
    public let goal: String?

    /// One line under the step: "You · Due 28 Nov 2026 · Join a walking group".
    public var caption: String {
        ([owner] + [detail, goal].compactMap { $0 }).joined(separator: " · ")
    }
}

/// The action plan: steps still to do (by due date), then steps done. The person ticks their
/// own steps, and may untick one ticked by mistake.
@MainActor
public final class StepsModel: ObservableModel {
    /// Observers of this model.
    public let changes = ModelChanges()
    private unowned let patient: PatientModel
    private var token: ObservationToken?

    /// Steps being ticked or unticked right now.
    public private(set) var busy: Set<String> = [] { didSet { changes.send() } }
    /// Why the last tick failed, if it did.
    public private(set) var message: UserMessage? { didSet { changes.send() } }

    init(patient: PatientModel) {
        self.patient = patient
        token = patient.changes.observe { [weak self] in self?.changes.send() }
    }

    /// Steps not done yet, in the plan's order (due date, then creation).
    public var toDo: [StepRow] { rows.filter { !$0.isDone } }
    /// Steps done.
    public var done: [StepRow] { rows.filter(\.isDone) }

    /// "1 of 3 done", or nil without steps.
    public var summary: String? {
        let all = rows
        return all.isEmpty ? nil : "\(all.filter(\.isDone).count) of \(all.count) done"
    }

    /// What the screen shows instead of steps, or nil when there are some.
    public var emptyText: String? {
        guard let plan = patient.plan else {
            return "Your steps will appear here after you sync with your link worker's phone."
        }
        return plan.steps.isEmpty ? "No steps yet." : nil
    }

    /// Ticks the step done, or unticks it if it is done.
    public func toggle(_ stepId: String) async {
        guard let row = rows.first(where: { $0.id == stepId }), row.canTick, !busy.contains(stepId) else { return }
        busy.insert(stepId)
        defer { busy.remove(stepId) }
        let store = patient.store
        message = await patient.perform {
            if row.isDone {
                try await store.reopenStep(stepId)
            } else {
                try await store.completeStep(stepId)
            }
        }
    }

    private var rows: [StepRow] {
        guard let plan = patient.plan else { return [] }
        let goals = Dictionary(plan.goals.map { ($0.id, $0.text) }, uniquingKeysWith: { first, _ in first })
        return plan.steps.map { step in
            StepRow(
                id: step.id,
                text: step.text,
                owner: Formatting.owner(step.owner, name: step.ownerName),
                canTick: step.owner == .person,
                isDone: step.doneAt != nil,
                detail: step.doneAt.map { "Done \(Formatting.day($0))" } ?? step.due.map { "Due \(Formatting.day($0))" },
                goal: step.goalId.flatMap { goals[$0] }
            )
        }
    }
}
