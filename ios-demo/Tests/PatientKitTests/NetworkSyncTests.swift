// The app's network path: the address the link worker's phone shows, framing over real TCP,
// and every way a connection fails, against a link worker's phone listening on loopback
// (`NetworkPeer`, as the link worker's app waits for a phone) and against `linkwork sync serve`.
import Foundation
import XCTest
import LinkWork
@testable import PatientKit

/// What the app passes as its `SyncModel.Connect`, with the command line's socket under it.
let overTCP: SyncModel.Connect = { address in
    try await StreamTransport.connect(to: address, using: { try await SocketStream.connect(to: $0) })
}

final class NetworkSyncTests: PatientKitTestCase {
    func testAddressesReadAsTheLinkWorkersPhoneShowsThem() async {
        XCTAssertEqual(PeerAddress("192.168.1.20:7701"), PeerAddress(host: "192.168.1.20", port: 7701))
        XCTAssertEqual(PeerAddress(" 192.168.1.20 "), PeerAddress(host: "192.168.1.20", port: PeerAddress.defaultPort))
        XCTAssertEqual(PeerAddress("[fe80::1]:8000"), PeerAddress(host: "fe80::1", port: 8000))
        XCTAssertEqual(PeerAddress("fe80::1"), PeerAddress(host: "fe80::1", port: 7701))
        XCTAssertEqual(PeerAddress("phone.local:7702")?.description, "phone.local:7702")
        XCTAssertEqual(PeerAddress("[::1]:7701")?.description, "[::1]:7701")
        for bad in ["", "  ", "192.168.1.20:", "192.168.1.20:0", "192.168.1.20:65536", ":7701", "a b:7701",
                    "[::1", "[::1]7701", "host:port"] {
            XCTAssertNil(PeerAddress(bad), bad)
        }
    }

    func testThePhoneSyncsOverTCPWithTheLinkWorkersPhoneWaitingForIt() async throws {
        let linkWorkersPhone = try NetworkPeer(store: fixture.worker)
        defer { linkWorkersPhone.stop() }
        let patient = try await fixture.paired(synced: false, connect: overTCP)
        patient.sync.address = linkWorkersPhone.address
        await patient.sync.sync()
        XCTAssertEqual(patient.sync.status, .finished(summary: "Up to date. Your plan has been updated."))
        XCTAssertEqual(patient.plan?.goals.map(\.text).sorted(), ["Join a walking group", "Sort out the gas bill"])
        let theirs = try await linkWorkersPhone.lastOutcome()
        XCTAssertEqual(theirs?.peer?.role, .patient, "the link worker's phone proved it was Ada's")
        XCTAssertEqual(theirs?.stats.bytesReceived, patient.sync.lastOutcome?.stats.bytesSent)

        // Progress recorded on the phone reaches the link worker's at the next meeting.
        let detail = patient.goalDetail(fixture.walking)
        detail.rating = 7
        let saved = await detail.save()
        XCTAssertTrue(saved)
        await patient.sync.sync()
        XCTAssertEqual(patient.sync.status, .finished(summary: "Up to date. Nothing new from your link worker."))
        let progress = try fixture.worker.planBlocking(personId: fixture.personId).goals.first { $0.id == fixture.walking }?.progress
        XCTAssertEqual(progress?.last?.rating, 7)
    }

    func testAnAddressThatDoesNotReadIsSaidPlainly() async throws {
        let patient = try await fixture.paired(synced: false, connect: overTCP)
        patient.sync.address = "my link worker"
        await patient.sync.sync()
        XCTAssertEqual(patient.sync.status, .failed(UserMessage(TransportError.badAddress)))
        XCTAssertEqual(UserMessage(TransportError.badAddress).title, "Please check the address")
    }

    func testNobodyWaitingAtTheAddressIsUnreachableAndRetryable() async throws {
        // A port that was just free: its listener is gone at the end of the statement.
        let address = try SocketStream.Listener().address
        let patient = try await fixture.paired(synced: false, connect: overTCP)
        patient.sync.address = address
        await patient.sync.sync()
        XCTAssertEqual(patient.sync.status, .failed(UserMessage(TransportError.unreachable)))
        XCTAssertTrue(UserMessage(TransportError.unreachable).canRetry)
        XCTAssertNil(patient.plan)
    }

    /// A connected pair over loopback: the phone's transport and the raw socket of "the other side".
    private func connectedPair(silenceLimit: Duration = StreamTransport.defaultSilenceLimit) async throws -> (StreamTransport, SocketStream) {
        let listener = try SocketStream.Listener()
        async let accepted = listener.accept()
        let phone = try await StreamTransport.connect(to: listener.address, silenceLimit: silenceLimit,
                                                      using: { try await SocketStream.connect(to: $0) })
        return (phone, try await accepted)
    }

    func testMessagesTravelWholeInTheReferenceFraming() async throws {
        let (phone, other) = try await connectedPair()
        try await phone.send(Data("hello".utf8))
        var received = Data()
        while received.count < 9, let bytes = try await other.read(maxLength: 64) { received += bytes }
        XCTAssertEqual(received, Data([0, 0, 0, 5]) + Data("hello".utf8), "4-byte big-endian length, then the bytes")
        // Two messages in one write, then one split across writes: each arrives whole.
        try await other.write(MessageFraming.frame(Data("one".utf8)) + MessageFraming.frame(Data()))
        let frame = MessageFraming.frame(Data("three".utf8))
        try await other.write(frame.prefix(2))
        let first = try await phone.receive()
        let second = try await phone.receive()
        try await other.write(frame.dropFirst(2))
        let third = try await phone.receive()
        XCTAssertEqual([first, second, third], [Data("one".utf8), Data(), Data("three".utf8)])
        await other.close()
        let end = try await phone.receive()
        XCTAssertNil(end, "the peer closing between messages ends the stream")
    }

