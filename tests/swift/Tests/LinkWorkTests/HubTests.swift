// The team hub from Swift: enrolment and sync against a real `linkwork-hub` that
// tests/swift/run.sh starts beside the suite (with-test-hub.sh: plain WebSocket on loopback, an
// organisation, users and invite codes in LINKWORK_TEST_HUB_*). The app owns the transport:
// here a small WebSocket client over a plain socket (RFC 6455 framing, binary messages only),
// since FoundationNetworking's WebSocket needs a libcurl built with it. Core's HubEnrolment and
// HubSession decide everything.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest
import LinkWork

enum HubSocketError: Error {
    case badURL(String)
    case io(String)
    case handshake(String)
    case tooLarge
}

/// One WebSocket client connection (`ws://HOST:PORT/PATH`, IPv4): binary messages each way.
final class HubSocket {
    private let fd: Int32
    private var closed = false

    init(url: String) throws {
        guard let parts = URLComponents(string: url), parts.scheme == "ws",
              let host = parts.host, let port = parts.port else { throw HubSocketError.badURL(url) }
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HubSocketError.io("socket") }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &addr.sin_addr) == 1 else {
            Glibc.close(fd)
            throw HubSocketError.badURL(url)
        }
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw HubSocketError.io("connect to \(url)")
        }
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let request = "GET \(parts.path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try write(Array(request.utf8))
        var head = [UInt8]()
        while !(head.count >= 4 && Array(head.suffix(4)) == [13, 10, 13, 10]) {
            head += try read(1)
            if head.count > 8192 { throw HubSocketError.handshake("response head too long") }
        }
        let status = String(decoding: head, as: UTF8.self)
        guard status.hasPrefix("HTTP/1.1 101") else {
            throw HubSocketError.handshake(String(status.prefix(40)))
        }
    }

    deinit { close() }

    private func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw HubSocketError.io("send") }
            sent += n
        }
    }

    private func read(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw HubSocketError.io(n == 0 ? "closed" : "recv (timeout?)") }
            got += n
        }
        return out
    }

    /// One frame to the hub (a client masks every frame).
    private func frame(opcode: UInt8, _ payload: [UInt8]) throws {
        var out: [UInt8] = [0x80 | opcode]
        let count = UInt64(payload.count)
        let masked: UInt8 = 0x80
        switch count {
        case 0..<126:
            out.append(masked | UInt8(count))
        case 126...0xFFFF:
            out.append(masked | 126)
            out += [UInt8(truncatingIfNeeded: count >> 8), UInt8(truncatingIfNeeded: count)]
        default:
            out.append(masked | 127)
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: count >> UInt64(shift)))
            }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        out += mask
        out += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try write(out)
    }

    /// Sends one binary message.
    func send(_ data: Data) throws {
        try frame(opcode: 0x2, Array(data))
    }

    /// The next binary message; `nil` once the hub closed the connection.
    func next() throws -> Data? {
        var message = [UInt8]()
        while true {
            guard let head = try? read(2) else { return nil }
            let fin = head[0] & 0x80 != 0, opcode = head[0] & 0x0F
            var length = UInt64(head[1] & 0x7F)
            if length == 126 { length = try read(2).reduce(0) { $0 << 8 | UInt64($1) } }
            else if length == 127 { length = try read(8).reduce(0) { $0 << 8 | UInt64($1) } }
            guard length <= 8 << 20 else { throw HubSocketError.tooLarge }
            let mask = head[1] & 0x80 != 0 ? try read(4) : nil
            var payload = try read(Int(length))
            if let mask { payload = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] } }
            switch opcode {
            case 0x8: closed = true; return nil
            case 0x9: try frame(opcode: 0xA, payload)
            case 0xA: continue
            default:
                message += payload
                if fin { return Data(message) }
            }
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        try? frame(opcode: 0x8, [0x03, 0xE8])
        Glibc.close(fd)
    }
}

/// The test hub's address, invite codes and admin command (tests/swift/run.sh sets them).
enum TestHub {
    static func env(_ name: String) throws -> String {
        guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else {
            throw HubSocketError.io("\(name) is not set: run the suite with tests/swift/run.sh, which starts the hub")
        }
        return v
    }

    static func url() throws -> String { try env("LINKWORK_TEST_HUB_URL") }
    static func code(_ user: String) throws -> String { try env("LINKWORK_TEST_HUB_CODE_\(user)") }

    /// Runs the hub's admin command (`linkwork-hub --database FILE ...args`): its stdout.
    @discardableResult
    static func admin(_ args: [String]) throws -> String {
        let parts = try env("LINKWORK_TEST_HUB_ADMIN").split(separator: " ").map(String.init)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: parts[0])
        p.arguments = Array(parts.dropFirst()) + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let bytes = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "linkwork-hub \(args.joined(separator: " "))")
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Enrols `store` with the test hub using `code`: the certificate (the async API throughout).
func enrolWithHub(_ store: LinkWorkStore, code: String) async throws -> DeviceCertificate {
    let start = try await store.hubEnrol(code: code)
    let ws = try HubSocket(url: try TestHub.url() + "/enrol")
    defer { ws.close() }
    try ws.send(start.message)
    guard let answer = try ws.next() else {
        try start.enrolment.closed()
        throw HubSocketError.io("closed() throws before an answer")
    }
    return try await start.enrolment.receive(frame: answer)
}

