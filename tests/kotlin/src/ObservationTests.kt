// Observation: the hand-written Flows over LinkWorkStore.subscribe (bindings/kotlin/Flows.kt)
// against the real library: first value at once, a new value after a change, cancellation
// unsubscribing (the store's listener count goes back), a cancelled subscription told nothing,
// and a subscription that never keeps its store alive.
package org.linkwork.tests

import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.*
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.drop
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.linkwork.*
import org.linkwork.core.*

object ObservationTests {
    val all: List<TestCase> = listOf(
        TestCase("caseloadFlow: the list at once, again after an edit; cancelling unsubscribes", ::caseloadFlow),
        TestCase("personFlow: only that person's changes; a later edit shows in the record", ::personFlow),
        TestCase("syncStatusFlow: conflicted people and peers", ::syncStatusFlow),
        TestCase("a cancelled Subscription is told nothing; cancel twice is harmless", ::cancelledSubscription),
    )

    /** Waits (generously: no wall-clock assertion) until `condition` holds. */
    private suspend fun eventually(condition: () -> Boolean) = withTimeout(30_000) {
        while (!condition()) yield()
    }

    private fun caseloadFlow() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            runBlocking {
                assertEquals(0uL, store.listenerCount())
                val lists = async(Dispatchers.Default) { store.caseloadFlow().take(2).toList() }
                eventually { store.listenerCount() == 1uL }
                val pid = store.addPerson(newPerson())
                val (before, after) = lists.await()
                // The first value may already include Ada if the edit won the race; the last must.
                assertTrue(before.size <= 1)
                assertEquals(listOf(pid), after.map { it.personId })
                // take(2) completed the Flow: its subscription was cancelled.
                eventually { store.listenerCount() == 0uL }
            }
        }
    }

    private fun personFlow() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = store.addPerson(newPerson())
            val other = store.addPerson(newPerson(given = "Grace", family = "Hopper", nhs = null))
            runBlocking {
                val next = async(Dispatchers.Default) {
                    store.personFlow(pid).drop(1).first()
                }
                eventually { store.listenerCount() == 1uL }
                store.addCaseNote(other, "Phoned") // someone else: no new value for pid
                store.setWhatMatters(pid, "Gardening")
                assertEquals("Gardening", next.await().plan.whatMatters)
                eventually { store.listenerCount() == 0uL }
            }
        }
    }

    private fun syncStatusFlow() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            runBlocking {
                val status = store.syncStatusFlow().first()
                assertEquals(emptyList(), status.peers)
                assertEquals(emptyList(), status.conflictedPersonIds)
            }
            assertEquals(0uL, store.listenerCount())
        }
    }

    private fun cancelledSubscription() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val calls = CopyOnWriteArrayList<List<String>>()
            val subscription = store.subscribe(object : ChangeListener {
                override fun peopleChanged(personIds: List<String>) { calls.add(personIds) }
            })
            val pid = store.addPerson(newPerson())
            assertEquals(listOf(listOf(pid)), calls.toList())
            assertTrue(subscription.cancel())
            assertFalse(subscription.cancel())
            assertEquals(0uL, store.listenerCount())
            store.setWhatMatters(pid, "Walking")
            assertEquals(1, calls.size)
            subscription.close()
            // A subscription outliving its store: cancelling and freeing it is harmless.
            val late = store.subscribe(object : ChangeListener {
                override fun peopleChanged(personIds: List<String>) {}
            })
            store.close()
            assertFalse(late.cancel())
            late.close()
        }
    }
}
