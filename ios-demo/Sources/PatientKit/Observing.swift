// A small observation mechanism shared by every model in PatientKit.
//
// Why not the Observation module (`@Observable`)? Debian's swiftlang 6.0.3, which builds and
// tests this package on Linux, ships a libswiftObservation.so that does not link: it needs
// `swift::threading::fatal`, which no library of that toolchain defines. And ObservableObject
// needs Combine, which Linux does not have. So models announce changes through `ModelChanges`,
// which works the same on Linux and iOS; the SwiftUI app bridges it to SwiftUI in one small
// property wrapper (App/ObservedModel.swift).

/// Something a view shows that tells its observers when its state changed.
@MainActor
public protocol ObservableModel: AnyObject {
    /// Where observers register; the model calls `send()` after each change of its state.
    var changes: ModelChanges { get }
}

/// The observers of one model. Main-actor only: models change on the main actor, and observers
/// (SwiftUI, tests) are called there, synchronously, after each change.
@MainActor
public final class ModelChanges {
    private var observers: [Int: @MainActor () -> Void] = [:]
    private var nextId = 0

    /// Creates an empty list of observers.
    public init() {}

    /// Calls `handler` after every later change until the returned token is cancelled or freed.
    public func observe(_ handler: @escaping @MainActor () -> Void) -> ObservationToken {
        let id = nextId
        nextId += 1
        observers[id] = handler
        return ObservationToken { [weak self] in self?.observers[id] = nil }
    }

    /// Tells every observer that the model changed.
    public func send() {
        for handler in observers.values { handler() }
    }

    /// How many observers are registered (for tests and diagnostics).
    public var count: Int { observers.count }
}

/// Keeps an observation alive; cancelling it, or freeing it, stops the calls.
@MainActor
public final class ObservationToken {
    private var cancelAction: (@MainActor @Sendable () -> Void)?

    init(cancel: @escaping @MainActor @Sendable () -> Void) { cancelAction = cancel }

    /// Stops the observation (idempotent).
    public func cancel() {
        cancelAction?()
        cancelAction = nil
    }

    deinit {
        // deinit is nonisolated: hop back to the main actor to unregister.
        if let action = cancelAction {
            Task { @MainActor in action() }
        }
    }
}
