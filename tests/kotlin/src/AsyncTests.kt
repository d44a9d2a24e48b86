// The async API (issue 14): suspend calls against the real library, run on the core's I/O
// threads, never on the caller's. What only this suite can catch: a suspend call completing
// through uniffi's future machinery, errors thrown from it, many coroutines at once, a
// single-threaded (UI-like) dispatcher kept free while a call is in flight, cancellation, and
// the sync-status Flow refreshed by a sync that changed nobody.
package org.linkwork.tests

import java.util.UUID
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.test.*
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.linkwork.*
import org.linkwork.core.*

object AsyncTests {
    val all: List<TestCase> = listOf(
        TestCase("suspend calls: add, read, list", ::suspendRoundTrip),
        TestCase("suspend calls throw the typed errors", ::suspendErrors),
        TestCase("100 coroutines adding at once: all stored", ::manyCoroutines),
        TestCase("a single-threaded dispatcher keeps running while a call is in flight", ::uiThreadNotBlocked),
        TestCase("a cancelled caller leaves the store usable", ::cancelledCaller),
        TestCase("syncStatusFlow refreshes after a sync that changed nobody", ::syncStatusAfterIdleSync),
        TestCase("constructors are suspend: create, open, openAs on one UI-like thread; typed errors", ::suspendConstructors),
    )

    private suspend fun eventually(condition: () -> Boolean) = withTimeout(30_000) {
        while (!condition()) delay(5)
    }

    private suspend fun suspendRoundTrip() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            runBlocking {
                val pid = store.addPerson(newPerson())
                assertEquals("Ada", store.person(pid).caseRecord!!.demographics.givenName)
                assertEquals(listOf(pid), store.caseload(CaseloadQuery()).map { it.personId })
                store.setWhatMatters(pid, "Gardening")
                assertEquals("Gardening", store.plan(pid).whatMatters)
            }
        }
    }

    private suspend fun suspendErrors() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            runBlocking {
                val unknown = UUID.randomUUID().toString()
                val e = assertFailsWith<LinkWorkException.NotFound> { store.person(unknown) }
                assertEquals("person", e.kind)
                assertFailsWith<LinkWorkException.InvalidInput> { store.addPerson(newPerson(given = " ")) }
                // The store still answers after the failed calls.
                assertEquals(emptyList(), store.caseload(CaseloadQuery()))
            }
        }
    }

    private suspend fun manyCoroutines() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            runBlocking {
                val ids = (0 until 100).map { n ->
                    async(Dispatchers.Default) { store.addPerson(newPerson(given = "P$n", nhs = null)) }
                }.awaitAll()
                assertEquals(100, ids.toSet().size)
                val listed = (0 until 20).map { async(Dispatchers.Default) { store.caseload(CaseloadQuery()).size } }.awaitAll()
                assertEquals(List(20) { 100 }, listed)
            }
        }
    }

    // A listener runs on the thread that made the change: for a suspend call, a core I/O
    // thread. It holds that call until the single-threaded dispatcher has run other work; had
    // the call blocked the dispatcher's only thread, that work could not run and the latch
    // would time out.
    private suspend fun uiThreadNotBlocked() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            val released = CountDownLatch(1)
            val releasedInTime = CopyOnWriteArrayList<Boolean>()
            val listenerThread = CopyOnWriteArrayList<String>()
            val subscription = store.subscribe(object : ChangeListener {
                override fun peopleChanged(personIds: List<String>) {
                    listenerThread.add(Thread.currentThread().name)
                    releasedInTime.add(released.await(30, TimeUnit.SECONDS))
                }
            })
            val executor = Executors.newSingleThreadExecutor { r -> Thread(r, "ui") }
            val ui = executor.asCoroutineDispatcher()
            try {
                runBlocking {
                    withContext(ui) {
                        val adding = async { store.addPerson(newPerson()) }
                        launch { released.countDown() }
                        adding.await()
                    }
                }
                assertEquals(listOf(true), releasedInTime.toList())
                assertNotEquals("ui", listenerThread.single())
            } finally {
                subscription.close()
                ui.close()
            }
        }
    }

    private suspend fun cancelledCaller() = withTempDir { dir ->
        dir.linkWorkerStore().use { store ->
            runBlocking {
                val job = launch(Dispatchers.Default) {
                    repeat(50) { store.addPerson(newPerson(given = "C$it", nhs = null)) }
                }
                job.cancelAndJoin()
                // A call already on the pool when its caller was cancelled still finishes (it
                // may commit after cancelAndJoin returns), nothing is left half-written, and the
                // store keeps working.
                val after = store.addPerson(newPerson(given = "After", nhs = null))
                val people = store.caseload(CaseloadQuery())
                assertTrue(people.size <= 51, "${people.size} people")
                assertTrue(people.any { it.personId == after })
                people.forEach { assertNotNull(store.person(it.personId).caseRecord) }
            }
        }
    }

    private suspend fun syncStatusAfterIdleSync() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "a").use { a ->
            dir.linkWorkerStore("b.db", "b").use { b ->
                a.addPersonBlocking(newPerson())
                runBlocking {
                    withTimeout(60_000) {
                        val seen = CopyOnWriteArrayList<SyncStatus>()
                        val collecting = launch(Dispatchers.Default) { a.syncStatusFlow().collect { seen.add(it) } }
                        eventually { seen.isNotEmpty() }
                        withContext(Dispatchers.IO) { sync(a, b) }
                        eventually { seen.last().peers.size == 1 }
                        val before = seen.size
                        // Nothing left to exchange: nobody changes, the status still refreshes.
                        val second = withContext(Dispatchers.IO) { sync(a, b) }
                        assertTrue(second.connecting.changed.isEmpty() && second.listening.changed.isEmpty())
                        eventually { seen.size > before }
                        collecting.cancelAndJoin()
                    }
                }
            }
        }
    }

    // The constructors run on the core's pool like every other disk call: a single-threaded
    // dispatcher (the app's main thread) awaits them, and their refusals arrive as the typed
    // exceptions. The blocking variants (`createBlocking`, ...) remain for scripts.
    private suspend fun suspendConstructors() = withTempDir { dir ->
        val executor = Executors.newSingleThreadExecutor { r -> Thread(r, "ui") }
        val ui = executor.asCoroutineDispatcher()
        try {
            withContext(ui) {
                val path = dir.path("opened.db")
                val key = StoreKey.Encrypted(ByteArray(32) { it.toByte() })
                val pid = LinkWorkStore.create(path, key, "sam.worker", Role.LINK_WORKER).use { it.addPerson(newPerson()) }
                LinkWorkStore.open(path, key).use { store ->
                    assertEquals("sam.worker", store.info().user)
                    assertEquals("Ada", store.person(pid).caseRecord!!.demographics.givenName)
                }
                LinkWorkStore.openAs(path, key, "jo.colleague").use { assertEquals("jo.colleague", it.info().user) }
                assertFailsWith<LinkWorkException.WrongKey> { LinkWorkStore.open(path, StoreKey.Encrypted(ByteArray(32))) }
                assertFailsWith<LinkWorkException.Conflict> { LinkWorkStore.create(path, key, "x", Role.LINK_WORKER) }
                val e = assertFailsWith<LinkWorkException.InvalidInput> { LinkWorkStore.open(path, StoreKey.Encrypted(ByteArray(3))) }
                assertEquals("key", e.field)
                assertEquals("ui", Thread.currentThread().name)
            }
        } finally {
            ui.close()
        }
    }
}
