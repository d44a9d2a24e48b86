import Foundation
import LinkWork

/// The person's plan as the screens see it: loaded from their own store, reloaded after every
/// change made here and every sync. The screen models (`goals`, `steps`, `sync`, ...) read it
/// and act through it.
@MainActor
public final class PatientModel: ObservableModel {
    /// Observers of this model.
    public let changes = ModelChanges()
    /// The person's own store.
    public let store: PatientStore

    /// The plan, nil before the first sync brought it (or before the first load).
    public private(set) var plan: Plan? { didSet { changes.send() } }
    /// Whether the plan has been loaded at least once.
    public private(set) var hasLoaded = false { didSet { changes.send() } }
    /// The last failure to load, for the screen to show.
    public private(set) var message: UserMessage? { didSet { changes.send() } }

    /// "My goals".
    public private(set) lazy var goals = MyGoalsModel(patient: self)
    /// The action plan's steps.
    public private(set) lazy var steps = StepsModel(patient: self)
    /// Syncing with the link worker's phone.
    public private(set) lazy var sync = SyncModel(patient: self, connect: connect)

    private let connect: SyncModel.Connect

    /// A model over `store`; `connect` opens a transport to the link worker's phone when the
    /// person taps Sync.
    public init(store: PatientStore, connect: @escaping SyncModel.Connect) {
        self.store = store
        self.connect = connect
    }

    /// The detail screen of one goal, where progress is recorded.
    public func goalDetail(_ goalId: String) -> GoalDetailModel {
        GoalDetailModel(patient: self, goalId: goalId)
    }

    /// A questionnaire (ONS4 or SWEMWBS) to answer now.
    public func questionnaire(_ instrument: Instrument) -> QuestionnaireModel {
        QuestionnaireModel(patient: self, instrument: instrument)
    }

    /// Reloads the plan from the store.
    public func reload() async {
        do {
            let fresh = try await store.planBlocking()
            if fresh != plan { plan = fresh }
            message = nil
        } catch {
            message = UserMessage(error)
        }
        if !hasLoaded { hasLoaded = true }
    }

    /// Hides the current message.
    public func dismissMessage() {
        message = nil
    }

    /// Runs a change on the store, then reloads the plan (also after a failure, so the screen
    /// shows what is stored). Returns the message to show, or nil on success.
    func perform(_ change: () async throws -> Void) async -> UserMessage? {
        var failure: UserMessage?
        do {
            try await change()
        } catch {
            failure = UserMessage(error)
        }
        await reload()
        return failure
    }

    /// The name the store stamps on the person's own edits.
    var me: String { store.user }
}
