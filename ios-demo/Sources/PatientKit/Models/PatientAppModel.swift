import Foundation
import LinkWork

/// The app's root: before the phone is paired with the person's link worker it shows the
/// pairing screen (the offer their link worker's phone shows and its six-digit code); afterwards,
/// the person's plan.
@MainActor
public final class PatientAppModel: ObservableModel {
    /// What the app shows.
    public enum Screen {
        /// Opening the store.
        case starting
        /// No store yet: pair with the link worker to create it.
        case pairing
        /// The person's plan, observed (`PatientModel.startObserving()`).
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
    /// The pairing offer the link worker's phone shows, as text (scanned from its QR code, or
    /// pasted): `PairingOfferText`.
    public var pairingOffer = "" { didSet { changes.send() } }
    /// The six-digit code shown beside the offer, as the person typed it.
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

    /// Whether the pairing form is complete: a name, an offer that reads and a six-digit code.
    public var canPair: Bool {
        !name.trimmingCharacters(in: .whitespaces).isEmpty && offer != nil && code != nil
    }

    /// Pairs this phone from the offer and code: creates the person's store, enrolled for that
    /// person by a certificate chained to their link worker's; the plan arrives with the first
    /// sync, which is authenticated both ways. A wrong code or an expired offer (15 minutes)
    /// creates nothing and says so.
    public func pair() async {
        guard let offer, let code, canPair else { return }
        let (provider, user) = (provider, name.trimmingCharacters(in: .whitespaces))
        do {
            let store = try await Background.run {
                try provider.createPairedPatientStore(Self.storeName, user: user, payload: offer, code: code)
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
        patient.startObserving() // from now on the plan follows the store by itself
    }

    /// The offer's payload, or nil when the text does not read.
    var offer: Data? { PairingOfferText.decode(pairingOffer) }

    /// The six-digit code, or nil.
    var code: String? { PairingOfferText.code(pairingCode) }
}
