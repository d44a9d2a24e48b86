// The JVM command-line entry point of the Android demo's logic: a home visit told end to end
// through the same view models the Compose screens use, against two encrypted stores (Sam's
// phone and the team hub) that then sync. Prints what each screen would show; exits non-zero
// if the story does not end as it should.
package org.linkwork.demo.cli

import java.nio.file.Files
import java.util.concurrent.Executors
import kotlin.system.exitProcess
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.linkwork.core.ConsultationMode
import org.linkwork.core.ContactPreference
import org.linkwork.core.EpisodeStatus
import org.linkwork.core.EpisodeTransition
import org.linkwork.core.GoalStatus
import org.linkwork.GoalUpdate
import org.linkwork.core.Instrument
import org.linkwork.core.AdministrationMode
import org.linkwork.core.NewConsultation
import org.linkwork.core.NewGoal
import org.linkwork.core.NewMeasureResponse
import org.linkwork.core.NewPerson
import org.linkwork.core.NewProgress
import org.linkwork.core.NewReferral
import org.linkwork.core.NewStep
import org.linkwork.core.Need
import org.linkwork.core.ReferralSource
import org.linkwork.core.StepOwner
import org.linkwork.core.Timepoint
import org.linkwork.demo.caseload.CaseloadViewModel
import org.linkwork.demo.data.InMemoryKeySupplier
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.data.StoreProvider
import org.linkwork.demo.identity.DemoOrganisation
import org.linkwork.demo.person.PersonViewModel
import org.linkwork.demo.sync.InProcessTransport
import org.linkwork.demo.sync.SyncTarget
import org.linkwork.demo.sync.SyncTargetKind
import org.linkwork.demo.sync.SyncViewModel
import org.linkwork.demo.visit.HomeVisitViewModel
import org.linkwork.demo.visit.VisitPhase
import org.linkwork.uniffiEnsureInitialized

/** Runs the story; exit code 0 when every check along the way held. */
fun main() {
    val ok = try {
        uniffiEnsureInitialized()
        runBlocking { story() }
        true
    } catch (t: Throwable) {
        println("DEMO FAILED: $t")
        t.printStackTrace(System.out)
        false
    }
    exitProcess(if (ok) 0 else 1)
}

private fun screen(title: String, text: String) {
    println()
    println("== $title")
    println(text)
}

