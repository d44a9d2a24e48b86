import PatientKit
import SwiftUI

/// A goal: record progress (a rating, a note, or both) and see progress so far.
struct GoalDetailView: View {
    @ViewModel var detail: GoalDetailModel

    var body: some View {
        Form {
            Section {
                Text(detail.title).font(.title3)
                if let subtitle = detail.subtitle { Text(subtitle).foregroundStyle(.secondary) }
            }
            Section("How is it going?") {
                Picker("Rating", selection: $detail.rating) {
                    Text("No rating").tag(Int32?.none)
                    ForEach(detail.ratingChoices, id: \.self) { value in
                        Text("\(value)").tag(Int32?.some(value))
                    }
                }
                TextField("A note, in your own words", text: $detail.note, axis: .vertical)
                if let message = detail.message {
                    MessageView(message: message)
                }
                Button("Save") { Task { await detail.save() } }
                    .disabled(!detail.canSave)
            }
            Section("So far") {
                ForEach(detail.history) { row in
                    VStack(alignment: .leading, spacing: 2) {
                        if let rating = row.rating { Text(rating).font(.headline) }
                        if let note = row.note { Text(note) }
                        Text(row.caption).font(.caption).foregroundStyle(.secondary)
                    }
                }
            }
        }
        .navigationTitle("Goal")
        .navigationBarTitleDisplayMode(.inline)
    }
}
