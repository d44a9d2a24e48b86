// Sync state and paging through the bindings: known peers, people a peer has not seen,
// stored documents, the conflict index and resolving by keeping a value, and cursor paging,
// each with the refusals an app must handle.
package org.linkwork.tests

import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object SyncStateTests {
    val all: List<TestCase> = listOf(
        TestCase("peers, unsynced people and documents after a sync; an unknown peer is NotFound", ::peersAndUnsynced),
        TestCase("conflictedPeople from the index; resolveConflict keeps a value; refusals are InvalidInput", ::resolveByKeeping),
        TestCase("date and text conflicts list typed values and resolve with typed values; a wrong type is InvalidInput(value)", ::resolveTyped),
        TestCase("caseload, due and history pages concatenate; a bad cursor is InvalidInput(after)", ::paging),
    )

    private suspend fun peersAndUnsynced() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPerson(newPerson())
                assertTrue(a.peers().isEmpty())
                sync(a, b)
                val peer = a.peers().single()
                assertEquals(b.info().storeId, peer.storeId)
                assertEquals(Role.LINK_WORKER, peer.role)
                assertNull(peer.personId)
                assertNull(peer.certificateName, "an unauthenticated session records no certificate")
                assertEquals(emptyList(), a.unsyncedPeople(peer.storeId))
                a.setWhatMatters(pid, "Getting out more")
                assertEquals(listOf(pid), a.unsyncedPeople(peer.storeId))
                sync(a, b)
                assertEquals(emptyList(), a.unsyncedPeople(peer.storeId))
                val e = assertFailsWith<LinkWorkException.NotFound> { a.unsyncedPeople(a.info().storeId) }
                assertEquals("peer", e.kind)
                assertFailsWith<LinkWorkException.InvalidInput> { a.unsyncedPeople("not an id") }
                val docs = a.documents()
                assertEquals(setOf(DocKind.PLAN, DocKind.CASE), docs.map { it.kind }.toSet())
                assertTrue(docs.all { it.personId == pid && it.bytes > 0L && it.heads == 1 })
            }
        }
    }

    private suspend fun resolveByKeeping() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPerson(newPerson())
                val goal = a.addGoal(pid, NewGoal(text = "Join a walking group"))
                sync(a, b)
                a.updateGoal(goal, GoalUpdate(status = GoalStatus.ACHIEVED))
                b.updateGoal(goal, GoalUpdate(status = GoalStatus.DROPPED))
                sync(a, b)
                assertEquals(listOf(ConflictedPerson(pid, 1, 0)), a.conflictedPeople())
                val conflict = a.person(pid).conflicts.single()
                val status = conflict.field as FieldType.Code
                assertEquals(Vocabulary.GOAL_STATUS, status.vocabulary)
                assertTrue("partly-achieved" in status.codes)
                assertEquals(setOf("achieved", "dropped"), conflict.values.map { codeOf(it.value) }.toSet())
                val refused = assertFailsWith<LinkWorkException.InvalidInput> {
                    a.resolveConflict(pid, conflict.document, conflict.path, ConflictResolution.Keep(FieldValue.Code("active")))
                }
                assertEquals("value", refused.field)
                val unknownCode = assertFailsWith<LinkWorkException.InvalidInput> {
                    a.resolveConflictBlocking(pid, conflict.document, conflict.path, ConflictResolution.New(FieldValue.Code("finished")))
                }
                assertEquals("value", unknownCode.field)
                val noConflict = assertFailsWith<LinkWorkException.InvalidInput> {
                    a.resolveConflict(pid, DocKind.PLAN, listOf("what_matters"), ConflictResolution.New(FieldValue.Text("x")))
                }
                assertEquals("path", noConflict.field)
                a.resolveConflict(pid, conflict.document, conflict.path, ConflictResolution.Keep(FieldValue.Code("dropped")))
                assertTrue(a.conflictedPeople().isEmpty())
                assertEquals(GoalStatus.DROPPED, a.plan(pid).goals.single().status)
                sync(a, b)
                assertTrue(b.conflictedPeople().isEmpty())
                assertEquals(GoalStatus.DROPPED, b.plan(pid).goals.single().status)
            }
        }
    }

    private suspend fun resolveTyped() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPerson(newPerson())
                sync(a, b)
                a.setReviewDate(pid, day(30))
                b.setReviewDate(pid, day(40))
                a.updateDemographics(pid, DemographicsUpdate(givenName = "Samuel"))
                b.updateDemographics(pid, DemographicsUpdate(givenName = "Sammy"))
                sync(a, b)
                val record = a.person(pid)
                val review = record.conflicts.single { it.path == listOf("review_date") }
                assertEquals(FieldType.Date, review.field)
                assertEquals(setOf(day(30), day(40)), review.values.map { (it.value as FieldValue.Date).value }.toSet())
                val name = record.conflicts.single { it.document == DocKind.CASE }
                assertEquals(listOf("demographics", "given_name"), name.path)
                assertEquals(FieldType.Text, name.field)
                assertEquals(setOf("Samuel", "Sammy"), name.values.map { (it.value as FieldValue.Text).value }.toSet())

                // A value of another type is refused and nothing changes.
                val wrongType = assertFailsWith<LinkWorkException.InvalidInput> {
                    a.resolveConflict(pid, DocKind.PLAN, review.path, ConflictResolution.New(FieldValue.Text(day(50).toString())))
                }
                assertEquals("value", wrongType.field)
                val dateForText = assertFailsWith<LinkWorkException.InvalidInput> {
                    a.resolveConflict(pid, DocKind.CASE, name.path, ConflictResolution.New(FieldValue.Date(day(50))))
                }
                assertEquals("value", dateForText.field)
                assertEquals(record, a.person(pid))

                a.resolveConflict(pid, DocKind.PLAN, review.path, ConflictResolution.New(FieldValue.Date(day(50))))
                a.resolveConflict(pid, DocKind.CASE, name.path, ConflictResolution.Keep(FieldValue.Text("Sammy")))
                assertTrue(a.conflictedPeople().isEmpty())
                sync(a, b)
                for (s in listOf(a, b)) {
                    val r = s.person(pid)
                    assertTrue(r.conflicts.isEmpty())
                    assertEquals(day(50), r.plan.reviewDate)
                    assertEquals("Sammy", r.caseRecord?.demographics?.givenName)
                }
            }
        }
    }

    private suspend fun paging() = withTempDir { dir ->
        dir.linkWorkerStore().use { s ->
            val ids = (1..5).map { s.addPerson(newPerson(family = "Family$it", nhs = null)) }
            for (d in 1..4L) s.addStep(ids[0], NewStep(text = "step $d", owner = StepOwner.PERSON, due = day(d)))
            val whole = s.caseload(CaseloadQuery()).map { it.personId }
            val seen = mutableListOf<String>()
            var page = s.caseloadPage(CaseloadQuery(), PageRequest(limit = 2))
            while (true) {
                seen += page.items.map { it.personId }
                val next = page.next ?: break
                page = s.caseloadPage(CaseloadQuery(), PageRequest(limit = 2, after = next))
            }
            assertEquals(whole, seen)
            val due = s.duePage(day(10), PageRequest(limit = 3))
            assertEquals(3, due.items.size)
            val rest = s.duePage(day(10), PageRequest(limit = 3, after = due.next))
            assertEquals(s.due(day(10)), due.items + rest.items)
            assertNull(rest.next)
            val history = s.historyPage(ids[0], PageRequest(limit = 1))
            assertEquals(s.history(ids[0]).first(), history.items.single())
            val bad = assertFailsWith<LinkWorkException.InvalidInput> {
                s.caseloadPage(CaseloadQuery(), PageRequest(limit = 2, after = due.next))
            }
            assertEquals("after", bad.field)
            val limit = assertFailsWith<LinkWorkException.InvalidInput> {
                s.historyPage(ids[0], PageRequest(limit = 0))
            }
            assertEquals("limit", limit.field)
        }
    }
}

/** The code of a conflict value listed for a code field. */
fun codeOf(v: FieldValue): String = (v as FieldValue.Code).value
