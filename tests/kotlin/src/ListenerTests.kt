// Change observation: a Kotlin ChangeListener told which people changed after local edits and
// imports, never after removal, never while a lock is held, and harmless when it throws.
package org.linkwork.tests

import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread
import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object ListenerTests {
    val all: List<TestCase> = listOf(
        TestCase("listener told the person id after each local edit, not after removal", ::notifiedAfterEdits),
        TestCase("listener may call back into the store (no lock held)", ::reentrantListener),
        TestCase("throwing listeners neither fail the edit nor starve others", ::throwingListener),
    )

    private suspend fun notifiedAfterEdits() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val listener = RecordingListener()
            val token = store.addListener(listener)
            val pid = store.addPerson(newPerson())
            val other = store.addPerson(newPerson(given = "Grace", family = "Hopper", nhs = null))
            store.addGoal(pid, NewGoal(text = "Walk"))
            store.addCaseNote(other, "Phoned")
            assertEquals(listOf(listOf(pid), listOf(other), listOf(pid), listOf(other)), listener.calls.toList())

            // A refused edit changes nothing and tells nobody.
            assertFailsWith<LinkWorkException.InvalidInput> { store.addGoal(pid, NewGoal(text = " ")) }
            assertEquals(4, listener.calls.size)
            // Reads tell nobody.
            store.person(pid)
            store.caseload(CaseloadQuery())
            assertEquals(4, listener.calls.size)

            assertTrue(store.removeListener(token))
            assertFalse(store.removeListener(token))
            store.setWhatMatters(pid, "Seeing people")
            assertEquals(4, listener.calls.size)
        }
    }

    private suspend fun reentrantListener() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val seen = CopyOnWriteArrayList<String>()
            store.addListener(object : ChangeListener {
                override fun peopleChanged(personIds: List<String>) {
                    // Would deadlock if the store still held its writer lock while calling us.
                    for (id in personIds) seen.add(store.personBlocking(id).caseRecord!!.demographics.givenName)
                    store.caseloadBlocking(CaseloadQuery())
                }
            })
            val failure = AtomicReference<Throwable?>()
            val worker = thread {
                try {
                    val pid = store.addPersonBlocking(newPerson())
                    store.setWhatMattersBlocking(pid, "Gardening")
                } catch (t: Throwable) {
                    failure.set(t)
                }
            }
            worker.join(30_000)
            assertFalse(worker.isAlive, "edit with a re-entrant listener did not finish (deadlock?)")
            failure.get()?.let { throw it }
            assertEquals(listOf("Ada", "Ada"), seen.toList())
        }
    }

    private suspend fun throwingListener() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            store.addListener(object : ChangeListener {
                override fun peopleChanged(personIds: List<String>): Unit =
                    throw IllegalStateException("listener bug (expected in this test)")
            })
            store.addListener(object : ChangeListener {
                override fun peopleChanged(personIds: List<String>): Unit =
                    throw LinkWorkException.Unexpected("declared error (expected in this test)")
            })
            val healthy = RecordingListener()
            store.addListener(healthy)
            val pid = store.addPerson(newPerson())
            assertEquals(listOf(listOf(pid)), healthy.calls.toList())
            assertEquals(1, store.caseload(CaseloadQuery()).size)
        }
    }
}
