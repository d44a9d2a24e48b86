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
                assertTrue(docs.all { it.personId == pid && it.bytes > 0uL && it.heads == 1u })
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
                assertEquals(listOf(ConflictedPerson(pid, 1u, 0u)), a.conflictedPeople())
                val conflict = a.person(pid).conflicts.single()
                val refused = assertFailsWith<LinkWorkException.InvalidInput> {
                    a.resolveConflict(pid, conflict.document, conflict.path, ConflictResolution.Keep("active"))
                }
                assertEquals("value", refused.field)
                val noConflict = assertFailsWith<LinkWorkException.InvalidInput> {
                    a.resolveConflict(pid, DocKind.PLAN, listOf("what_matters"), ConflictResolution.New("x"))
                }
                assertEquals("path", noConflict.field)
                a.resolveConflict(pid, conflict.document, conflict.path, ConflictResolution.Keep("dropped"))
                assertTrue(a.conflictedPeople().isEmpty())
                assertEquals(GoalStatus.DROPPED, a.plan(pid).goals.single().status)
                sync(a, b)
                assertTrue(b.conflictedPeople().isEmpty())
                assertEquals(GoalStatus.DROPPED, b.plan(pid).goals.single().status)
            }
        }
    }

    private suspend fun paging() = withTempDir { dir ->
        dir.linkWorkerStore().use { s ->
            val ids = (1..5).map { s.addPerson(newPerson(family = "Family$it", nhs = null)) }
            for (d in 1..4L) s.addStep(ids[0], NewStep(text = "step $d", owner = StepOwner.PERSON, due = day(d)))
            val whole = s.caseload(CaseloadQuery()).map { it.personId }
            val seen = mutableListOf<String>()
            var page = s.caseloadPage(CaseloadQuery(), PageRequest(limit = 2u))
            while (true) {
                seen += page.items.map { it.personId }
                val next = page.next ?: break
                page = s.caseloadPage(CaseloadQuery(), PageRequest(limit = 2u, after = next))
            }
            assertEquals(whole, seen)
            val due = s.duePage(day(10), PageRequest(limit = 3u))
            assertEquals(3, due.items.size)
            val rest = s.duePage(day(10), PageRequest(limit = 3u, after = due.next))
            assertEquals(s.due(day(10)), due.items + rest.items)
            assertNull(rest.next)
            val history = s.historyPage(ids[0], PageRequest(limit = 1u))
            assertEquals(s.history(ids[0]).first(), history.items.single())
            val bad = assertFailsWith<LinkWorkException.InvalidInput> {
                s.caseloadPage(CaseloadQuery(), PageRequest(limit = 2u, after = due.next))
            }
            assertEquals("after", bad.field)
            val limit = assertFailsWith<LinkWorkException.InvalidInput> {
                s.historyPage(ids[0], PageRequest(limit = 0u))
            }
            assertEquals("limit", limit.field)
        }
    }
}
