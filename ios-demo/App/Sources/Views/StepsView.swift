import PatientKit
import SwiftUI

/// The action plan: tick your own steps when done.
struct StepsView: View {
    @ViewModel var steps: StepsModel

    var body: some View {
        List {
            if let message = steps.message {
                MessageView(message: message)
            }
            if let empty = steps.emptyText {
                Text(empty).foregroundStyle(.secondary)
            }
            Section("To do") { rows(steps.toDo) }
            Section("Done") { rows(steps.done) }
        }
        .navigationTitle("Steps")
        .toolbar {
            if let summary = steps.summary { Text(summary).foregroundStyle(.secondary) }
        }
    }

    private func rows(_ rows: [StepRow]) -> some View {
        ForEach(rows) { row in
            Button { Task { await steps.toggle(row.id) } } label: {
                HStack(alignment: .firstTextBaseline) {
                    Image(systemName: row.isDone ? "checkmark.circle.fill" : "circle")
                        .foregroundStyle(row.canTick ? Color.accentColor : Color.secondary)
                    VStack(alignment: .leading, spacing: 2) {
                        Text(row.text).strikethrough(row.isDone)
                        Text(row.caption).font(.caption).foregroundStyle(.secondary)
                    }
                }
            }
            .buttonStyle(.plain)
            .disabled(!row.canTick || steps.busy.contains(row.id))
            .accessibilityValue(row.isDone ? "Done" : "Not done")
        }
    }
}
