import Foundation
import LinkWork

/// The person's plan as the screens see it: loaded from their own store and, once
/// `startObserving()` was called, kept current by the store's `AsyncStream` of it (every
/// change made here, by a sync, or by anything else holding the store). The screen models
/// (`goals`, `steps`, `sync`, ...) read it and act through it.
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
    private var observation: Task<Void, Never>?

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

    /// Reloads the plan from the store (pull to refresh; observing keeps it current anyway).
    public func reload() async {
        do {
            show(try await store.plan())
            message = nil
        } catch {
            message = UserMessage(error)
        }
        if !hasLoaded { hasLoaded = true }
    }

    /// Whether the plan follows the store (between `startObserving()` and `stopObserving()`).
    public var isObserving: Bool { observation != nil }

    /// Follows the plan in the store (`PatientStore.followPlan`) until `stopObserving()`: each
    /// version is shown as the store reports it. The task holds this model weakly, and freeing
    /// the model cancels it. Idempotent.
    public func startObserving() {
        guard observation == nil else { return }
        let store = store
        observation = Task { [weak self] in
            do {
                try await store.followPlan { plan in
                    guard let self else { return }
                    self.show(plan)
                    if !self.hasLoaded { self.hasLoaded = true }
                }
            } catch {
                self?.message = UserMessage(error)
            }
        }
    }

    /// Stops following the plan; when it returns, the store no longer has this model's
    /// listener (the stream's subscription is cancelled).
    public func stopObserving() async {
        guard let observation else { return }
        self.observation = nil
        observation.cancel()
        await observation.value
    }

    deinit {
        observation?.cancel()
    }

    private func show(_ fresh: Plan?) {
        if fresh != plan { plan = fresh }
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
