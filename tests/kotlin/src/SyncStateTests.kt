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

    private fun peersAndUnsynced() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPersonBlocking(newPerson())
                assertTrue(a.peersBlocking().isEmpty())
                sync(a, b)
                val peer = a.peersBlocking().single()
                assertEquals(b.info().storeId, peer.storeId)
                assertEquals(Role.LINK_WORKER, peer.role)
                assertNull(peer.personId)
                assertNull(peer.certificateName, "an unauthenticated session records no certificate")
                assertEquals(emptyList(), a.unsyncedPeopleBlocking(peer.storeId))
                a.setWhatMattersBlocking(pid, "Getting out more")
                assertEquals(listOf(pid), a.unsyncedPeopleBlocking(peer.storeId))
                sync(a, b)
                assertEquals(emptyList(), a.unsyncedPeopleBlocking(peer.storeId))
                val e = assertFailsWith<LinkWorkException.NotFound> { a.unsyncedPeopleBlocking(a.info().storeId) }
                assertEquals("peer", e.kind)
                assertFailsWith<LinkWorkException.InvalidInput> { a.unsyncedPeopleBlocking("not an id") }
                val docs = a.documentsBlocking()
                assertEquals(setOf(DocKind.PLAN, DocKind.CASE), docs.map { it.kind }.toSet())
                assertTrue(docs.all { it.personId == pid && it.bytes > 0L && it.heads == 1 })
            }
        }
    }

    private fun resolveByKeeping() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPersonBlocking(newPerson())
                val goal = a.addGoalBlocking(pid, NewGoal(text = "Join a walking group"))
                sync(a, b)
                a.updateGoalBlocking(goal, GoalUpdate(status = GoalStatus.ACHIEVED))
                b.updateGoalBlocking(goal, GoalUpdate(status = GoalStatus.DROPPED))
                sync(a, b)
                assertEquals(listOf(ConflictedPerson(pid, 1, 0)), a.conflictedPeopleBlocking())
                val conflict = a.personBlocking(pid).conflicts.single()
                val status = conflict.field as FieldType.Code
                assertEquals(Vocabulary.GOAL_STATUS, status.vocabulary)
                assertTrue("partly-achieved" in status.codes)
                assertEquals(setOf("achieved", "dropped"), conflict.values.map { codeOf(it.value) }.toSet())
                val refused = assertFailsWith<LinkWorkException.InvalidInput> {
                    a.resolveConflictBlocking(pid, conflict.document, conflict.path, ConflictResolution.Keep(FieldValue.Code("active")))
                }
                assertEquals("value", refused.field)
                val unknownCode = assertFailsWith<LinkWorkException.InvalidInput> {
                    a.resolveConflictBlocking(pid, conflict.document, conflict.path, ConflictResolution.New(FieldValue.Code("finished")))
                }
                assertEquals("value", unknownCode.field)
                val noConflict = assertFailsWith<LinkWorkException.InvalidInput> {
                    a.resolveConflictBlocking(pid, DocKind.PLAN, listOf("what_matters"), ConflictResolution.New(FieldValue.Text("x")))
                }
                assertEquals("path", noConflict.field)
                a.resolveConflictBlocking(pid, conflict.document, conflict.path, ConflictResolution.Keep(FieldValue.Code("dropped")))
                assertTrue(a.conflictedPeopleBlocking().isEmpty())
                assertEquals(GoalStatus.DROPPED, a.planBlocking(pid).goals.single().status)
                sync(a, b)
                assertTrue(b.conflictedPeopleBlocking().isEmpty())
                assertEquals(GoalStatus.DROPPED, b.planBlocking(pid).goals.single().status)
            }
        }
    }

    private fun resolveTyped() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPersonBlocking(newPerson())
                sync(a, b)
                a.setReviewDateBlocking(pid, day(30))
                b.setReviewDateBlocking(pid, day(40))
                a.updateDemographicsBlocking(pid, DemographicsUpdate(givenName = "Samuel"))
                b.updateDemographicsBlocking(pid, DemographicsUpdate(givenName = "Sammy"))
                sync(a, b)
                val record = a.personBlocking(pid)
                val review = record.conflicts.single { it.path == listOf("review_date") }
                assertEquals(FieldType.Date, review.field)
                assertEquals(setOf(day(30), day(40)), review.values.map { (it.value as FieldValue.Date).value }.toSet())
                val name = record.conflicts.single { it.document == DocKind.CASE }
                assertEquals(listOf("demographics", "given_name"), name.path)
                assertEquals(FieldType.Text, name.field)
                assertEquals(setOf("Samuel", "Sammy"), name.values.map { (it.value as FieldValue.Text).value }.toSet())

                // A value of another type is refused and nothing changes.
                val wrongType = assertFailsWith<LinkWorkException.InvalidInput> {
                    a.resolveConflictBlocking(pid, DocKind.PLAN, review.path, ConflictResolution.New(FieldValue.Text(day(50).toString())))
                }
                assertEquals("value", wrongType.field)
                val dateForText = assertFailsWith<LinkWorkException.InvalidInput> {
                    a.resolveConflictBlocking(pid, DocKind.CASE, name.path, ConflictResolution.New(FieldValue.Date(day(50))))
                }
                assertEquals("value", dateForText.field)
                assertEquals(record, a.personBlocking(pid))

                a.resolveConflictBlocking(pid, DocKind.PLAN, review.path, ConflictResolution.New(FieldValue.Date(day(50))))
                a.resolveConflictBlocking(pid, DocKind.CASE, name.path, ConflictResolution.Keep(FieldValue.Text("Sammy")))
                assertTrue(a.conflictedPeopleBlocking().isEmpty())
                sync(a, b)
                for (s in listOf(a, b)) {
                    val r = s.personBlocking(pid)
                    assertTrue(r.conflicts.isEmpty())
                    assertEquals(day(50), r.plan.reviewDate)
                    assertEquals("Sammy", r.caseRecord?.demographics?.givenName)
                }
            }
        }
    }

    private fun paging() = withTempDir { dir ->
        dir.linkWorkerStore().use { s ->
            val ids = (1..5).map { s.addPersonBlocking(newPerson(family = "Family$it", nhs = null)) }
            for (d in 1..4L) s.addStepBlocking(ids[0], NewStep(text = "step $d", owner = StepOwner.PERSON, due = day(d)))
            val whole = s.caseloadBlocking(CaseloadQuery()).map { it.personId }
            val seen = mutableListOf<String>()
            var page = s.caseloadPageBlocking(CaseloadQuery(), PageRequest(limit = 2))
            while (true) {
                seen += page.items.map { it.personId }
                val next = page.next ?: break
                page = s.caseloadPageBlocking(CaseloadQuery(), PageRequest(limit = 2, after = next))
            }
            assertEquals(whole, seen)
            val due = s.duePageBlocking(day(10), PageRequest(limit = 3))
            assertEquals(3, due.items.size)
            val rest = s.duePageBlocking(day(10), PageRequest(limit = 3, after = due.next))
            assertEquals(s.dueBlocking(day(10)), due.items + rest.items)
            assertNull(rest.next)
            val history = s.historyPageBlocking(ids[0], PageRequest(limit = 1))
            assertEquals(s.historyBlocking(ids[0]).first(), history.items.single())
            val bad = assertFailsWith<LinkWorkException.InvalidInput> {
                s.caseloadPageBlocking(CaseloadQuery(), PageRequest(limit = 2, after = due.next))
            }
            assertEquals("after", bad.field)
            val limit = assertFailsWith<LinkWorkException.InvalidInput> {
                s.historyPageBlocking(ids[0], PageRequest(limit = 0))
            }
            assertEquals("limit", limit.field)
        }
    }
}

/** The code of a conflict value listed for a code field. */
fun codeOf(v: FieldValue): String = (v as FieldValue.Code).value
