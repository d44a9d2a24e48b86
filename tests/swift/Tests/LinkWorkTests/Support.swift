// Shared fixtures of the Swift suite: a temporary directory per test, dates as the API takes
// them, a sample person, a thread-safe recording listener, and helpers that assert a call
// throws one LinkWorkError case and hand back its payload.
import Foundation
import XCTest
import LinkWork

/// Base class: every test gets a fresh temporary directory, removed afterwards.
class LinkWorkTestCase: XCTestCase {
    private(set) var dir: TempDir!

    override func setUpWithError() throws {
        try super.setUpWithError()
        dir = try TempDir()
    }

    override func tearDownWithError() throws {
        dir?.remove()
        dir = nil
        try super.tearDownWithError()
    }

    /// A new link-worker store acting as `user`.
    func linkWorkerStore(_ name: String = "caseload.db", user: String = "sam.worker") throws -> LinkWorkStore {
        try LinkWorkStore.createBlocking(path: dir.path(name), key: .unencrypted, user: user, role: .linkWorker)
    }
}

/// A temporary directory, named `linkwork-swift-<uuid>` under the system's temporary directory.
final class TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("linkwork-swift-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path for a file in the directory (the API takes paths as strings).
    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Today (UTC, as the core reckons it) plus `offset` days, as the `DateComponents` (year,
/// month, day) the API takes and returns for calendar dates.
func day(_ offset: Int = 0) -> DateComponents {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let date = calendar.date(byAdding: .day, value: offset, to: Date())!
    let c = calendar.dateComponents([.year, .month, .day], from: date)
    return ymd(c.year!, c.month!, c.day!)
}

/// A calendar date as the API takes it.
func ymd(_ year: Int, _ month: Int, _ day: Int) -> DateComponents {
    DateComponents(year: year, month: month, day: day)
}

/// Now minus `seconds`, truncated to whole seconds (so it crosses the FFI exactly).
func wholeSecondsAgo(_ seconds: TimeInterval) -> Date {
    Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - seconds).rounded(.down))
}

/// A person with a GP referral; names and numbers are fictional (943 476 5919 is the NHS
/// example number).
func newPerson(
    given: String = "Ada",
    family: String = "Lovelace",
    nhs: String? = "943 476 5919",
    dob: DateComponents? = ymd(1950, 2, 28)
) -> NewPerson {
    NewPerson(
        givenName: given,
        familyName: family,
        dateOfBirth: dob,
        nhsNumber: nhs,
        phone: "07700 900123",
        preferredContact: .phone,
        referral: NewReferral(
            source: .gp,
            referrer: "Dr Patel",
            reasons: ["isolated since bereavement"],
            urgency: .routine,
            consentToContact: true
        )
    )
}

/// The plan with every item's episode cleared, as `planBlocking(personId:)` and a phone read it.
func withoutEpisodes(_ plan: Plan) -> Plan {
    var plan = plan
    plan.needs = plan.needs.map { var n = $0; n.episodeId = nil; return n }
    plan.goals = plan.goals.map { var g = $0; g.episodeId = nil; return g }
    plan.steps = plan.steps.map { var s = $0; s.episodeId = nil; return s }
    plan.measures = plan.measures.map { var m = $0; m.episodeId = nil; return m }
    return plan
}

/// Records every notification. Callbacks arrive on Rust threads, possibly at the same time,
/// so the state is behind a lock (shared/recipes/swift-linux.md, pitfall 10).
final class Recorder: ChangeListener, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [[String]] = []
    private var recordedThreads: [Bool] = []

    private var completed = 0
    /// Empty notifications: a sync session completed (not recorded as a change).
    var syncsCompleted: Int { lock.lock(); defer { lock.unlock() }; return completed }

    func peopleChanged(personIds: [String]) throws {
        lock.lock()
        defer { lock.unlock() }
        if personIds.isEmpty { completed += 1; return }
        recorded.append(personIds)
        recordedThreads.append(Thread.isMainThread)
    }

    /// Every notification so far, in arrival order.
    var calls: [[String]] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    /// For each notification, whether it arrived on the main thread.
    var onMainThread: [Bool] {
        lock.lock()
        defer { lock.unlock() }
        return recordedThreads
    }
}

/// Collects values and errors from many threads.
final class Collector<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [T] = []
    private var errors: [Error] = []

    func add(_ value: T) { lock.lock(); values.append(value); lock.unlock() }
    func fail(_ error: Error) { lock.lock(); errors.append(error); lock.unlock() }
    var all: [T] { lock.lock(); defer { lock.unlock() }; return values }
    var failures: [Error] { lock.lock(); defer { lock.unlock() }; return errors }
}

