// Shared fixtures for the suite: temporary directories, stores, people and a recording listener.
package org.linkwork.tests

import java.nio.file.Files
import java.nio.file.Path
import java.time.LocalDate
import java.time.ZoneOffset
import java.util.concurrent.CopyOnWriteArrayList
import org.linkwork.*
import org.linkwork.core.*

/**
 * A temporary directory deleted after `block`, with helpers to make stores in it. Inline, so
 * `block` may call the suspend API.
 */
inline fun <T> withTempDir(block: (TempDir) -> T): T {
    val dir = TempDir(Files.createTempDirectory("linkwork-kotlin-"))
    try {
        return block(dir)
    } finally {
        dir.root.toFile().deleteRecursively()
    }
}

class TempDir(val root: Path) {
    /** A path for a new file in the directory. */
    fun path(name: String): String = root.resolve(name).toString()

    /** A new link-worker store acting as `user` (the async constructor). */
    suspend fun linkWorkerStore(name: String = "caseload.db", user: String = "sam.worker"): LinkWorkStore =
        LinkWorkStore.create(path(name), StoreKey.Unencrypted, user, Role.LINK_WORKER)
}

/** Today (UTC, as the core reckons it) plus `days`: the API takes and gives dates as `LocalDate`. */
fun day(days: Long = 0): LocalDate = LocalDate.now(ZoneOffset.UTC).plusDays(days)

/** A person with a GP referral; names and numbers are fictional (943 476 5919 is the NHS example). */
fun newPerson(
    given: String = "Ada",
    family: String = "Lovelace",
    nhs: String? = "943 476 5919",
    dob: LocalDate? = LocalDate.of(1950, 2, 28),
): NewPerson = NewPerson(
    givenName = given,
    familyName = family,
    dateOfBirth = dob,
    nhsNumber = nhs,
    phone = "07700 900123",
    preferredContact = ContactPreference.PHONE,
    referral = NewReferral(
        source = ReferralSource.GP,
        referrer = "Dr Patel",
        reasons = listOf("isolated since bereavement"),
        urgency = Urgency.ROUTINE,
        consentToContact = true,
    ),
)

/** The plan with every item's episode cleared, as `LinkWorkStore.plan` and a phone read it. */
fun Plan.withoutEpisodes(): Plan = copy(
    needs = needs.map { it.copy(episodeId = null) },
    goals = goals.map { it.copy(episodeId = null) },
    steps = steps.map { it.copy(episodeId = null) },
    measures = measures.map { it.copy(episodeId = null) },
)

/** Records every notification of changed people, and counts completed syncs; thread-safe. */
class RecordingListener : ChangeListener {
    val calls = CopyOnWriteArrayList<List<String>>()
    /** Empty notifications: a sync session completed. */
    val syncsCompleted = java.util.concurrent.atomic.AtomicInteger()
    override fun peopleChanged(personIds: List<String>) {
        if (personIds.isEmpty()) syncsCompleted.incrementAndGet() else calls.add(personIds)
    }
}

/** Exhaustive over the error's variants: a variant added in Rust fails to compile here. */
fun describe(e: LinkWorkException): String = when (e) {
    is LinkWorkException.NotFound -> "not found: ${e.kind} ${e.id}"
    is LinkWorkException.InvalidInput -> "invalid ${e.field}: ${e.reason}"
    is LinkWorkException.Conflict -> "conflict: ${e.reason}"
    is LinkWorkException.NotPermitted -> "not permitted: ${e.action}"
    is LinkWorkException.Storage -> "storage: ${e.reason}"
    is LinkWorkException.WrongKey -> "wrong key: ${e.reason}"
    is LinkWorkException.UpdateRequired -> "update required: ${e.reason}"
    is LinkWorkException.Untrusted -> "untrusted: ${e.reason}"
    is LinkWorkException.Sync -> "sync (retryable=${e.retryable}): ${e.reason}"
    is LinkWorkException.EnrolmentRefused -> "enrolment refused: ${e.refusal}"
    is LinkWorkException.Hub -> "hub (retryable=${e.retryable}): ${e.reason}"
    is LinkWorkException.Unexpected -> "unexpected: ${e.reason}"
}