/// One hub session of `store` for `purpose`, to the end: what it did.
func runHubSession(_ store: LinkWorkStore, _ purpose: HubPurpose) async throws -> HubOutcome {
    let start = try await store.hubSession(purpose: purpose)
    let ws = try HubSocket(url: try TestHub.url() + "/connect")
    defer { ws.close() }
    try ws.send(start.message)
    while true {
        guard let frame = try ws.next() else {
            try start.session.closed()
            break
        }
        let step = try await start.session.receive(frame: frame)
        for out in step.send { try ws.send(out) }
        if step.done { break }
    }
    XCTAssertEqual(start.session.phase(), .done)
    return try XCTUnwrap(start.session.outcome())
}

final class HubTests: LinkWorkTestCase {
    func testAWrongInviteCodeIsRefusedWithATypedError() async throws {
        let store = try await LinkWorkStore.create(path: dir.path("wrong.db"), key: .unencrypted, user: "ann",
                                                   role: .linkWorker)
        do {
            _ = try await enrolWithHub(store, code: "AAAA-BBBB-CCCC-DDDD")
            XCTFail("enrolled with a wrong code")
        } catch LinkWorkError.enrolmentRefused(let refusal) {
            XCTAssertEqual(refusal, .codeNotValid)
        }
        let identity = try await store.deviceIdentity()
        XCTAssertNil(identity.certificate)
        do {
            _ = try await store.hubSession(purpose: .sync)
            XCTFail("a session started without enrolment")
        } catch LinkWorkError.untrusted {
        }
    }

    func testAPersonSyncsThroughTheHubToASecondEnrolledStore() async throws {
        let ann = try linkWorkerStore("ann.db", user: "ann")
        let cert = try await enrolWithHub(ann, code: try TestHub.code("ANN"))
        XCTAssertEqual(cert.name, "Ann")
        XCTAssertEqual(cert.organisation, "Northside")
        let lena = try linkWorkerStore("lena.db", user: "lena")
        _ = try await enrolWithHub(lena, code: try TestHub.code("LENA"))

        let rose = try await ann.addPerson(person: newPerson(given: "Rose", nhs: nil))
        let sent = try await runHubSession(ann, .sync)
        XCTAssertEqual(sent.hub.organisation, "Northside")
        XCTAssertGreaterThan(sent.stats.messagesSent, 0)
        guard case .noDirectory = sent.directory else { return XCTFail("\(sent.directory)") }
        let received = try await runHubSession(lena, .sync)
        XCTAssertEqual(received.changedPersonIds, [rose])
        let record = try await lena.person(personId: rose)
        XCTAssertEqual(record.caseRecord?.demographics.givenName, "Rose")
        let connected = try await runHubSession(lena, .connect)
        XCTAssertTrue(connected.changedPersonIds.isEmpty)
    }

    func testAPatientsPhonePairedOfflineSyncsItsPlanThroughTheHubUntilRevoked() async throws {
        // A link worker of its own (the suite's invite codes are one-time), in a team of her
        // own: the suite's team lead of North must not receive her people.
        try TestHub.admin(["user", "add", "Pia", "--role", "link-worker", "--team", "East"])
        let pia = try linkWorkerStore("pia.db", user: "pia")
        let code = try TestHub.admin(["invite", "Pia"]).trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try await enrolWithHub(pia, code: code)
        let rose = try pia.addPersonBlocking(person: newPerson(given: "Rose", nhs: nil))
        let iris = try pia.addPersonBlocking(person: newPerson(given: "Iris", nhs: nil))
        let goal = try pia.addGoalBlocking(personId: rose, goal: NewGoal(text: "Walk to the shops"))
        _ = try await runHubSession(pia, .sync)
        // Paired offline at the home visit: the hub never enrolled the phone.
        let offer = try pia.pairPatientBlocking(personId: rose, days: 365)
        let phone = try await LinkWorkStore.createPaired(
            path: dir.path("rose.db"), key: .unencrypted, user: "Rose", payload: offer.payload, code: offer.code)
        let got = try await runHubSession(phone, .sync)
        XCTAssertEqual(got.changedPersonIds, [rose])
        guard case .notOffered = got.directory else { return XCTFail("\(got.directory)") }
        XCTAssertEqual(try phone.caseloadBlocking(query: CaseloadQuery()).map { $0.personId }, [rose])
        XCTAssertThrowsError(try phone.planBlocking(personId: iris))
        // Her progress reaches the link worker through the hub.
        _ = try phone.recordProgressBlocking(goalId: goal, progress: NewProgress(rating: 7, note: nil))
        _ = try await runHubSession(phone, .sync)
        let back = try await runHubSession(pia, .sync)
        XCTAssertEqual(back.changedPersonIds, [rose])
        XCTAssertEqual(try pia.planBlocking(personId: rose).goals.first?.progress.first?.rating, 7)
        // Revoked on the hub (`device list` shows the phone once it has connected).
        XCTAssertTrue(try TestHub.admin(["device", "list"]).contains("paired by Pia"))
        try TestHub.admin(["device", "revoke", try phone.deviceIdentityBlocking().deviceKey])
        do {
            _ = try await runHubSession(phone, .sync)
            XCTFail("a revoked phone synced")
        } catch LinkWorkError.hub {
        }
    }

    func testARevokedDeviceIsRefusedAtItsNextConnection() async throws {
        let rex = try linkWorkerStore("rex.db", user: "rex")
        _ = try await enrolWithHub(rex, code: try TestHub.code("REVOKED"))
        // Admitted before the revocation, so the refusal below is the revocation's.
        _ = try await runHubSession(rex, .connect)
        try TestHub.admin(["device", "revoke", try await rex.deviceIdentity().deviceKey])
        do {
            _ = try await runHubSession(rex, .sync)
            XCTFail("a revoked device connected")
        } catch LinkWorkError.hub(let retryable, _) {
            XCTAssertTrue(retryable)
        }
    }
}
