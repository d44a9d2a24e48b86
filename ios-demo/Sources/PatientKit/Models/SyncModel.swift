import Foundation
import LinkWork

/// Syncing the person's plan with their link worker's phone when they meet: the person's
/// progress, ticks and answers go across, the plan's changes come back.
@MainActor
public final class SyncModel: ObservableModel {
    /// Opens a transport to the link worker's phone at `address`, the text the person typed
    /// from the link worker's Sync screen (the app: `StreamTransport.connect` over a Network
    /// framework connection; the command line: over a `SocketStream`; tests: also one end of an
    /// `InProcessTransport` pair, the address ignored).
    public typealias Connect = @Sendable (_ address: String) async throws -> SyncTransport

    /// Where a sync is.
    public enum Status: Equatable, Sendable {
        /// Not synced since the app started.
        case idle
        /// Running.
        case syncing
        /// Finished; the summary says what changed.
        case finished(summary: String)
        /// Failed; the message says what to do.
        case failed(UserMessage)
    }

    /// Observers of this model.
    public let changes = ModelChanges()
    /// Where the last sync is.
    public private(set) var status: Status = .idle { didSet { changes.send() } }
    /// What the last successful sync did (messages and bytes), for the details line.
    public private(set) var lastOutcome: SyncOutcome? { didSet { changes.send() } }
    /// Where the link worker's phone waits, as its Sync screen shows it ("192.168.1.20:7701";
    /// the port may be left out: `PeerAddress.defaultPort`).
    public var address = "" { didSet { changes.send() } }

    private unowned let patient: PatientModel
    private let connect: Connect

    init(patient: PatientModel, connect: @escaping Connect) {
        self.patient = patient
        self.connect = connect
    }

    /// Whether the Sync button is enabled.
    public var canSync: Bool { status != .syncing }

    /// "3 messages, 2.1 KB" after a sync.
    public var details: String? {
        guard let stats = lastOutcome?.stats else { return nil }
        let messages = stats.messagesSent + stats.messagesReceived
        let bytes = Double(stats.bytesSent + stats.bytesReceived)
        return "\(messages) messages, " + (bytes < 1024 ? "\(Int(bytes)) bytes" : String(format: "%.1f KB", bytes / 1024))
    }

    /// Connects to the link worker's phone at `address`, runs one sync to the end, then reloads
    /// the plan.
    public func sync() async {
        guard canSync else { return }
        status = .syncing
        do {
            let transport = try await connect(address)
            let outcome = try await SyncRunner.run(patient.store.store, over: transport, as: .connecting)
            guard outcome.peer?.role == .linkWorker else { throw PatientKitError.peerNotALinkWorker }
            lastOutcome = outcome
            await patient.reload()
            status = .finished(summary: outcome.changedPersonIds.isEmpty
                ? "Up to date. Nothing new from your link worker."
                : "Up to date. Your plan has been updated.")
        } catch {
            await patient.reload()
            status = .failed(UserMessage(error))
        }
    }
}
