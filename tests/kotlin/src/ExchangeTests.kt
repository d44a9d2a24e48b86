// Whole-document exchange between stores: export bytes from one, import into another, merge
// concurrent edits. A patient's store's limits are tested in Rust (tests/tests/integration/roles.rs).
package org.linkwork.tests

import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object ExchangeTests {
    val all: List<TestCase> = listOf(
        TestCase("export/import between two stores merges both sides' edits", ::exportImportMerge),
    )

    private suspend fun exportImportMerge() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPerson(newPerson())
                a.addGoal(pid, NewGoal(text = "Join a walking group"))
                val listener = RecordingListener()
                b.addListener(listener)

                for (kind in listOf(DocKind.PLAN, DocKind.CASE)) {
                    val outcome = b.importDocument(a.exportDocument(pid, kind))
                    assertEquals(ImportOutcome(personId = pid, kind = kind, changed = true), outcome)
                }
                assertEquals(listOf(listOf(pid), listOf(pid)), listener.calls.toList())
                val entry = b.caseload(CaseloadQuery(text = "lovelace")).single()
                assertEquals(pid, entry.personId)
                assertEquals(1, entry.activeGoals)

                // Both edit offline, then exchange: nothing is lost on either side.
                a.addCaseNote(pid, "Note from Sam")
                b.addCaseNote(pid, "Note from Jo")
                assertTrue(b.importDocument(a.exportDocument(pid, DocKind.CASE)).changed)
                assertTrue(a.importDocument(b.exportDocument(pid, DocKind.CASE)).changed)
                for (store in listOf(a, b)) {
                    val notes = store.person(pid).caseRecord!!.notes.map { it.text }.toSet()
                    assertEquals(setOf("Note from Sam", "Note from Jo"), notes)
                }
                assertFalse(b.importDocument(a.exportDocument(pid, DocKind.CASE)).changed, "already had every change")
                val users = b.history(pid).map { it.user }.toSet()
                assertEquals(setOf("sam.worker", "jo.colleague"), users)

                val garbage = assertFailsWith<LinkWorkException.InvalidInput> {
                    b.importDocument(byteArrayOf(1, 2, 3, 4))
                }
                assertEquals("document", garbage.field)
                assertFailsWith<LinkWorkException.NotFound> {
                    a.exportDocument(java.util.UUID.randomUUID().toString(), DocKind.PLAN)
                }
            }
        }
    }
}
