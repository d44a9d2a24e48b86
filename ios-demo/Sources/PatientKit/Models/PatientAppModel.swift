import Foundation
import LinkWork

/// The app's root: before the phone is paired with the person's link worker it shows the
/// pairing screen; afterwards, the person's plan.
@MainActor
public final class PatientAppModel: ObservableModel {
    /// What the app shows.
    public enum Screen {
        /// Opening the store.
        case starting
        /// No store yet: pair with the link worker to create it.
        case pairing
        /// The person's plan.
        case plan(PatientModel)
        /// The store could not be opened.
        case failed(UserMessage)
    }

    /// The store file on the phone.
    public nonisolated static let storeName = "my-plan.db"

    /// Observers of this model.
    public let changes = ModelChanges()
    /// What the app shows.
    public private(set) var screen: Screen = .starting { didSet { changes.send() } }
    /// The code the link worker's phone shows at pairing (the person's id), as typed or
    /// scanned.
    public var pairingCode = "" { didSet { changes.send() } }
    /// The person's first name, stamped on their own edits.
    public var name = "" { didSet { changes.send() } }
    /// Why pairing failed, if it did.
    public private(set) var message: UserMessage? { didSet { changes.send() } }

    private let provider: StoreProvider
    private let connect: SyncModel.Connect

    /// A root over the stores of `provider`; `connect` reaches the link worker's phone.
    public init(provider: StoreProvider, connect: @escaping SyncModel.Connect) {
        self.provider = provider
        self.connect = connect
    }

    /// Opens the person's store if the phone has one, and loads their plan.
    public func start() async {
        guard case .starting = screen else { return } // once per launch
        let provider = provider
        do {
            if let store = try await Background.run({ try provider.openPatientStore(Self.storeName) }) {
                await show(try PatientStore(store))
            } else {
                screen = .pairing
            }
        } catch {
            screen = .failed(UserMessage(error))
        }
    }

    /// Whether the pairing form is complete: a name and a well-formed code.
    public var canPair: Bool {
        !name.trimmingCharacters(in: .whitespaces).isEmpty && personId != nil
    }

    /// Creates the person's store for the paired person; the plan arrives with the first sync.
    public func pair() async {
        guard let personId, canPair else { return }
        let (provider, user) = (provider, name.trimmingCharacters(in: .whitespaces))
        do {
            let store = try await Background.run {
                try provider.createPatientStore(Self.storeName, user: user, personId: personId)
            }
            message = nil
            await show(try PatientStore(store))
        } catch {
            message = UserMessage(error)
        }
    }

    private func show(_ store: PatientStore) async {
        let patient = PatientModel(store: store, connect: connect)
        screen = .plan(patient)
        await patient.reload()
    }

    /// The code as a person id (a UUID, any case, spaces and dashes as typed), or nil.
    var personId: String? {
        let compact = pairingCode.filter { !$0.isWhitespace }.lowercased()
        return UUID(uuidString: compact).map { $0.uuidString.lowercased() }
    }
}
