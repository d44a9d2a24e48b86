import PatientKit
import SwiftUI

/// First start: the person enters their name and the code their link worker's phone shows.
struct PairingView: View {
    @ViewModel var app: PatientAppModel

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    TextField("Your first name", text: $app.name)
                        .textContentType(.givenName)
                    TextField("Code from your link worker", text: $app.pairingCode)
                        .textInputAutocapitalization(.characters)
                        .autocorrectionDisabled()
                        .font(.body.monospaced())
                } footer: {
                    Text("Your link worker's phone shows this code when you meet. Your plan arrives when you first sync.")
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
