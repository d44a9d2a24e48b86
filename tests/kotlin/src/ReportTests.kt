// Reports crossing the boundary: paired change (PersonChange) and the message back to the GP
// (GpMessage with its nested records and enums). The report logic itself is tested in Rust
// (tests/tests/integration/reports_*.rs, fhir_export.rs).
package org.linkwork.tests

import java.time.Instant
import java.time.LocalDate
import java.time.ZoneOffset
import java.time.temporal.ChronoUnit
import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object ReportTests {
    val all: List<TestCase> = listOf(
        TestCase("paired change after recorded measures is direction-aware", ::pairedChangeAfterRecording),
        TestCase("gp_message: codes and summary, codes only, wrong event", ::gpMessage),
    )

    private const val ACCEPTED_CODE = "871731000000106"
    private const val SNOMED = "http://snomed.info/sct"

    /** Noon UTC, `days` after the ISO date `date`. */
    private fun noon(date: String, days: Long = 0): Instant = noon(LocalDate.parse(date), days)

    /** Noon UTC, `days` after `date`. */
    private fun noon(date: LocalDate, days: Long = 0): Instant =
        date.plusDays(days).atTime(12, 0).toInstant(ZoneOffset.UTC)

    private fun measure(
        instrument: Instrument,
        timepoint: Timepoint,
        answers: List<Long?>,
        at: Instant,
        concernLabels: List<String> = emptyList(),
    ) = NewMeasureResponse(
        instrument = instrument, timepoint = timepoint, mode = AdministrationMode.SELF_COMPLETED,
        answers = answers, concernLabels = concernLabels, recordedAt = at,
    )

    // ---- paired change ----------------------------------------------------------------------

    /** Records an ONS4, a MYCaW and an incomplete UCLA 3 pair for `pid`, days before now. */
    private suspend fun recordPairs(store: LinkWorkStore, pid: String) {
        val start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(30, ChronoUnit.DAYS)
        fun at(days: Long) = start.plus(days, ChronoUnit.DAYS)
        // ONS4: a later baseline and an interim review never pair; the latest follow-up does.
        store.recordMeasure(pid, measure(Instrument.ONS4, Timepoint.BASELINE, listOf(4L, 5L, 4L, 8L), at(0)))
        store.recordMeasure(pid, measure(Instrument.ONS4, Timepoint.BASELINE, listOf(9L, 9L, 9L, 0L), at(1)))
        store.recordMeasure(pid, measure(Instrument.ONS4, Timepoint.REVIEW, listOf(10L, 10L, 10L, 0L), at(10)))
        store.recordMeasure(pid, measure(Instrument.ONS4, Timepoint.FOLLOW_UP, listOf(6L, 6L, 6L, 5L), at(20)))
        store.recordMeasure(pid, measure(Instrument.ONS4, Timepoint.FOLLOW_UP, listOf(7L, 5L, 6L, 3L), at(25)))
        // MYCaW (lower is better; difference = baseline - follow-up): one concern.
        store.recordMeasure(pid, measure(Instrument.MYCAW, Timepoint.BASELINE, listOf(5L, null, 4L), at(0), listOf("sleep")))
        store.recordMeasure(pid, measure(Instrument.MYCAW, Timepoint.FOLLOW_UP, listOf(2L, null, 4L), at(25), listOf("sleep")))
        // UCLA 3: the follow-up is incomplete, so it is stored but never paired (nor prorated).
        store.recordMeasure(pid, measure(Instrument.UCLA3, Timepoint.BASELINE, listOf(3L, 3L, 2L), at(0)))
        store.recordMeasure(pid, measure(Instrument.UCLA3, Timepoint.FOLLOW_UP, listOf(1L, null, 1L), at(25)))
    }

    private suspend fun pairedChangeAfterRecording() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = store.addPerson(newPerson())
            assertTrue(store.pairedChange(pid).isEmpty(), "no measures, no pairs")
            recordPairs(store, pid)
            val ucla = store.plan(pid).measures.single { it.instrument == Instrument.UCLA3 && it.timepoint == Timepoint.FOLLOW_UP }
            assertIs<ScoreOutcome.Incomplete>(ucla.outcome)

            val changes = store.pairedChange(pid)
            assertEquals(listOf(Instrument.ONS4, Instrument.MYCAW), changes.map { it.instrument }.distinct())
            val ons4 = changes.filter { it.instrument == Instrument.ONS4 }
            assertEquals(listOf("life-satisfaction", "worthwhile", "happiness", "anxiety"), ons4.map { it.quantity })
            fun row(q: String) = ons4.single { it.quantity == q }
            with(row("life-satisfaction")) {
                assertEquals(4.0 to 7.0, baseline to followUp)
                assertEquals(3.0, difference)
                assertEquals(true, improved)
                assertFalse(lowerIsBetter)
            }
            with(row("worthwhile")) { assertNull(improved, "unchanged: 5 -> 5"); assertEquals(0.0, difference) }
            // Anxiety: lower is better, so 8 -> 3 is a negative difference and an improvement.
            with(row("anxiety")) {
                assertTrue(lowerIsBetter)
                assertEquals(DifferenceConvention.FOLLOW_UP_MINUS_BASELINE, convention)
                assertEquals(8.0 to 3.0, baseline to followUp)
                assertEquals(-5.0, difference)
                assertEquals(true, improved)
                assertTrue(baselineAt.isBefore(followUpAt))
            }
            // Earliest baseline and latest follow-up: the same two responses for every item.
            val recorded = store.plan(pid).measures.filter { it.instrument == Instrument.ONS4 }.sortedBy { it.recordedAt }
            assertEquals(setOf(recorded.first().id), ons4.map { it.baselineResponse }.toSet())
            assertEquals(setOf(recorded.last().id), ons4.map { it.followUpResponse }.toSet())
            assertEquals(Timepoint.FOLLOW_UP, recorded.last().timepoint)

            val mycaw = changes.filter { it.instrument == Instrument.MYCAW }
            assertEquals(listOf("concern-1", "wellbeing"), mycaw.map { it.quantity })
            with(mycaw[0]) {
                assertEquals(DifferenceConvention.BASELINE_MINUS_FOLLOW_UP, convention)
                assertEquals(3.0, difference, "5 -> 2: positive is better")
                assertEquals(true, improved)
            }
            assertNull(mycaw[1].improved)

            assertEquals("person_id", assertFailsWith<LinkWorkException.InvalidInput> {
                store.pairedChange("not-an-id")
            }.field)
            assertFailsWith<LinkWorkException.NotFound> {
                store.pairedChange("00000000-0000-4000-8000-000000000000")
            }
        }
    }

    /** A person with most of a record: the GP message has something to summarise. */
    private suspend fun fullRecord(store: LinkWorkStore): String {
        val pid = store.addPerson(newPerson())
        store.transitionEpisode(pid, EpisodeTransition(to = EpisodeStatus.ACCEPTED))
        store.setWhatMatters(pid, "Getting out again")
        store.addNeed(pid, Need.LONELINESS)
        store.addGoal(pid, NewGoal(text = "Join a walking group", needs = listOf(Need.LONELINESS)))
        store.recordConsent(
            pid,
            NewConsent(
                purpose = "walking group referral", recipient = "Ramblers", recipientOrg = "LOCAL-RAMBLERS",
                decision = ConsentDecision.GIVEN, method = ConsentMethod.VERBAL, capacity = Capacity.HAS_CAPACITY,
            ),
        )
        val onward = store.addOnwardReferral(pid, NewOnwardReferral(service = "Walking group", need = "loneliness"))
        store.transitionOnwardReferral(onward, OnwardStatus.NO_CAPACITY)
        store.recordMeasure(
            pid,
            measure(Instrument.SWEMWBS, Timepoint.BASELINE, List(7) { 3L }, Instant.now().minus(1, ChronoUnit.DAYS)),
        )
        store.addConsultation(pid, NewConsultation(mode = ConsultationMode.HOME_VISIT))
        return pid
    }

    // ---- GP message ---------------------------------------------------------------------------

    private suspend fun gpMessage() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = fullRecord(store)
            // ONS4 pair for the summary's measure change.
            store.recordMeasure(pid, measure(Instrument.ONS4, Timepoint.BASELINE, listOf(4L, 5L, 4L, 8L), noon(day(-20))))
            store.recordMeasure(pid, measure(Instrument.ONS4, Timepoint.FOLLOW_UP, listOf(7L, 7L, 6L, 3L), noon(day(-1))))

            val message = store.gpMessage(pid, GpEvent.ACCEPTED)
            assertEquals(GpEvent.ACCEPTED, message.event)
            val code = message.codes.single()
            assertEquals(SNOMED, code.system)
            assertEquals(ACCEPTED_CODE, code.code)
            assertTrue(code.display.isNotBlank())
            assertEquals(day(0), code.date)
            assertEquals(day(0), message.date)
            assertEquals("sam.worker", message.linkWorker)
            assertEquals(store.person(pid).caseRecord!!.episodes.single().id, message.episodeId)
            with(message.patient) {
                assertEquals(pid, personId)
                assertEquals("9434765919", nhsNumber)
                assertEquals(LocalDate.of(1950, 2, 28), dateOfBirth)
            }
            assertFalse(message.codesOnly)
            val summary = assertNotNull(message.summary)
            assertEquals(day(0), summary.referralReceived)
            assertEquals(listOf(Need.LONELINESS), summary.needs)
            assertEquals(listOf(GpGoal("Join a walking group", GoalStatus.ACTIVE)), summary.goals)
            val onward = summary.onwardReferrals.single()
            assertEquals(OnwardStatus.NO_CAPACITY, onward.status)
            assertTrue(onward.unmetNeed)
            assertEquals(1, summary.consultations)
            assertNull(summary.dischargeReason)
            assertEquals(-5.0, summary.measureChange.single { it.quantity == "anxiety" }.difference)

            // The person asked that the GP get codes only: same codes, no summary.
            store.updateDemographics(pid, DemographicsUpdate(gpCodesOnly = true))
            val codesOnly = store.gpMessage(pid, GpEvent.ACCEPTED)
            assertTrue(codesOnly.codesOnly)
            assertNull(codesOnly.summary)
            assertEquals(message.codes, codesOnly.codes)

            // An event the episode is not in is a Conflict; after discharge it fits.
            assertFailsWith<LinkWorkException.Conflict> { store.gpMessage(pid, GpEvent.DECLINED) }
            assertFailsWith<LinkWorkException.Conflict> { store.gpMessage(pid, GpEvent.DISCHARGED) }
            store.updateDemographics(pid, DemographicsUpdate(gpCodesOnly = false))
            store.transitionEpisode(
                pid, EpisodeTransition(to = EpisodeStatus.DISCHARGED, dischargeReason = DischargeReason.GOALS_MET),
            )
            val discharged = store.gpMessage(pid, GpEvent.DISCHARGED)
            assertTrue(discharged.codes.any { it.code == ACCEPTED_CODE })
            assertEquals(DischargeReason.GOALS_MET, discharged.summary?.dischargeReason)

            // A declined referral: its own code.
            val other = store.addPerson(newPerson(given = "Bo", nhs = null))
            assertFailsWith<LinkWorkException.Conflict> { store.gpMessage(other, GpEvent.ACCEPTED) }
            store.transitionEpisode(other, EpisodeTransition(to = EpisodeStatus.DECLINED))
            assertEquals(listOf("871711000000103"), store.gpMessage(other, GpEvent.DECLINED).codes.map { it.code })
        }
    }
}
