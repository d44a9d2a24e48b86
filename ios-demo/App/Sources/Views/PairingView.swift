import PatientKit
import SwiftUI

/// First start: the person enters their name, the pairing offer their link worker's phone shows
/// (a real app scans its QR code; the demo takes it pasted) and the six-digit code beside it.
struct PairingView: View {
    @ViewModel var app: PatientAppModel

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    TextField("Your first name", text: $app.name)
                        .textContentType(.givenName)
                    TextField("Pairing offer from your link worker's phone", text: $app.pairingOffer, axis: .vertical)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                        .font(.caption.monospaced())
                        .lineLimit(3)
                    TextField("Six-digit code", text: $app.pairingCode)
                        .keyboardType(.numberPad)
                        .font(.body.monospaced())
                } footer: {
                    Text("Your link worker's phone shows the offer and the code when you meet: check the code matches. Your plan arrives when you first sync.")
                }
                if let message = app.message {
                    MessageView(message: message)
                }
                Button("Set up my plan") { Task { await app.pair() } }
                    .disabled(!app.canPair)
            }
            .navigationTitle("Welcome")
        }
    }
}
