// Observation for Swift apps: AsyncStreams over LinkWorkStore.subscribe. Hand-written, compiled
// into the `LinkWork` module beside the generated LinkWork.swift and LinkWorkCore.swift
// (scripts/bindings/build-ios.sh and tests/swift/run.sh stage it with them).
//
// Each stream subscribes when it is made and cancels its Subscription when it terminates (the
// consuming task is cancelled or the loop breaks), so no listener keeps a store alive. The first
// value comes at once; later ones after each change that concerns the stream, keeping only the
// newest (a slow consumer sees the latest state, never a backlog). Store reads are the async
// calls (`caseload(query:)`, ...): they run on the core's I/O threads, never on Swift's
// cooperative thread pool, which the stream's task only awaits on.
import Foundation

/// Adapts a closure to the generated `ChangeListener` protocol.
final class ClosureChangeListener: ChangeListener, @unchecked Sendable {
    private let onChange: @Sendable ([String]) -> Void
    init(_ onChange: @escaping @Sendable ([String]) -> Void) { self.onChange = onChange }
    func peopleChanged(personIds: [String]) throws { onChange(personIds) }
}

/// Holds the store weakly: a stream must not keep its store alive.
final class WeakStore: @unchecked Sendable {
    weak var store: LinkWorkStore?
    init(_ store: LinkWorkStore) { self.store = store }
}

/// What `LinkWorkStore.syncStatusUpdates()` yields.
public struct SyncStatus: Equatable, Sendable {
    /// Every store this one has synced with, with its last sync time.
    public let peers: [KnownPeer]
    /// The people with fields devices set concurrently and nobody resolved yet.
    public let conflictedPersonIds: [String]
}

public extension LinkWorkStore {
    /// The ids of the people whose documents changed, one array per local edit, import or
    /// merged sync message, until the stream terminates. Nothing is dropped: consume it quickly
    /// or use the screen streams below, which keep only the newest value.
    func changes() -> AsyncStream<[String]> {
        AsyncStream { continuation in
            let subscription = self.subscribe(listener: ClosureChangeListener { ids in
                // An empty array is a completed sync that changed nobody: not a change of people.
                if !ids.isEmpty { continuation.yield(ids) }
            })
            continuation.onTermination = { _ in _ = subscription.cancel() }
        }
    }

    /// The caseload list for `query`, now and after every change to anyone in the store.
    func caseloadUpdates(query: CaseloadQuery = CaseloadQuery()) -> AsyncThrowingStream<[CaseloadEntry], Error> {
        updates(concerns: { !$0.isEmpty }) { store in try await store.caseload(query: query) }
    }

    /// One person's whole record, now and after every change to that person. Finishes with
    /// `LinkWorkError.notFound` when the person is erased.
    func personUpdates(personId: String) -> AsyncThrowingStream<PersonRecord, Error> {
        updates(concerns: { $0.contains(personId) }) { store in
            try await store.person(personId: personId)
        }
    }

    /// Sync status: known peers with their last sync time, and the people with unresolved
    /// conflicts; now and after every change and every completed sync, also one that changed
    /// nobody.
    func syncStatusUpdates() -> AsyncThrowingStream<SyncStatus, Error> {
        updates(concerns: { _ in true }) { store in
            SyncStatus(peers: try await store.peers(),
                       conflictedPersonIds: try await store.conflictedPeople().map { $0.personId })
        }
    }

    /// A stream of `read()` now and after each change for which `concerns` holds. One task
    /// per stream awaits the reads in turn; changes that arrive meanwhile are conflated into
    /// one pending refresh. The task holds the store only during a read.
    private func updates<T: Sendable>(concerns: @escaping @Sendable ([String]) -> Bool,
                                      read: @escaping @Sendable (LinkWorkStore) async throws -> T)
        -> AsyncThrowingStream<T, Error> {
        AsyncThrowingStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let (refreshes, refresh) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
            let subscription = self.subscribe(listener: ClosureChangeListener { ids in
                if concerns(ids) { refresh.yield() }
            })
            refresh.yield()
            let weakStore = WeakStore(self)
            let task = Task {
                for await _ in refreshes {
                    guard let store = weakStore.store else { break }
                    do {
                        continuation.yield(try await read(store))
                    } catch {
                        continuation.finish(throwing: error)
                        return
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in
                _ = subscription.cancel()
                refresh.finish()
                task.cancel()
            }
        }
    }
}
