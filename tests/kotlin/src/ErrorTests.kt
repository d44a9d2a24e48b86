// Each LinkWorkError variant as its Kotlin exception, with the field or kind an app acts on,
// and no patient data in any message.
package org.linkwork.tests

import java.io.File
import java.time.LocalDate
import java.util.UUID
import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object ErrorTests {
    val all: List<TestCase> = listOf(
        TestCase("NotFound for an unknown id", ::notFound),
        TestCase("InvalidInput names the field: NHS number, rating, dates, ids", ::invalidInput),
        TestCase("InvalidInput for measure answers", ::invalidMeasure),
        TestCase("Conflict for illegal transitions and an existing store", ::conflict),
        TestCase("NotPermitted on a patient store", ::notPermitted),
        TestCase("Storage for a file that is not a store", ::storage),
        TestCase("calendar dates round-trip as java.time.LocalDate", ::datesAreLocalDates),
    )

    private suspend fun datesAreLocalDates() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val leap = LocalDate.of(2028, 2, 29)
            val pid = store.addPerson(newPerson(dob = LocalDate.of(1950, 2, 28)))
            val goal = store.addGoal(pid, NewGoal(text = "Walk", targetDate = leap))
            store.setReviewDate(pid, leap.plusDays(1))
            store.addStep(pid, NewStep(text = "Boots", owner = StepOwner.PERSON, goalId = goal, due = leap.minusDays(1)))
            val plan = store.plan(pid)
            val target: LocalDate? = plan.goals.single().targetDate
            assertEquals(leap, target)
            assertEquals(LocalDate.of(2028, 3, 1), plan.reviewDate)
            assertEquals(LocalDate.of(2028, 2, 28), plan.steps.single().due)
            assertEquals(LocalDate.of(1950, 2, 28), store.caseload(CaseloadQuery()).single().dateOfBirth)
            assertEquals(listOf(goal), store.due(leap).filter { it.kind == DueKind.GOAL }.map { it.itemId })
            store.updateGoal(goal, GoalUpdate(targetDate = LocalDate.of(2030, 1, 31)))
            assertEquals(LocalDate.of(2030, 1, 31), store.plan(pid).goals.single().targetDate)
            // Years beyond 9999 are held and given back as such.
            store.setReviewDate(pid, LocalDate.of(10000, 1, 1))
            assertEquals(LocalDate.of(10000, 1, 1), store.plan(pid).reviewDate)
        }
    }

    private suspend fun notFound() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val unknown = UUID.randomUUID().toString()
            val e = assertFailsWith<LinkWorkException.NotFound> { store.person(unknown) }
            assertEquals("person", e.kind)
            assertEquals(unknown, e.id)
            assertEquals("step", assertFailsWith<LinkWorkException.NotFound> { store.completeStep(unknown) }.kind)
            assertEquals("goal", assertFailsWith<LinkWorkException.NotFound> {
                store.recordProgress(unknown, NewProgress(rating = 5))
            }.kind)
            assertFailsWith<LinkWorkException.NotFound> { store.addGoal(unknown, NewGoal(text = "x")) }
            assertTrue(describe(e).startsWith("not found: person"))
        }
    }

    private suspend fun invalidInput() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val badNhs = assertFailsWith<LinkWorkException.InvalidInput> {
                store.addPerson(newPerson(nhs = "943 476 5918"))
            }
            assertEquals("nhs_number", badNhs.field)
            for (text in listOf(badNhs.message, badNhs.reason, describe(badNhs))) {
                assertFalse("9434765918" in text || "943 476 5918" in text || "Lovelace" in text)
            }

            val badDob = assertFailsWith<LinkWorkException.InvalidInput> {
                store.addPerson(newPerson(dob = LocalDate.MAX))
            }
            // A date core cannot hold is refused while the record is lifted (core's NaiveDate
            // custom type): field `date`.
            assertEquals("date", badDob.field)
            val futureDob = assertFailsWith<LinkWorkException.InvalidInput> {
                store.addPerson(newPerson(dob = day(1)))
            }
            assertEquals("date_of_birth", futureDob.field)
            assertEquals("given_name", assertFailsWith<LinkWorkException.InvalidInput> {
                store.addPerson(newPerson(given = "  "))
            }.field)
            assertTrue(store.caseload(CaseloadQuery()).isEmpty(), "nothing is stored on error")

            val pid = store.addPerson(newPerson())
            val goal = store.addGoal(pid, NewGoal(text = "Walk"))
            val rating = assertFailsWith<LinkWorkException.InvalidInput> {
                store.recordProgress(goal, NewProgress(rating = 11))
            }
            assertEquals("rating", rating.field)
            assertEquals("progress", assertFailsWith<LinkWorkException.InvalidInput> {
                store.recordProgress(goal, NewProgress())
            }.field)
            // A malformed date cannot be written as a LocalDate; one core cannot hold (beyond
            // chrono's years) is refused while lifted, as an argument or inside a record: `date`.
            assertEquals("date", assertFailsWith<LinkWorkException.InvalidInput> { store.due(java.time.LocalDate.MAX) }.field)
            assertEquals("date", assertFailsWith<LinkWorkException.InvalidInput> {
                store.addGoal(pid, NewGoal(text = "Swim", targetDate = java.time.LocalDate.MIN))
            }.field)
            // Ids inside records are refused while lifted: field `id`.
            assertEquals("person_id", assertFailsWith<LinkWorkException.InvalidInput> {
                store.person("not-a-uuid")
            }.field)
            assertEquals("id", assertFailsWith<LinkWorkException.InvalidInput> {
                store.addStep(pid, NewStep(text = "x", owner = StepOwner.PERSON, goalId = "nope"))
            }.field)
            assertEquals("duration_minutes", assertFailsWith<LinkWorkException.InvalidInput> {
                store.addConsultation(pid, NewConsultation(mode = ConsultationMode.PHONE, durationMinutes = 0))
            }.field)
            assertEquals(1, store.plan(pid).goals.size)
        }
    }

    private suspend fun invalidMeasure() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = store.addPerson(newPerson())
            val outOfRange = assertFailsWith<LinkWorkException.InvalidInput> {
                store.recordMeasure(
                    pid,
                    NewMeasureResponse(
                        instrument = Instrument.ONS4, timepoint = Timepoint.BASELINE,
                        mode = AdministrationMode.SELF_COMPLETED, answers = listOf(4L, 11L, 5L, 7L),
                    ),
                )
            }
            assertEquals("answers", outOfRange.field)
            assertFalse("11" in outOfRange.reason, "the answer value is not echoed")
            assertEquals("pam", assertFailsWith<LinkWorkException.InvalidInput> {
                store.recordMeasure(
                    pid,
                    NewMeasureResponse(
                        instrument = Instrument.PAM, timepoint = Timepoint.BASELINE,
                        mode = AdministrationMode.SELF_COMPLETED, pam = PamResult(score = 120.0, level = 2, version = "13"),
                    ),
                )
            }.field)
            assertTrue(store.plan(pid).measures.isEmpty())
        }
    }

    private suspend fun conflict() = withTempDir { dir ->
        val path = dir.path("caseload.db")
        LinkWorkStore.create(path, StoreKey.Unencrypted, "sam.worker", Role.LINK_WORKER).use { store ->
            val pid = store.addPerson(newPerson())
            val e = assertFailsWith<LinkWorkException.Conflict> {
                store.transitionEpisode(
                    pid, EpisodeTransition(to = EpisodeStatus.DISCHARGED, dischargeReason = DischargeReason.OTHER),
                )
            }
            assertTrue("referred" in e.reason && "discharged" in e.reason, e.reason)
            assertEquals(EpisodeStatus.REFERRED, store.caseload(CaseloadQuery()).single().status)

            store.transitionEpisode(pid, EpisodeTransition(to = EpisodeStatus.ACCEPTED))
            assertFailsWith<LinkWorkException.Conflict> {
                store.transitionEpisode(pid, EpisodeTransition(to = EpisodeStatus.CONTACTING))
            }
            val onward = store.addOnwardReferral(pid, NewOnwardReferral(service = "Walking group"))
            assertFailsWith<LinkWorkException.Conflict> {
                store.transitionOnwardReferral(onward, OnwardStatus.GOT_HELP)
            }
            val step = store.addStep(pid, NewStep(text = "Call", owner = StepOwner.LINK_WORKER))
            store.completeStep(step)
            assertFailsWith<LinkWorkException.Conflict> { store.completeStep(step) }
        }
        assertFailsWith<LinkWorkException.Conflict> {
            LinkWorkStore.create(path, StoreKey.Unencrypted, "someone", Role.LINK_WORKER)
        }
    }

    private suspend fun notPermitted() = withTempDir { dir ->
        val pid = UUID.randomUUID().toString()
        LinkWorkStore.create(dir.path("phone.db"), StoreKey.Unencrypted, "ada", Role.PATIENT, pid).use { store ->
            assertEquals(pid, store.info().personId)
            assertEquals(Role.PATIENT, store.info().role)
            val e = assertFailsWith<LinkWorkException.NotPermitted> { store.addPerson(newPerson()) }
            assertTrue(e.action.isNotBlank())
            assertFailsWith<LinkWorkException.NotPermitted> { store.plan(UUID.randomUUID().toString()) }
            assertFailsWith<LinkWorkException.NotPermitted> { store.gpCodes(pid) }
            assertFailsWith<LinkWorkException.NotPermitted> { store.setWhatMatters(pid, "x") }
        }
        assertEquals("person", assertFailsWith<LinkWorkException.InvalidInput> {
            LinkWorkStore.create(dir.path("phone2.db"), StoreKey.Unencrypted, "ada", Role.PATIENT)
        }.field)
    }

    private suspend fun storage() = withTempDir { dir ->
        val text = File(dir.path("notes.txt")).apply { writeText("this is not a database, just some text\n".repeat(100)) }
        val e = assertFailsWith<LinkWorkException.Storage> { LinkWorkStore.open(text.path, StoreKey.Unencrypted) }
        assertTrue(e.reason.isNotBlank())
        assertEquals("this is not a database, just some text\n".repeat(100), text.readText(), "left untouched")
        assertFailsWith<LinkWorkException.Storage> { LinkWorkStore.open(dir.path("missing.db"), StoreKey.Unencrypted) }
        assertTrue(describe(e).startsWith("storage"))
    }
}
