// Whole-document exchange between stores: export bytes from one, import into another, merge
// concurrent edits; and a patient's own store holding and editing their plan.
package org.linkwork.tests

import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object ExchangeTests {
    val all: List<TestCase> = listOf(
        TestCase("export/import between two stores merges both sides' edits", ::exportImportMerge),
        TestCase("a patient store holds only its own plan and may record progress", ::patientStore),
    )

    private fun exportImportMerge() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPersonBlocking(newPerson())
                a.addGoalBlocking(pid, NewGoal(text = "Join a walking group"))
                val listener = RecordingListener()
                b.addListener(listener)

                for (kind in listOf(DocKind.PLAN, DocKind.CASE)) {
                    val outcome = b.importDocumentBlocking(a.exportDocumentBlocking(pid, kind))
                    assertEquals(ImportOutcome(personId = pid, kind = kind, changed = true), outcome)
                }
                assertEquals(listOf(listOf(pid), listOf(pid)), listener.calls.toList())
                val entry = b.caseloadBlocking(CaseloadQuery(text = "lovelace")).single()
                assertEquals(pid, entry.personId)
                assertEquals(1, entry.activeGoals)

                // Both edit offline, then exchange: nothing is lost on either side.
                a.addCaseNoteBlocking(pid, "Note from Sam")
                b.addCaseNoteBlocking(pid, "Note from Jo")
                assertTrue(b.importDocumentBlocking(a.exportDocumentBlocking(pid, DocKind.CASE)).changed)
                assertTrue(a.importDocumentBlocking(b.exportDocumentBlocking(pid, DocKind.CASE)).changed)
                for (store in listOf(a, b)) {
                    val notes = store.personBlocking(pid).caseRecord!!.notes.map { it.text }.toSet()
                    assertEquals(setOf("Note from Sam", "Note from Jo"), notes)
                }
                assertFalse(b.importDocumentBlocking(a.exportDocumentBlocking(pid, DocKind.CASE)).changed, "already had every change")
                val users = b.historyBlocking(pid).map { it.user }.toSet()
                assertEquals(setOf("sam.worker", "jo.colleague"), users)

                val garbage = assertFailsWith<LinkWorkException.InvalidInput> {
                    b.importDocumentBlocking(byteArrayOf(1, 2, 3, 4))
                }
                assertEquals("document", garbage.field)
                assertFailsWith<LinkWorkException.NotFound> {
                    a.exportDocumentBlocking(java.util.UUID.randomUUID().toString(), DocKind.PLAN)
                }
            }
        }
    }

    private fun patientStore() = withTempDir { dir ->
        dir.linkWorkerStore().use { worker ->
            val pid = worker.addPersonBlocking(newPerson())
            val goal = worker.addGoalBlocking(pid, NewGoal(text = "Join a walking group"))
            val step = worker.addStepBlocking(pid, NewStep(text = "Find boots", owner = StepOwner.PERSON))
            val plan = worker.exportDocumentBlocking(pid, DocKind.PLAN)
            val case = worker.exportDocumentBlocking(pid, DocKind.CASE)

            LinkWorkStore.create(dir.path("phone.db"), StoreKey.Unencrypted, "ada", Role.PATIENT, pid).use { phone ->
                assertFailsWith<LinkWorkException.NotPermitted> { phone.importDocumentBlocking(case) }
                assertEquals(pid, phone.importDocumentBlocking(plan).personId)
                phone.recordProgressBlocking(goal, NewProgress(rating = 7, note = "walked twice"))
                phone.completeStepBlocking(step)
                phone.recordMeasureBlocking(
                    pid,
                    NewMeasureResponse(
                        instrument = Instrument.LONELINESS_DIRECT, timepoint = Timepoint.BASELINE,
                        mode = AdministrationMode.SELF_COMPLETED, answers = listOf(5L),
                    ),
                )
                val record = phone.personBlocking(pid)
                assertNull(record.caseRecord, "a patient store never holds the case")
                assertEquals("walked twice", record.plan.goals.single().progress.single().note)
                assertFailsWith<LinkWorkException.NotPermitted> { phone.addGoalBlocking(pid, NewGoal(text = "x")) }
                assertFailsWith<LinkWorkException.NotPermitted> { phone.exportDocumentBlocking(pid, DocKind.CASE) }

                // Back on the worker's device, the person's own edits arrive with their name.
                assertTrue(worker.importDocumentBlocking(phone.exportDocumentBlocking(pid, DocKind.PLAN)).changed)
            }
            val back = worker.planBlocking(pid)
            assertEquals("ada", back.goals.single().progress.single().recordedBy)
            assertEquals("ada", back.steps.single().doneBy)
            val outcome = assertIs<ScoreOutcome.Scored>(back.measures.single().outcome)
            assertTrue(assertIs<Score.LonelinessDirect>(outcome.score).oftenOrAlways)
        }
    }
}
