import PatientKit
import SwiftUI

/// "My goals": what matters to the person, and their goals.
struct MyGoalsView: View {
    let patient: PatientModel
    @ViewModel var goals: MyGoalsModel

    var body: some View {
        List {
            if let whatMatters = goals.whatMatters {
                Section("What matters to me") { Text(whatMatters) }
            }
            if let message = goals.message {
                MessageView(message: message)
            }
            if let empty = goals.emptyText {
                Text(empty).foregroundStyle(.secondary)
            }
            Section {
                ForEach(goals.rows) { row in
                    NavigationLink(value: row.id) { GoalRowView(row: row) }
                }
            }
        }
        .navigationTitle("My goals")
        .navigationDestination(for: String.self) { goalId in
            GoalDetailView(detail: patient.goalDetail(goalId))
        }
        .refreshable { await goals.refresh() }
    }
}

/// One goal in the list.
struct GoalRowView: View {
    let row: GoalRow

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(row.text).font(.headline)
            Text(row.status).font(.subheadline).foregroundStyle(row.isActive ? Color.primary : Color.secondary)
            Text(row.progress).font(.caption).foregroundStyle(.secondary)
            ForEach([row.target, row.steps].compactMap { $0 }, id: \.self) { line in
                Text(line).font(.caption).foregroundStyle(.secondary)
            }
        }
    }
}
