// Object lifecycle (AutoCloseable, use after close) and concurrent calls from many threads.
package org.linkwork.tests

import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object LifecycleTests {
    val all: List<TestCase> = listOf(
        TestCase("use {} closes; calls after close throw IllegalStateException", ::closeAndUseAfterClose),
        TestCase("8 threads editing one store concurrently all land", ::concurrentCalls),
    )

    private suspend fun closeAndUseAfterClose() = withTempDir { dir ->
        val path = dir.path("caseload.db")
        val store = LinkWorkStore.create(path, StoreKey.Unencrypted, "sam.worker", Role.LINK_WORKER)
        val pid = store.use { it.addPerson(newPerson()) }
        val e = assertFailsWith<IllegalStateException> { store.info() }
        assertTrue("destroyed" in (e.message ?: ""), e.message)
        assertFailsWith<IllegalStateException> { store.person(pid) }
        store.close() // closing twice is a no-op

        // The data outlived the object; the file is free to open again.
        val reopened = LinkWorkStore.open(path, StoreKey.Unencrypted)
        assertEquals("Ada", reopened.person(pid).caseRecord!!.demographics.givenName)
        reopened.close()
        assertFailsWith<IllegalStateException> { reopened.caseload(CaseloadQuery()) }

        // Closing a store with a listener registered is fine too.
        LinkWorkStore.open(path, StoreKey.Unencrypted).use { it.addListener(RecordingListener()) }
    }

    private suspend fun concurrentCalls() = withTempDir { dir ->
        val threads = 8
        val peoplePerThread = 3
        val goalsPerPerson = 3
        dir.linkWorkerStore().use { store ->
            val notified = AtomicInteger()
            store.addListener(object : ChangeListener {
                override fun peopleChanged(personIds: List<String>) {
                    notified.addAndGet(personIds.size)
                }
            })
            val errors = ConcurrentLinkedQueue<Throwable>()
            val ids = ConcurrentLinkedQueue<String>()
            val start = CountDownLatch(1)
            val workers = (0 until threads).map { t ->
                thread(name = "worker-$t") {
                    try {
                        start.await()
                        repeat(peoplePerThread) { p ->
                            val pid = store.addPersonBlocking(newPerson(given = "Person$t", family = "Number$p", nhs = null))
                            ids.add(pid)
                            repeat(goalsPerPerson) { g ->
                                val goal = store.addGoalBlocking(pid, NewGoal(text = "Goal $g"))
                                store.recordProgressBlocking(goal, NewProgress(rating = g))
                            }
                            store.caseloadBlocking(CaseloadQuery(text = "Person$t"))
                            store.personBlocking(pid)
                        }
                    } catch (e: Throwable) {
                        errors.add(e)
                    }
                }
            }
            start.countDown()
            workers.forEach { it.join(120_000) }
            assertTrue(workers.none { it.isAlive }, "threads did not finish")
            errors.firstOrNull()?.let { throw AssertionError("a thread failed (${errors.size} errors)", it) }

            val caseload = store.caseload(CaseloadQuery())
            assertEquals(threads * peoplePerThread, caseload.size)
            assertEquals(ids.toSet(), caseload.map { it.personId }.toSet())
            assertTrue(caseload.all { it.activeGoals == goalsPerPerson })
            for (pid in ids) {
                val goals = store.plan(pid).goals
                assertEquals(goalsPerPerson, goals.size)
                assertTrue(goals.all { it.progress.size == 1 })
            }
            assertEquals(threads * peoplePerThread * (1 + 2 * goalsPerPerson), notified.get())
        }
    }
}