private suspend fun story() {
    val dir = Files.createTempDirectory("linkwork-android-demo-").toFile()
    // The UI thread of the app, played by one thread; store calls go to Dispatchers.IO.
    val mainThread = Executors.newSingleThreadExecutor { r -> Thread(r, "demo-main").apply { isDaemon = true } }
    val main = mainThread.asCoroutineDispatcher()
    val scope = CoroutineScope(SupervisorJob() + main)
    val provider = StoreProvider(dir, InMemoryKeySupplier())
    // Demo only: one process plays the organisation's administrator and enrols both devices.
    val org = DemoOrganisation.loadOrCreate(dir.resolve("demo-org"))
    val phone = LinkWorkRepository(provider.openOrCreateLinkWorker("sam-phone", "sam.patel").also { org.ensureEnrolled(it) }, Dispatchers.IO)
    val hub = LinkWorkRepository(provider.openOrCreateLinkWorker("team-hub", "kim.lee").also { org.ensureEnrolled(it) }, Dispatchers.IO)
    try {
        println("Two encrypted stores in $dir: Sam's phone (sam.patel) and the team hub (kim.lee),")
        println("both enrolled with \"${DemoOrganisation.NAME}\": every sync runs in the authenticated channel.")

        // Referrals already on Sam's phone: Ada accepted with a plan and a baseline ONS4; Grace being contacted.
        val ada = phone.addPerson(person("Ada", "Lovelace", "943 476 5919"))
        val (walk, boots) = phone.edit(ada) { s ->
            s.transitionEpisode(ada, EpisodeTransition(to = EpisodeStatus.CONTACTING))
            s.transitionEpisode(ada, EpisodeTransition(to = EpisodeStatus.ACCEPTED))
            s.setWhatMatters(ada, "Getting out of the house and seeing people again")
            s.addNeed(ada, Need.LONELINESS, null)
            val walk = s.addGoal(ada, NewGoal(text = "Join a walking group", needs = listOf(Need.LONELINESS)))
            s.recordProgress(walk, NewProgress(rating = 3, note = "went once"))
            val boots = s.addStep(ada, NewStep(text = "Find walking boots", owner = StepOwner.PERSON, goalId = walk, due = java.time.LocalDate.now().minusDays(1)))
            s.addStep(ada, NewStep(text = "Call the group leader", owner = StepOwner.LINK_WORKER, goalId = walk, due = java.time.LocalDate.now().plusDays(3)))
            s.addConsultation(ada, NewConsultation(mode = ConsultationMode.PHONE, durationMinutes = 20))
            s.recordMeasure(ada, NewMeasureResponse(instrument = Instrument.ONS4, timepoint = Timepoint.BASELINE, mode = AdministrationMode.READ_OUT, answers = listOf(4L, 5L, 4L, 7L)))
            walk to boots
        }
        val grace = phone.addPerson(person("Grace", "Hopper", null))
        phone.edit(grace) { it.transitionEpisode(grace, EpisodeTransition(to = EpisodeStatus.CONTACTING)) }

        val hubTarget = SyncTarget("hub", "Team hub", SyncTargetKind.TEAM_HUB) {
            // In the app: a TLS socket to the hub. Here the hub answers in-process.
            val (mine, theirs) = InProcessTransport.pair()
            scope.launch { hub.sync(theirs, connect = false) }
            mine
        }
        val caseload = CaseloadViewModel(phone, scope)
        val sync = SyncViewModel(phone, listOf(hubTarget), scope)
        caseload.refresh().join()
        screen("Caseload on Sam's phone (before the first sync)", ScreenText.caseload(caseload.state.value))
        check(caseload.state.value.rows.first { it.name == "Ada Lovelace" }.unsynced)

        sync.sync("hub").join()
        screen("Sync screen after the first sync with the hub", ScreenText.sync(sync.state.value))
        check(sync.state.value.last?.merged?.isEmpty() == true) { "the hub had nothing new for the phone" }
        caseload.refresh().join()
        check(caseload.state.value.unsyncedTotal == 0) { "badges cleared by a link-worker peer" }

        // The home visit.
        val visit = HomeVisitViewModel(phone, ada, scope, tickMillis = null)
        visit.reload().join()
        visit.start(attendees = listOf("daughter")).join()
        visit.recordProgress(walk, 7, "walked with the group on Tuesday").join()
        visit.openMeasure(Instrument.ONS4).join()
        listOf(7L, 8L, 6L, 3L).forEachIndexed { i, v -> visit.answer(i, v) }
        screen("Home visit: ONS4 follow-up filled in", ScreenText.visit(visit.state.value))
        check(visit.state.value.form?.timepoint == Timepoint.FOLLOW_UP) { "a baseline exists, so this is the follow-up" }
        visit.saveMeasure().join()
        visit.openMeasure(Instrument.SWEMWBS).join()
        listOf(3L, 3L, 3L, 3L, 3L, 4L, 4L).forEachIndexed { i, v -> visit.answer(i, v) }
        visit.saveMeasure().join()
        screen("Home visit: in progress", ScreenText.visit(visit.state.value))
        check(visit.state.value.phase == VisitPhase.IN_VISIT)
        visit.checkOut("Talked about the walking group; daughter present").join()
        screen("Home visit: checked out", ScreenText.visit(visit.state.value))
        check(visit.state.value.phase == VisitPhase.CHECKED_OUT) { "checked out: ${visit.state.value.message}" }

        val person = PersonViewModel(phone, ada, scope)
        person.toggleStep(boots).join()
        person.setGoalStatus(walk, GoalStatus.ACHIEVED).join()
        person.refresh().join()
        screen("Person screen on Sam's phone", ScreenText.person(person.state.value))
        check(person.state.value.steps.single { it.text == "Find walking boots" }.done)
        check(person.state.value.changes.any { it.quantity == "life satisfaction" && it.direction == "better" })

        // Meanwhile at the hub, Kim marks the same goal partly achieved: a conflict once they meet.
        hub.edit(ada) { it.updateGoal(walk, GoalUpdate(status = GoalStatus.PARTLY_ACHIEVED)) }

        caseload.refresh().join()
        screen("Caseload on Sam's phone after the visit", ScreenText.caseload(caseload.state.value))
        check(caseload.state.value.rows.first { it.name == "Ada Lovelace" }.unsynced)

        sync.sync("hub").join()
        screen("Sync screen: merged, with a conflict to resolve", ScreenText.sync(sync.state.value))
        val conflict = sync.state.value.conflicts.single()
        check(conflict.resolvable && conflict.choices.map { it.setBy }.toSet() == setOf("sam.patel", "kim.lee"))
        sync.resolve(conflict.key, conflict.choices.indexOfFirst { it.setBy == "sam.patel" }).join()
        sync.sync("hub").join()
        screen("Sync screen after resolving and syncing again", ScreenText.sync(sync.state.value))
        check(sync.state.value.conflicts.isEmpty() && sync.state.value.unsyncedTotal == 0)

        val onHub = PersonViewModel(hub, ada, scope)
        onHub.refresh().join()
        screen("Person screen on the team hub", ScreenText.person(onHub.state.value))
        check(onHub.state.value.conflicts == 0 && onHub.state.value.goals.single().status == "Achieved")
        check(onHub.state.value.consultations.any { it.mode == "Home visit" && it.checkedOut })

        pairingStory(provider, phone, ada, scope)
        println()
        println("Demo finished: the visit reached the hub, the conflict was resolved on both devices, and Ada's phone was paired.")
    } finally {
        scope.cancel()
        mainThread.shutdown()
        phone.close()
        hub.close()
        dir.deleteRecursively()
    }
}

private fun person(given: String, family: String, nhs: String?) = NewPerson(
    givenName = given,
    familyName = family,
    dateOfBirth = java.time.LocalDate.of(1950, 2, 28),
    nhsNumber = nhs,
    phone = "07700 900123",
    preferredContact = ContactPreference.PHONE,
    referral = NewReferral(source = ReferralSource.GP, referrer = "Dr Patel", reasons = listOf("isolated"), consentToContact = true),
)