    func testAFrameOverTheLimitIsRefusedBeforeItIsRead() async throws {
        let (phone, other) = try await connectedPair()
        let length = UInt32(MessageFraming.maxMessageBytes + 1)
        try await other.write(withUnsafeBytes(of: length.bigEndian) { Data($0) })
        do {
            _ = try await phone.receive()
            XCTFail("an oversized frame was accepted")
        } catch {
            XCTAssertEqual(error as? TransportError, .oversized(length: Int(length)))
        }
        XCTAssertEqual(UserMessage(TransportError.oversized(length: 1)).canRetry, false)
    }

    func testThePeerLeavingMidMessageIsCutOff() async throws {
        let (phone, other) = try await connectedPair()
        try await other.write(MessageFraming.frame(Data("a whole message".utf8)).prefix(9))
        await other.close()
        do {
            _ = try await phone.receive()
            XCTFail("half a message was accepted")
        } catch {
            XCTAssertEqual(error as? TransportError, .cutOff)
        }
        XCTAssertEqual(UserMessage(TransportError.cutOff), UserMessage(PatientKitError.peerLeftEarly))
    }

    func testASilentPeerTimesOutAndTheConnectionCloses() async throws {
        let (phone, other) = try await connectedPair(silenceLimit: .milliseconds(50))
        do {
            _ = try await phone.receive()
            XCTFail("a silent peer was waited for without end")
        } catch {
            XCTAssertEqual(error as? TransportError, .timedOut)
        }
        let end = try await other.read(maxLength: 8)
        XCTAssertNil(end, "the phone closed its side")
    }

    func testCancellingAWaitingReceiveStopsIt() async throws {
        let (phone, other) = try await connectedPair()
        defer { withExtendedLifetime(other) {} } // the other side stays connected, silent
        let waiting = Task { try await phone.receive() }
        waiting.cancel()
        do {
            _ = try await waiting.value
            XCTFail("a cancelled receive returned")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
    }

    /// The `linkwork` command line, when the test command put it beside the library.
    private var cli: String? {
        ProcessInfo.processInfo.environment["LINKWORK_CLI"].flatMap {
            FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil
        }
    }

    /// Runs the CLI to its end; its standard output.
    @discardableResult
    private func linkwork(_ arguments: [String]) async throws -> String {
        let cli = try XCTUnwrap(cli)
        return try await Background.run {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: cli)
            process.arguments = arguments
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw CLIFailed(arguments: arguments) }
            return String(decoding: data, as: UTF8.self)
        }
    }

    struct CLIFailed: Error {
        let arguments: [String]
    }

    func testThePhoneSyncsWithTheReferenceServerLinkworkSyncServe() async throws {
        try XCTSkipIf(cli == nil, "no linkwork binary in LINKWORK_CLI (tests/swift/run.sh puts it there)")
        let dir = fixture.directory.path
        let (db, key) = ("\(dir)/worker-cli.db", "\(dir)/worker-cli.key")
        try await linkwork(["key", "new", "--out", key])
        try await linkwork(["--db", db, "--key-file", key, "init", "--user", "kim.lee"])
        let person = try await linkwork(["--db", db, "--key-file", key, "person", "add", "--given", "Grace",
                                         "--family", "Hopper", "--dob", "1906-12-09"]).trimmingCharacters(in: .whitespacesAndNewlines)
        try await linkwork(["--db", db, "--key-file", key, "goal", "add", person, "--text", "Go to the lunch club"])
        // Grace's phone, not enrolled: the demo's opt-in on both sides (`--allow-unenrolled`).
        let phone = try PatientStore(fixture.provider.createPatientStore("grace.db", user: "grace", personId: person))
        let patient = PatientModel(store: phone, connect: overTCP)

        let server = Process()
        server.executableURL = URL(fileURLWithPath: try XCTUnwrap(cli))
        server.arguments = ["--db", db, "--key-file", key, "sync", "serve", "--port", "0", "--once", "--allow-unenrolled"]
        let out = Pipe()
        server.standardOutput = out
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        let listening = try await Background.run { () -> String in
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let more = out.fileHandleForReading.availableData
                if more.isEmpty { break }
                line += more
            }
            return String(decoding: line, as: UTF8.self)
        }
        XCTAssertTrue(listening.hasPrefix("listening on 127.0.0.1:"), listening)
        patient.sync.address = String(listening.dropFirst("listening on ".count)).trimmingCharacters(in: .whitespacesAndNewlines)
        await patient.sync.sync()
        XCTAssertEqual(patient.sync.status, .finished(summary: "Up to date. Your plan has been updated."))
        XCTAssertEqual(patient.plan?.goals.map(\.text), ["Go to the lunch club"])
        XCTAssertEqual(patient.sync.lastOutcome?.peer?.role, .linkWorker)
        try await Background.run { server.waitUntilExit() }
        XCTAssertEqual(server.terminationStatus, 0, "the server ended after its one session")
    }
}
