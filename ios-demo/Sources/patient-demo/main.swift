// patient-demo: the patient's flow of the iOS demo, on the command line, through the same
// models the SwiftUI app uses. A link worker's store and the patient's store live in a
// temporary directory and sync over TCP on loopback, as the app does on the local network: the
// link worker's phone waits at an address (`NetworkPeer`), which Ada types into her app. Exits
// non-zero if any check fails.
import Foundation
import LinkWork
import PatientKit

/// Checks the story's claims; counts failures for the exit code.
@MainActor
enum Checks {
    static var failures = 0
}

/// Prints a check and counts it when it fails.
@MainActor
func check(_ condition: Bool, _ what: String) {
    print("  \(condition ? "ok  " : "FAIL") \(what)")
    if !condition { Checks.failures += 1 }
}

@MainActor
func runDemo(in directory: URL) async throws {
    let provider = StoreProvider.ephemeral(directory: directory)

    Screens.heading("Link worker's phone: a home visit with Ada, plan and case recorded")
    let worker = try provider.createLinkWorkerStore("caseload.db", user: "sam.worker")
    // Demo only: the link worker's store is enrolled with an invented organisation, as the
    // Android demo (the link worker's app) does on its first run.
    try DemoOrganisation().enrolLinkWorker(worker)
    let (pid, walking, _) = try LinkWorker.setUpPlan(worker)
    let linkWorkersPhone = try NetworkPeer(store: worker)
    defer { linkWorkersPhone.stop() }
    print("  the link worker's phone waits for Ada's at \(linkWorkersPhone.address)")
    let connect: SyncModel.Connect = { address in
        try await StreamTransport.connect(to: address, using: { try await SocketStream.connect(to: $0) })
    }
    let offer = try PairingOfferShown.make(on: worker, for: pid)
    print("  pairing offer shown to Ada (a QR code): \(offer.text.prefix(40))... (\(offer.text.count) characters)")
    print("  code beside it: \(offer.code)")

    Screens.heading("Ada's phone: first start, pairing")
    let app = PatientAppModel(provider: provider, connect: connect)
    await app.start()
    guard case .pairing = app.screen else { throw DemoError("expected the pairing screen on first start") }
    app.name = "Ada"
    app.pairingOffer = offer.text
    app.pairingCode = offer.code
    await app.pair()
    guard case let .plan(ada) = app.screen else { throw DemoError("pairing did not open the plan") }
    let certificate = try ada.store.store.deviceIdentityBlocking().certificate
    check(certificate?.role == .patient && certificate?.personId == pid && certificate?.paired == true,
          "Ada's phone made its own key and a certificate for Ada only, under the offer")
    Screens.goals(ada.goals)

    Screens.heading("They meet: Ada types the address the link worker's phone shows and syncs")
    ada.sync.address = linkWorkersPhone.address
    await ada.sync.sync()
    Screens.sync(ada.sync)
    Screens.goals(ada.goals)
    Screens.steps(ada.steps)

    Screens.heading("Ada records progress on a goal")
    let detail = ada.goalDetail(walking)
    detail.rating = 6
    detail.note = "Walked to the café with my neighbour"
    check(await detail.save(), "progress saved")
    Screens.goal(detail)

    Screens.heading("Ada ticks a step")
    guard let ring = ada.steps.toDo.first(where: { $0.canTick }) else { throw DemoError("no step to tick") }
    await ada.steps.toggle(ring.id)
    Screens.steps(ada.steps)

    Screens.heading("Ada answers ONS4 and SWEMWBS")
    let ons4 = ada.questionnaire(.ons4)
    for (index, value) in [6, 7, 5, 4].enumerated() { ons4.answer(index, Int64(value)) }
    check(await ons4.submit(), "ONS4 stored (\(ons4.timepoint == .baseline ? "baseline" : "review"))")
    Screens.questionnaire(ons4)
    let swemwbs = ada.questionnaire(.swemwbs)
    for (index, value) in [3, 4, 3, 3, 4, 4, 3].enumerated() { swemwbs.answer(index, Int64(value)) }
    check(await swemwbs.submit(), "SWEMWBS stored")
    Screens.questionnaire(swemwbs)

    Screens.heading("They meet again: sync back")
    await ada.sync.sync()
    Screens.sync(ada.sync)
    let heard = try await linkWorkersPhone.lastOutcome()
    check(heard?.changedPersonIds == [pid], "the link worker's phone merged Ada's changes")
    check(heard?.peer?.role == .patient && heard?.peer?.personId == pid, "it saw Ada's own store as the peer")
    let proven = try worker.peersBlocking().contains { $0.certificateRole == "patient" && $0.certificateName == "Ada" }
    check(proven, "proven by her phone's certificate in the secure channel")

    Screens.heading("A stranger's phone that knows Ada's id tries to sync")
    let stranger = try provider.createPatientStore("stranger.db", user: "someone", personId: pid)
    let refused: Bool
    do {
        _ = try await SyncRunner.run(stranger, over: try await connect(linkWorkersPhone.address), as: .connecting)
        refused = false
    } catch {
        refused = true
    }
    let received = try stranger.documentsBlocking()
    check(refused && received.isEmpty, "refused during the handshake; it received nothing")

    Screens.heading("Link worker's phone after the sync")
    let plan = try worker.planBlocking(personId: pid)
    let progress = plan.goals.first { $0.id == walking }?.progress.last
    print("  progress on “Join a walking group”: \(progress?.rating.map(String.init) ?? "-")/10 by \(progress?.recordedBy ?? "-")")
    for step in plan.steps { print("  step “\(step.text)”: \(step.doneBy.map { "done by \($0)" } ?? "to do")") }
    for measure in plan.measures {
        print("  \(measure.instrument) \(measure.timepoint) by \(measure.recordedBy): " + Formatting.scoreLines(measure.outcome).joined(separator: "; "))
    }
    check(progress?.recordedBy == "Ada" && progress?.rating == 6, "Ada's progress arrived with her name")
    check(plan.steps.contains { $0.id == ring.id && $0.doneBy == "Ada" }, "the ticked step arrived")
    check(plan.measures.map(\.instrument) == [.ons4, .swemwbs], "both questionnaires arrived")
    let onPhone = try await ada.store.plan()
    check(try worker.planBlocking(personId: pid) == onPhone, "both phones hold the same plan")

    Screens.heading("What Ada's phone holds: her plan and no case data")
    let privacy = try await ada.store.privacyCheck()
    let caseNotes = try worker.personBlocking(personId: pid).caseRecord?.notes.count ?? 0
    print("  link worker's phone: case record with \(caseNotes) note(s) and a home visit")
    check(privacy.peopleHeld == 1 && privacy.holdsOnlyOwnPlan, "Ada's phone holds one record: her own plan")
    check(!privacy.holdsCaseRecord, "it holds no case record (notes, visits, flags, consent, referrals)")
    check(privacy.caseExportRefused, "exporting the case document is refused (NotPermitted)")
    check(privacy.gpCodesRefused, "reading GP codes is refused (NotPermitted)")
    check(privacy.caseNoteRefused, "writing a case note is refused (NotPermitted)")
    check(privacy.newGoalRefused, "adding a goal is refused: goals are agreed with the link worker")

    // Defence in depth: a message that does carry case data (captured between two link
    // workers' phones) is refused by Ada's phone, and nothing of it is stored.
    let colleague = try provider.createLinkWorkerStore("colleague.db", user: "jo.colleague")
    let start = try worker.syncStartBlocking()
    let manifest = try colleague.syncAccept().receiveBlocking(message: start.message).reply
    guard let manifest, let documents = try start.session.receiveBlocking(message: manifest).reply else {
        throw DemoError("no documents message between the two link workers")
    }
    let before = try await ada.store.plan()
    let session = ada.store.store.syncAccept()
    _ = try session.receiveBlocking(message: start.message)
    do {
        _ = try session.receiveBlocking(message: documents)
        check(false, "a message carrying case data is refused")
    } catch LinkWorkError.notPermitted(let action) {
        check(true, "a message carrying case data is refused (NotPermitted: \(action))")
    }
    let after = try await ada.store.plan()
    let stillPrivate = try await ada.store.privacyCheck()
    check(after == before && stillPrivate.holdsNoCaseData, "nothing of it was stored")
}

/// Runs the story and returns the number of failed checks.
@MainActor
func runAll(in directory: URL) async -> Int {
    do {
        try await runDemo(in: directory)
    } catch {
        print("patient-demo failed: \(error)")
        Checks.failures += 1
    }
    return Checks.failures
}

struct DemoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

let directory = FileManager.default.temporaryDirectory
    .appendingPathComponent("patient-demo-\(UUID().uuidString)", isDirectory: true)
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
let failures = await runAll(in: directory)
try? FileManager.default.removeItem(at: directory)
print(failures == 0 ? "\npatient-demo: all checks passed" : "\npatient-demo: \(failures) check(s) failed")
exit(failures == 0 ? 0 : 1)
