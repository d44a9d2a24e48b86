// Shared fixtures: a temporary directory with encrypted stores, a "main thread" dispatcher,
// a clock the test moves, and a helper that waits for a state.
package org.linkwork.demo.tests

import java.io.File
import java.nio.file.Files
import java.time.Clock
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import java.time.ZoneOffset
import java.util.concurrent.Executors
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.linkwork.core.ContactPreference
import org.linkwork.core.NewPerson
import org.linkwork.core.NewReferral
import org.linkwork.core.ReferralSource
import org.linkwork.demo.data.InMemoryKeySupplier
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.data.StoreProvider

/** The name of the thread that plays the app's main thread. */
const val MAIN_THREAD = "test-main"

/** A clock the test sets; UTC. */
class MutableClock(var now: Instant = Instant.now()) : Clock() {
    override fun getZone(): ZoneId = ZoneOffset.UTC
    override fun withZone(zone: ZoneId?): Clock = this
    override fun instant(): Instant = now
}

/**
 * One test's world: a temp dir, a [StoreProvider] with in-memory keys, a single-thread "main"
 * dispatcher for the view models' [scope] (like Android's main thread) and Dispatchers.IO for
 * store calls. Everything is closed and deleted after the test.
 */
class World(val dir: File) {
    val keys = InMemoryKeySupplier()
    val provider = StoreProvider(dir, keys)
    private val mainThread = Executors.newSingleThreadExecutor { r -> Thread(r, MAIN_THREAD).apply { isDaemon = true } }
    val main = mainThread.asCoroutineDispatcher()
    val scope = CoroutineScope(SupervisorJob() + main)
    val clock = MutableClock()
    private val repositories = mutableListOf<LinkWorkRepository>()

    /** A repository over a new (or reopened) link-worker store. */
    fun linkWorker(name: String, user: String): LinkWorkRepository =
        LinkWorkRepository(provider.openOrCreateLinkWorker(name, user), Dispatchers.IO).also { repositories += it }

    /** Today by the test clock, plus [days]: the API takes dates as LocalDate. */
    fun day(days: Long = 0): LocalDate = LocalDate.now(clock).plusDays(days)

    fun close() {
        scope.cancel()
        mainThread.shutdown()
        repositories.forEach { runCatching { it.close() } }
    }
}

/** Runs [block] in a fresh [World]. */
fun world(block: suspend World.() -> Unit) {
    val w = World(Files.createTempDirectory("linkwork-demo-test-").toFile())
    try {
        runBlocking { w.block() }
    } finally {
        w.close()
        w.dir.deleteRecursively()
    }
}

/** Waits (up to 10 s) until the state satisfies [predicate]; returns that state. */
suspend fun <T> StateFlow<T>.await(what: String = "state", predicate: (T) -> Boolean): T =
    try {
        withTimeout(10_000) { first(predicate) }
    } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
        throw AssertionError("timed out waiting for $what; last: $value")
    }

/** A referral with fictional details (943 476 5919 is the NHS example number). */
fun newPerson(given: String = "Ada", family: String = "Lovelace", nhs: String? = "943 476 5919") = NewPerson(
    givenName = given,
    familyName = family,
    dateOfBirth = LocalDate.of(1950, 2, 28),
    nhsNumber = nhs,
    phone = "07700 900123",
    preferredContact = ContactPreference.PHONE,
    referral = NewReferral(source = ReferralSource.GP, referrer = "Dr Patel", reasons = listOf("isolated"), consentToContact = true),
)
