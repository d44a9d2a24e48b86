import PatientKit
import SwiftUI

/// Sync with the link worker's phone when you meet.
struct SyncView: View {
    @ViewModel var sync: SyncModel
    /// The last address typed, offered again at the next meeting.
    @AppStorage("linkWorkerAddress") private var savedAddress = ""

    var body: some View {
        VStack(spacing: 24) {
            Text("When you meet your link worker, they open Sync on their phone and wait for yours. Type the address it shows, then tap the button.")
                .multilineTextAlignment(.center)
            TextField("Address, like 192.168.1.20:7701", text: $sync.address)
                .keyboardType(.numbersAndPunctuation)
                .textInputAutocapitalization(.never)
                .autocorrectionDisabled()
                .textFieldStyle(.roundedBorder)
            Button { Task { await sync.sync() } } label: {
                Label("Sync now", systemImage: "arrow.triangle.2.circlepath")
            }
            .buttonStyle(.borderedProminent)
            .disabled(!sync.canSync)
            status
            Spacer()
        }
        .padding()
        .navigationTitle("Sync")
        .onAppear { if sync.address.isEmpty { sync.address = savedAddress } }
        .onChange(of: sync.address) { savedAddress = $0 }
    }

    @ViewBuilder private var status: some View {
        switch sync.status {
        case .idle:
            EmptyView()
        case .syncing:
            ProgressView("Syncing…")
        case let .finished(summary):
            VStack(spacing: 4) {
                Label(summary, systemImage: "checkmark.circle")
                if let details = sync.details { Text(details).font(.caption).foregroundStyle(.secondary) }
            }
        case let .failed(message):
            MessageView(message: message)
        }
    }
}
