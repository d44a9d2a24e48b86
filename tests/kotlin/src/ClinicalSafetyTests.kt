// Clinical safety through the Kotlin API: consent withheld lists in the GP message and the
// FHIR export, coded consent recipients, coded decline reasons, consent to contact before
// acceptance, episodes on items and per-episode paired change, refused pairs, and the
// commissioner's suppressed CSV.
package org.linkwork.tests

import java.io.File
import java.time.Instant
import java.time.temporal.ChronoUnit
import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object ClinicalSafetyTests {
    val all: List<TestCase> = listOf(
        TestCase("withdrawn GP consent: message and FHIR export list what was withheld", ::withheldLists),
        TestCase("consent recipients are coded; names match ignoring case and spaces", ::codedRecipients),
        TestCase("a decline carries its coded reason into the FHIR export", ::codedDecline),
        TestCase("acceptance needs consent to contact; unable-to-contact needs an attempt", ::acceptanceRules),
        TestCase("items carry their episode; a second episode reports only its own", ::episodes),
        TestCase("a follow-up before its baseline is refused with the reason", ::refusedPairs),
        TestCase("the commissioner's CSV suppresses small numbers", ::commissionerCsv),
        TestCase("an onward referral shares contact details only with consent", ::onwardMessage),
    )

    private fun consent(purpose: String, name: String, org: String, decision: ConsentDecision) = NewConsent(
        purpose = purpose, recipient = name, recipientOrg = org,
        decision = decision, method = ConsentMethod.VERBAL, capacity = Capacity.HAS_CAPACITY,
    )

    private fun measure(instrument: Instrument, timepoint: Timepoint, answers: List<Long?>, at: Instant) =
        NewMeasureResponse(
            instrument = instrument, timepoint = timepoint, mode = AdministrationMode.SELF_COMPLETED,
            answers = answers, recordedAt = at,
        )

    private fun accepted(store: LinkWorkStore, given: String = "Ada"): String {
        val pid = store.addPersonBlocking(newPerson(given = given, nhs = null))
        store.transitionEpisodeBlocking(pid, EpisodeTransition(to = EpisodeStatus.ACCEPTED))
        return pid
    }

    private fun withheldLists() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = accepted(store)
            store.addGoalBlocking(pid, NewGoal(text = "Join a walking group"))
            assertTrue(store.gpMessageBlocking(pid, GpEvent.ACCEPTED).withheld.isEmpty())
            assertTrue(store.fhirExportBlocking(pid, true).withheld.isEmpty())

            store.recordConsentBlocking(pid, consent("gp-summary", "Riverside Surgery", "Y12345", ConsentDecision.WITHDRAWN))
            val message = store.gpMessageBlocking(pid, GpEvent.ACCEPTED)
            assertNull(message.summary)
            assertEquals(1, message.codes.size)
            val goals = message.withheld.single { it.what == "goals" }
            assertEquals(WithholdReason.CONSENT_WITHDRAWN, goals.reason)
            assertEquals(day(0), goals.since)
            assertEquals("goals — consent for gp-summary withdrawn on ${day(0)}", goals.text)

            val export = store.fhirExportBlocking(pid, true)
            assertTrue(export.withheld.any { it.what == "goals" })
            assertFalse("\"Goal\"" in export.json, "a Goal was exported")
            assertFalse("Join a walking group" in store.exportFhirBlocking(pid, false))
        }
    }

    private fun codedRecipients() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = accepted(store)
            val given = store.recordConsentBlocking(pid, consent("debt support", "Citizens Advice", "LOCAL-CAB", ConsentDecision.GIVEN))
            store.recordConsentBlocking(pid, consent("Debt  Support", "citizens advice", "local-cab", ConsentDecision.WITHDRAWN))
            val records = store.personBlocking(pid).caseRecord!!.consents
            val last = records.single { it.id != given }
            assertEquals(given, last.supersedes)
            assertEquals("LOCAL-CAB", last.recipientOrg)
            assertTrue(last.recipientConfirmed)
            val bad = assertFailsWith<LinkWorkException.InvalidInput> {
                store.recordConsentBlocking(pid, consent("debt support", "Citizens Advice", "has spaces", ConsentDecision.GIVEN))
            }
            assertEquals("recipient_org", bad.field)
        }
    }

    private fun codedDecline() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = store.addPersonBlocking(newPerson(nhs = null))
            store.transitionEpisodeBlocking(
                pid,
                EpisodeTransition(
                    to = EpisodeStatus.DECLINED, declineReason = DeclineReason.NEEDS_MET_ELSEWHERE,
                    reason = "sees a counsellor",
                ),
            )
            val episode = store.personBlocking(pid).caseRecord!!.episodes.single()
            assertEquals(DeclineReason.NEEDS_MET_ELSEWHERE, episode.declineReason)
            assertEquals("sees a counsellor", episode.statusReason)
            val json = store.exportFhirBlocking(pid, true)
            assertTrue("871711000000103" in json, "decline code missing")
            assertTrue("needs-met-elsewhere" in json)
            val wrong = assertFailsWith<LinkWorkException.InvalidInput> {
                store.transitionEpisodeBlocking(pid, EpisodeTransition(to = EpisodeStatus.CONTACTING, redirectReason = RedirectReason.OTHER))
            }
            assertEquals("redirect_reason", wrong.field)
        }
    }

    private fun acceptanceRules() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = store.addPersonBlocking(newPerson(nhs = null).copy(referral = NewReferral()))
            val refused = assertFailsWith<LinkWorkException.InvalidInput> {
                store.transitionEpisodeBlocking(pid, EpisodeTransition(to = EpisodeStatus.ACCEPTED))
            }
            assertEquals("consent_to_contact", refused.field)
            assertEquals(EpisodeStatus.REFERRED, store.personBlocking(pid).caseRecord!!.episodes.single().status)
            store.transitionEpisodeBlocking(pid, EpisodeTransition(to = EpisodeStatus.ACCEPTED, consentToContact = true))
            assertEquals(true, store.personBlocking(pid).caseRecord!!.episodes.single().consentToContact)

            val other = store.addPersonBlocking(newPerson(given = "Bo", nhs = null))
            store.transitionEpisodeBlocking(other, EpisodeTransition(to = EpisodeStatus.CONTACTING))
            val noAttempt = assertFailsWith<LinkWorkException.InvalidInput> {
                store.transitionEpisodeBlocking(other, EpisodeTransition(to = EpisodeStatus.UNABLE_TO_CONTACT))
            }
            assertEquals("status", noAttempt.field)
            store.recordContactAttemptBlocking(other, NewContactAttempt(channel = ContactChannel.PHONE, outcome = ContactOutcome.NO_ANSWER))
            store.transitionEpisodeBlocking(other, EpisodeTransition(to = EpisodeStatus.UNABLE_TO_CONTACT))
        }
    }

    private fun episodes() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = accepted(store)
            val now = Instant.now().truncatedTo(ChronoUnit.SECONDS)
            val oldGoal = store.addGoalBlocking(pid, NewGoal(text = "old goal"))
            store.recordMeasureBlocking(pid, measure(Instrument.UCLA3, Timepoint.BASELINE, listOf(3L, 3L, 3L), now.minus(20, ChronoUnit.DAYS)))
            store.recordMeasureBlocking(pid, measure(Instrument.UCLA3, Timepoint.FOLLOW_UP, listOf(1L, 1L, 1L), now.minus(10, ChronoUnit.DAYS)))
            store.transitionEpisodeBlocking(pid, EpisodeTransition(to = EpisodeStatus.DISCHARGED, dischargeReason = DischargeReason.GOALS_MET))
            val first = store.personBlocking(pid).caseRecord!!.episodes.single().id
            val second = store.openEpisodeBlocking(pid, NewReferral(consentToContact = true))
            store.transitionEpisodeBlocking(pid, EpisodeTransition(to = EpisodeStatus.ACCEPTED))
            val newGoal = store.addGoalBlocking(pid, NewGoal(text = "new goal"))

            val plan = store.personBlocking(pid).plan
            assertEquals(first, plan.goals.single { it.id == oldGoal }.episodeId)
            assertEquals(second, plan.goals.single { it.id == newGoal }.episodeId)
            assertTrue(plan.measures.all { it.episodeId == first })
            val summary = assertNotNull(store.gpMessageBlocking(pid, GpEvent.ACCEPTED).summary)
            assertEquals(listOf("new goal"), summary.goals.map { it.text })
            assertTrue(summary.measureChange.isEmpty())
            assertTrue(store.pairedChangeBlocking(pid).isEmpty())
            assertEquals(1, store.pairedChangeInEpisodeBlocking(pid, first).size)
            assertFailsWith<LinkWorkException.NotFound> {
                store.pairedChangeInEpisodeBlocking(pid, "00000000-0000-4000-8000-000000000000")
            }
        }
    }

    private fun refusedPairs() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = accepted(store)
            val now = Instant.now().truncatedTo(ChronoUnit.SECONDS)
            store.recordMeasureBlocking(pid, measure(Instrument.UCLA3, Timepoint.FOLLOW_UP, listOf(1L, 1L, 1L), now.minus(9, ChronoUnit.DAYS)))
            store.recordMeasureBlocking(pid, measure(Instrument.UCLA3, Timepoint.BASELINE, listOf(3L, 3L, 3L), now.minus(1, ChronoUnit.DAYS)))
            assertTrue(store.pairedChangeBlocking(pid).isEmpty())
            assertEquals(
                listOf(RefusedPair(Instrument.UCLA3, PairRefusal.FOLLOW_UP_BEFORE_BASELINE)),
                store.refusedPairsBlocking(pid, null),
            )
        }
    }

    private fun commissionerCsv() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            accepted(store)
            val plain = store.writeReportCsvBlocking(dir.path("plain"))
            val suppressed = store.writeCommissionerReportCsvBlocking(dir.path("commissioner"), 5)
            assertEquals(plain.map { File(it).name }, suppressed.map { File(it).name })
            val outcomes = File(suppressed.single { it.endsWith("outcomes.csv") }).readText()
            assertTrue("referral-outcome,accepted,*\r\n" in outcomes, outcomes)
            val plainOutcomes = File(plain.single { it.endsWith("outcomes.csv") }).readText()
            assertTrue("referral-outcome,accepted,1\r\n" in plainOutcomes, plainOutcomes)
        }
    }

    private fun onwardMessage() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = accepted(store)
            val referral = store.addOnwardReferralBlocking(
                pid, NewOnwardReferral(service = "Debt advice drop-in", organisation = "Citizens Advice", need = "debt"),
            )
            val without = store.onwardMessageBlocking(referral)
            assertNull(without.phone)
            assertNull(without.givenName)
            assertEquals(WithholdReason.NO_CONSENT, without.withheld.single().reason)
            assertEquals("contact-details — no consent in force to share with Citizens Advice", without.withheld.single().text)
            val consentId = store.recordConsentBlocking(pid, consent("debt support", "citizens advice", "LOCAL-CAB", ConsentDecision.GIVEN))
            val with = store.onwardMessageBlocking(referral)
            assertEquals(consentId, with.consentId)
            assertEquals("07700 900123", with.phone)
            assertTrue(with.withheld.isEmpty())
        }
    }
}
