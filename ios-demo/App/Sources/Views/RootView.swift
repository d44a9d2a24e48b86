import PatientKit
import SwiftUI

/// Pairing on first start, then the plan in four tabs.
struct RootView: View {
    @ViewModel var app: PatientAppModel

    var body: some View {
        switch app.screen {
        case .starting:
            ProgressView("Opening your plan…")
        case .pairing:
            PairingView(app: app)
        case let .plan(patient):
            PlanTabs(patient: patient)
        case let .failed(message):
            MessageView(message: message)
        }
    }
}

/// The four parts of the person's plan.
struct PlanTabs: View {
    let patient: PatientModel

    var body: some View {
        TabView {
            NavigationStack { MyGoalsView(patient: patient, goals: patient.goals) }
                .tabItem { Label("My goals", systemImage: "target") }
            NavigationStack { StepsView(steps: patient.steps) }
                .tabItem { Label("Steps", systemImage: "checklist") }
            NavigationStack { QuestionnairesView(patient: patient) }
                .tabItem { Label("How I feel", systemImage: "heart.text.square") }
            NavigationStack { SyncView(sync: patient.sync) }
                .tabItem { Label("Sync", systemImage: "arrow.triangle.2.circlepath") }
        }
    }
}

/// A message from a model: what went wrong and what to do.
struct MessageView: View {
    let message: UserMessage

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(message.title).font(.headline)
            Text(message.detail).font(.subheadline).foregroundStyle(.secondary)
        }
        .padding()
        .accessibilityElement(children: .combine)
    }
}
