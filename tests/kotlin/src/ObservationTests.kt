// Observation: the hand-written Flows over LinkWorkStore.subscribe (bindings/kotlin/Flows.kt)
// against the real library: first value at once, a new value after a change, cancellation
// unsubscribing (the store's listener count goes back), a cancelled subscription told nothing,
// and a subscription that never keeps its store alive.
package org.linkwork.tests

import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.*
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
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
        while (!condition()) delay(5)
    }

    // The Flows conflate: a change that arrives before the collector took the first value
    // merges with it into one value. So each test waits for the first value before it edits,
    // and a whole test is bounded in time, so a missing value fails it instead of hanging.

    private suspend fun caseloadFlow() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            runBlocking {
                withTimeout(60_000) {
                    assertEquals(0L, store.listenerCount())
                    val seen = CopyOnWriteArrayList<List<CaseloadEntry>>()
                    val collecting = launch(Dispatchers.Default) {
                        store.caseloadFlow().collect { seen.add(it) }
                    }
                    eventually { seen.isNotEmpty() }
                    assertEquals(emptyList(), seen.first(), "the list at once, before any edit")
                    assertEquals(1L, store.listenerCount())
                    val pid = store.addPerson(newPerson())
                    eventually { seen.size >= 2 }
                    assertEquals(listOf(pid), seen.last().map { it.personId })
                    collecting.cancelAndJoin()
                    // Cancelling the collector cancelled its subscription.
                    eventually { store.listenerCount() == 0L }
                }
            }
        }
    }

    private suspend fun personFlow() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val pid = store.addPerson(newPerson())
            val other = store.addPerson(newPerson(given = "Grace", family = "Hopper", nhs = null))
            runBlocking {
                withTimeout(60_000) {
                    val seen = CopyOnWriteArrayList<PersonRecord>()
                    val collecting = launch(Dispatchers.Default) {
                        store.personFlow(pid).collect { seen.add(it) }
                    }
                    eventually { seen.isNotEmpty() }
                    store.addCaseNote(other, "Phoned") // someone else: no new value for pid
                    store.setWhatMatters(pid, "Gardening")
                    eventually { seen.size >= 2 }
                    assertEquals(2, seen.size, "one value at once, one for pid's edit, none for the other person")
                    assertEquals("Gardening", seen.last().plan.whatMatters)
                    collecting.cancelAndJoin()
                    eventually { store.listenerCount() == 0L }
                }
            }
        }
    }

    private suspend fun syncStatusFlow() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            runBlocking {
                val status = store.syncStatusFlow().first()
                assertEquals(emptyList(), status.peers)
                assertEquals(emptyList(), status.conflictedPersonIds)
            }
            assertEquals(0L, store.listenerCount())
        }
    }

    private suspend fun cancelledSubscription() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val calls = CopyOnWriteArrayList<List<String>>()
            val subscription = store.subscribe(object : ChangeListener {
                override fun peopleChanged(personIds: List<String>) { calls.add(personIds) }
            })
            val pid = store.addPerson(newPerson())
            assertEquals(listOf(listOf(pid)), calls.toList())
            assertTrue(subscription.cancel())
            assertFalse(subscription.cancel())
            assertEquals(0L, store.listenerCount())
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
