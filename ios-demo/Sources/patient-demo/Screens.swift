import PatientKit

/// Prints what each screen of the app would show, from the same models the SwiftUI views use.
@MainActor
enum Screens {
    static func heading(_ text: String) {
        print("\n== \(text)")
    }

    static func goals(_ model: MyGoalsModel) {
        print("[My goals]")
        if let whatMatters = model.whatMatters { print("  What matters to me: \(whatMatters)") }
        if let empty = model.emptyText { print("  \(empty)") }
        for row in model.rows {
            print("  • \(row.text) — \(row.status)")
            print("      \(row.progress)")
            for line in [row.target, row.steps].compactMap({ $0 }) { print("      \(line)") }
        }
    }

    static func goal(_ model: GoalDetailModel) {
        print("[Goal] \(model.title)")
        if let subtitle = model.subtitle { print("  \(subtitle)") }
        for row in model.history {
            let what = [row.rating, row.note.map { "“\($0)”" }].compactMap { $0 }.joined(separator: " ")
            print("  - \(what)  (\(row.caption))")
        }
    }

    static func steps(_ model: StepsModel) {
        print("[Steps] \(model.summary ?? "")")
        if let empty = model.emptyText { print("  \(empty)") }
        for row in model.toDo + model.done {
            let box = row.isDone ? "[x]" : (row.canTick ? "[ ]" : "[·]")
            print("  \(box) \(row.text)  (\(row.caption))")
        }
    }

    static func questionnaire(_ model: QuestionnaireModel) {
        print("[\(model.title)]" + (model.recallPeriod.map { " \($0)" } ?? ""))
        for question in model.questions {
            let answer = model.answers[question.id]
            let label = question.choices.first { $0.id == answer }?.label ?? "–"
            print("  \(question.id + 1). \(question.text)  → \(label)")
        }
        guard let result = model.result else { return }
        print("  Your answers:")
        for line in result.lines { print("    \(line)") }
        if !result.changeLines.isEmpty {
            print("  Since your first answers:")
            for line in result.changeLines { print("    \(line)") }
        }
    }

    static func sync(_ model: SyncModel) {
        switch model.status {
        case .idle: print("[Sync] Not synced yet")
        case .syncing: print("[Sync] Syncing…")
        case let .finished(summary): print("[Sync] \(summary) (\(model.details ?? ""))")
        case let .failed(message): print("[Sync] \(message.title). \(message.detail)")
        }
    }
}