/// Exhaustive over the error's cases: a case added in Rust fails to compile here.
func describe(_ error: LinkWorkError) -> String {
    switch error {
    case let .notFound(kind, id): return "not found: \(kind) \(id)"
    case let .invalidInput(field, reason): return "invalid \(field): \(reason)"
    case let .conflict(reason): return "conflict: \(reason)"
    case let .notPermitted(action): return "not permitted: \(action)"
    case let .storage(reason): return "storage: \(reason)"
    case let .wrongKey(reason): return "wrong key: \(reason)"
    case let .updateRequired(reason): return "update required: \(reason)"
    case let .untrusted(reason): return "untrusted: \(reason)"
    case let .sync(retryable, reason): return "sync (retryable=\(retryable)): \(reason)"
    case let .enrolmentRefused(refusal): return "enrolment refused: \(refusal)"
    case let .hub(retryable, reason): return "hub (retryable=\(retryable)): \(reason)"
    case let .unexpected(reason): return "unexpected: \(reason)"
    }
}

// MARK: - Asserting one error case

/// Asserts that `expression` throws `LinkWorkError.notFound`; returns its payload.
@discardableResult
func assertNotFound<T>(
    _ expression: @autoclosure () throws -> T,
    kind expectedKind: String? = nil,
    file: StaticString = #filePath, line: UInt = #line
) -> (kind: String, id: String)? {
    var payload: (kind: String, id: String)?
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard case let LinkWorkError.notFound(kind, id) = error else {
            return XCTFail("expected LinkWorkError.notFound, got \(error)", file: file, line: line)
        }
        payload = (kind, id)
    }
    if let expectedKind, let payload {
        XCTAssertEqual(payload.kind, expectedKind, file: file, line: line)
    }
    return payload
}

/// Asserts that `expression` throws `LinkWorkError.invalidInput` (naming `field` when given);
/// returns its payload.
@discardableResult
func assertInvalidInput<T>(
    _ expression: @autoclosure () throws -> T,
    field expectedField: String? = nil,
    file: StaticString = #filePath, line: UInt = #line
) -> (field: String, reason: String)? {
    var payload: (field: String, reason: String)?
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard case let LinkWorkError.invalidInput(field, reason) = error else {
            return XCTFail("expected LinkWorkError.invalidInput, got \(error)", file: file, line: line)
        }
        payload = (field, reason)
    }
    if let expectedField, let payload {
        XCTAssertEqual(payload.field, expectedField, "reason: \(payload.reason)", file: file, line: line)
    }
    return payload
}

/// Asserts that `expression` throws `LinkWorkError.wrongKey`; returns its reason.
@discardableResult
func assertWrongKey<T>(
    _ expression: @autoclosure () throws -> T,
    file: StaticString = #filePath, line: UInt = #line
) -> String? {
    var reason: String?
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard case let LinkWorkError.wrongKey(r) = error else {
            return XCTFail("expected LinkWorkError.wrongKey, got \(error)", file: file, line: line)
        }
        reason = r
    }
    return reason
}

/// Asserts that `expression` throws `LinkWorkError.conflict`; returns its reason.
@discardableResult
func assertConflict<T>(
    _ expression: @autoclosure () throws -> T,
    file: StaticString = #filePath, line: UInt = #line
) -> String? {
    var reason: String?
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard case let LinkWorkError.conflict(r) = error else {
            return XCTFail("expected LinkWorkError.conflict, got \(error)", file: file, line: line)
        }
        reason = r
    }
    return reason
}

/// Asserts that `expression` throws `LinkWorkError.notPermitted`; returns its action.
@discardableResult
func assertNotPermitted<T>(
    _ expression: @autoclosure () throws -> T,
    file: StaticString = #filePath, line: UInt = #line
) -> String? {
    var action: String?
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard case let LinkWorkError.notPermitted(a) = error else {
            return XCTFail("expected LinkWorkError.notPermitted, got \(error)", file: file, line: line)
        }
        action = a
    }
    return action
}

/// Asserts that `expression` throws `LinkWorkError.storage`; returns its reason.
@discardableResult
func assertStorage<T>(
    _ expression: @autoclosure () throws -> T,
    file: StaticString = #filePath, line: UInt = #line
) -> String? {
    var reason: String?
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard case let LinkWorkError.storage(r) = error else {
            return XCTFail("expected LinkWorkError.storage, got \(error)", file: file, line: line)
        }
        reason = r
    }
    return reason
}

/// The scored result of a measure, or a test failure.
func scored(_ outcome: ScoreOutcome?, file: StaticString = #filePath, line: UInt = #line) throws -> Score {
    guard case let .scored(score)? = outcome else {
        XCTFail("expected a scored outcome, got \(String(describing: outcome))", file: file, line: line)
        throw TestFailure.notScored
    }
    return score
}

enum TestFailure: Error {
    case notScored
}
