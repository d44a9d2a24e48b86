// A link worker's whole home-visit flow (most records crossing the boundary), and update
// records with their `clear` list. History, plan and episode rules are tested in Rust
// (tests/tests/integration/history.rs, plan.rs, episode.rs).
package org.linkwork.tests

import java.time.Duration
import java.time.Instant
import java.time.temporal.ChronoUnit
import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object FlowTests {
    val all: List<TestCase> = listOf(
        TestCase("home visit flow: referral to history", ::homeVisitFlow),
        TestCase("demographics update sets and clears fields", ::demographicsUpdate),
    )

    private const val ACCEPTED_CODE = "871731000000106"

    private suspend fun homeVisitFlow() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val info = store.info()
            assertEquals(Role.LINK_WORKER, info.role)
            assertEquals("sam.worker", info.user)
            assertNull(info.personId)

            // Referral in, first contact attempts, accepted.
            val pid = store.addPerson(newPerson())
            val reachedAt = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS)
            store.recordContactAttempt(
                pid,
                NewContactAttempt(
                    channel = ContactChannel.PHONE, outcome = ContactOutcome.NO_ANSWER,
                    at = reachedAt.minus(Duration.ofDays(1)),
                ),
            )
            assertEquals(
                EpisodeStatus.CONTACTING,
                store.transitionEpisode(pid, EpisodeTransition(to = EpisodeStatus.CONTACTING)),
            )
            store.recordContactAttempt(
                pid,
                NewContactAttempt(
                    channel = ContactChannel.PHONE, outcome = ContactOutcome.REACHED,
                    at = reachedAt, note = "booked a home visit",
                ),
            )
            assertEquals(
                EpisodeStatus.ACCEPTED,
                store.transitionEpisode(pid, EpisodeTransition(to = EpisodeStatus.ACCEPTED, reason = "keen")),
            )
            assertEquals(1, store.gpCodes(pid).count { it.code == ACCEPTED_CODE })

            // What matters, needs, review date.
            store.setWhatMatters(pid, "Getting out of the house and seeing people again")
            store.addNeed(pid, Need.LONELINESS, "since her husband died")
            store.addNeed(pid, Need.DEBT)
            store.addNeed(pid, Need.BEREAVEMENT)
            store.removeNeed(pid, Need.BEREAVEMENT)
            store.setReviewDate(pid, day(90))

            // Goals with progress, steps (one done).
            val walking = store.addGoal(
                pid, NewGoal(text = "Join a walking group", needs = listOf(Need.LONELINESS), targetDate = day(60)),
            )
            val bills = store.addGoal(pid, NewGoal(text = "Sort out the gas bill arrears", needs = listOf(Need.DEBT)))
            store.recordProgress(walking, NewProgress(rating = 3, note = "went once"))
            store.recordProgress(walking, NewProgress(rating = 6))
            val call = store.addStep(
                pid, NewStep(text = "Call the walking group leader", owner = StepOwner.LINK_WORKER, goalId = walking, due = day(2)),
            )
            val bring = store.addStep(
                pid, NewStep(text = "Bring the bill to the drop-in", owner = StepOwner.PERSON, goalId = bills, due = day(7)),
            )
            store.completeStep(call)

            // The home visit with lone-working check-in and check-out.
            val visit = store.addConsultation(
                pid,
                NewConsultation(mode = ConsultationMode.HOME_VISIT, durationMinutes = 45, attendees = listOf("daughter")),
            )
            store.checkIn(visit)
            store.setConsultationNotes(visit, "Talked about the walking group; daughter present")
            store.checkOut(visit)

            // Consent, an onward referral waitlisted, a measure, a flag and a note.
            store.recordConsent(
                pid,
                NewConsent(
                    purpose = "debt support", recipient = "Citizens Advice", recipientOrg = "LOCAL-CAB",
                    decision = ConsentDecision.GIVEN, method = ConsentMethod.VERBAL,
                    capacity = Capacity.HAS_CAPACITY, expires = day(365),
                ),
            )
            val onward = store.addOnwardReferral(
                pid, NewOnwardReferral(service = "Debt advice drop-in", organisation = "Citizens Advice", need = "debt"),
            )
            store.transitionOnwardReferral(onward, OnwardStatus.NO_CAPACITY, "waitlisted for six weeks")
            store.recordMeasure(
                pid,
                NewMeasureResponse(
                    instrument = Instrument.ONS4, timepoint = Timepoint.BASELINE,
                    mode = AdministrationMode.READ_OUT, answers = listOf(4L, 6L, 5L, 7L),
                ),
            )
            store.raiseFlag(pid, FlagKind.RISK, "dog on the premises")
            val note = store.addCaseNote(pid, "First visit went well")
            store.editCaseNote(note, "First home visit went well")

            // Accepting again is refused, and the GP code is still there exactly once.
            assertFailsWith<LinkWorkException.Conflict> {
                store.transitionEpisode(pid, EpisodeTransition(to = EpisodeStatus.ACCEPTED))
            }
            val codes = store.gpCodes(pid)
            assertEquals(1, codes.count { it.code == ACCEPTED_CODE })
            assertEquals("sam.worker", codes.single { it.code == ACCEPTED_CODE }.recordedBy)

            // Caseload search finds the person by name and NHS number, and filters by status.
            val hit = store.caseload(CaseloadQuery(text = "ada")).single()
            assertEquals(pid, hit.personId)
            assertEquals("Lovelace", hit.familyName)
            assertEquals(EpisodeStatus.ACCEPTED, hit.status)
            assertEquals(2, hit.activeGoals)
            assertEquals(1, hit.openOnwardReferrals)
            assertEquals(day(7), hit.nextStepDue)
            assertEquals(listOf(pid), store.caseload(CaseloadQuery(text = "943 476")).map { it.personId })
            assertEquals(listOf(pid), store.caseload(CaseloadQuery(status = EpisodeStatus.ACCEPTED)).map { it.personId })
            assertTrue(store.caseload(CaseloadQuery(text = "zebedee")).isEmpty())
            assertTrue(store.caseload(CaseloadQuery(status = EpisodeStatus.DISCHARGED)).isEmpty())

            val due = store.due(day(30))
            assertEquals(listOf(bring), due.filter { it.kind == DueKind.STEP }.map { it.itemId })
            assertTrue(store.due(day(90)).any { it.kind == DueKind.GOAL && it.itemId == walking })
            val open = store.openOnwardReferrals().single()
            assertEquals(onward, open.referralId)
            assertEquals(OnwardStatus.NO_CAPACITY, open.status)

            // The whole record in one call has it all.
            val record = store.person(pid)
            assertEquals(pid, record.personId)
            val case = assertNotNull(record.caseRecord)
            with(case.demographics) {
                assertEquals("Ada", givenName)
                assertEquals(java.time.LocalDate.of(1950, 2, 28), dateOfBirth)
                assertEquals("9434765919", nhsNumber)
                assertEquals(ContactPreference.PHONE, preferredContact)
            }
            val episode = case.episodes.single()
            assertEquals(EpisodeStatus.ACCEPTED, episode.status)
            assertEquals(ReferralSource.GP, episode.source)
            assertEquals(listOf(EpisodeStatus.CONTACTING, EpisodeStatus.ACCEPTED), episode.history.map { it.to })
            assertEquals(day(0), episode.received)
            assertNotNull(episode.acceptedAt)
            assertEquals(listOf(ContactOutcome.NO_ANSWER, ContactOutcome.REACHED), case.contactAttempts.map { it.outcome })
            assertEquals(reachedAt, case.contactAttempts[1].at)
            val consultation = case.consultations.single()
            assertEquals(ConsultationMode.HOME_VISIT, consultation.mode)
            assertEquals(45, consultation.durationMinutes)
            assertEquals("Talked about the walking group; daughter present", consultation.notes)
            val checkedIn = assertNotNull(consultation.checkedInAt)
            val checkedOut = assertNotNull(consultation.checkedOutAt)
            assertFalse(checkedOut.isBefore(checkedIn))
            assertTrue(Duration.between(consultation.start, Instant.now()).abs() < Duration.ofMinutes(5))
            with(case.consents.single()) {
                assertEquals(ConsentDecision.GIVEN, decision)
                assertEquals("Citizens Advice", recipient)
                assertEquals(day(365), expires)
            }
            with(case.onwardReferrals.single()) {
                assertEquals(OnwardStatus.NO_CAPACITY, status)
                assertEquals("waitlisted for six weeks", history.single().note)
            }
            assertEquals(FlagKind.RISK, case.flags.single().kind)
            assertEquals("First home visit went well", case.notes.single().text)

            val plan = record.plan
            assertEquals("Getting out of the house and seeing people again", plan.whatMatters)
            assertEquals(setOf(Need.LONELINESS, Need.DEBT), plan.needs.map { it.need }.toSet())
            assertEquals("since her husband died", plan.needs.single { it.need == Need.LONELINESS }.note)
            assertEquals(day(90), plan.reviewDate)
            val goal = plan.goals.single { it.id == walking }
            assertEquals(GoalStatus.ACTIVE, goal.status)
            assertEquals(listOf<Int?>(3, 6), goal.progress.map { it.rating })
            assertEquals(day(60), goal.targetDate)
            assertEquals(1, plan.steps.count { it.doneAt != null })
            assertEquals("sam.worker", plan.steps.single { it.id == call }.doneBy)
            val measure = plan.measures.single()
            assertEquals(Instrument.ONS4, measure.instrument)
            val outcome = assertIs<ScoreOutcome.Scored>(measure.outcome)
            val items = assertIs<Score.Ons4>(outcome.score).items
            assertEquals(4, items.size)
            assertEquals(Ons4Band.LOW, items.single { it.item == Ons4Measure.LIFE_SATISFACTION }.band)
            assertEquals(Ons4Band.HIGH, items.single { it.item == Ons4Measure.ANXIETY }.band)
            // `plan` is the document as every device holds it: no episode ids (those come from
            // the case, in `person`).
            assertEquals(plan.withoutEpisodes(), store.plan(pid))
            assertTrue(plan.goals.all { it.episodeId == store.person(pid).caseRecord!!.episodes.single().id })

            // History lists every action, by user, oldest first.
            val history = store.history(pid)
            assertTrue(history.all { it.user == "sam.worker" })
            val actions = history.map { it.action }
            for (action in listOf(
                "person.add", "episode.transition", "contact.add", "plan.what-matters", "need.add",
                "goal.add", "goal.progress", "step.add", "step.done", "consultation.add",
                "visit.check-in", "visit.check-out", "consent.record", "onward.add",
                "onward.transition", "measure.record", "flag.raise", "note.edit",
            )) assertTrue(action in actions, "history lacks $action")
            assertEquals(history.sortedBy { it.at }, history)
            assertTrue(history.any { it.action == "goal.progress" && it.itemId == walking })
        }
    }

    private suspend fun demographicsUpdate() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = store.addPerson(newPerson())
            store.updateDemographics(
                pid, DemographicsUpdate(email = "ada@example.org", gpCodesOnly = true, familyName = "King"),
            )
            with(store.person(pid).caseRecord!!.demographics) {
                assertEquals("ada@example.org", email)
                assertEquals("King", familyName)
                assertTrue(gpCodesOnly)
                assertEquals("07700 900123", phone)
            }
            store.updateDemographics(
                pid, DemographicsUpdate(clear = listOf(DemographicsField.EMAIL, DemographicsField.NHS_NUMBER)),
            )
            with(store.person(pid).caseRecord!!.demographics) {
                assertNull(email)
                assertNull(nhsNumber)
                assertEquals("King", familyName)
            }
            val both = assertFailsWith<LinkWorkException.InvalidInput> {
                store.updateDemographics(pid, DemographicsUpdate(phone = "0", clear = listOf(DemographicsField.PHONE)))
            }
            assertEquals("phone", both.field)
        }
    }
}
