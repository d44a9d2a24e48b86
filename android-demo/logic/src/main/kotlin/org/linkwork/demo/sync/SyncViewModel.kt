package org.linkwork.demo.sync

import java.net.Inet4Address
import java.net.NetworkInterface
import java.time.Clock
import java.util.Locale
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.linkwork.core.CaseloadQuery
import org.linkwork.core.ConflictResolution
import org.linkwork.core.DocKind
import org.linkwork.core.FieldConflict
import org.linkwork.core.FieldValue
import org.linkwork.PersonRecord
import org.linkwork.core.Role
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.ui.ScreenModel
import org.linkwork.demo.ui.UserMessage
import org.linkwork.demo.ui.displayDate
import org.linkwork.demo.ui.displayName
import org.linkwork.demo.ui.displayTime

/** Where a sync goes. */
enum class SyncTargetKind { NEARBY_DEVICE, TEAM_HUB }

/**
 * A place to sync with. [connect] opens the byte pipe (Nearby Connections to a colleague's
 * phone, a socket to the team hub, or an in-process pair in tests); it must authenticate the peer.
 */
class SyncTarget(
    val id: String,
    val label: String,
    val kind: SyncTargetKind,
    val connect: suspend () -> SyncTransport,
)

/** A target as the screen lists it. */
data class TargetRow(val id: String, val label: String, val kind: SyncTargetKind)

/** What the last sync did. */
data class SyncReport(
    val target: String,
    /** What the peer said it was ("a link worker's device", "the person's own phone"). */
    val peer: String,
    /** People whose records changed here, by name. */
    val merged: List<String>,
    /** People erased here because the peer had erased them. */
    val erased: Int,
    val messages: Int,
    val bytes: Long,
    val roundTrips: Int,
    val finishedAt: String,
    /** Whether the peer is a link-worker store (the badges then compare with it, see `unsyncedPeople`). */
    val clearedBadges: Boolean,
)

/** One of the values two devices set concurrently. */
data class ConflictChoice(val value: String, val setBy: String, val setAt: String, val shown: Boolean)

/** A field set concurrently on two devices: the record shows one value; the user may pick. */
data class ConflictRow(
    /** Stable key of the conflict on screen. */
    val key: String,
    val personId: String,
    val personName: String,
    /** Which field ("Goal \"Join a walking group\": status"). */
    val field: String,
    val choices: List<ConflictChoice>,
    /** Whether it can be resolved here (every conflict can: the core keeps any chosen value). */
    val resolvable: Boolean,
)

/** What the sync screen shows. */
data class SyncState(
    val targets: List<TargetRow> = emptyList(),
    /** The target being synced with, while a session runs. */
    val running: String? = null,
    val unsyncedTotal: Int = 0,
    val last: SyncReport? = null,
    /** Where a colleague's phone on the same network listens ("192.168.1.20" or "host:port"). */
    val nearbyAddress: String = "",
    /** While waiting for a colleague to connect: what to tell them ("192.168.1.5:7701"). */
    val waitingOn: String? = null,
    val conflicts: List<ConflictRow> = emptyList(),
    val message: UserMessage? = null,
)

/**
 * The sync screen: sync with a nearby colleague's device or the team hub, show what merged and
 * list conflicts (fields set on two devices, of the people the core's conflict index names) for
 * the user to resolve by keeping one value (`resolveConflict`); the peer learns it at the next
 * sync.
 */
class SyncViewModel(
    private val repository: LinkWorkRepository,
    targets: List<SyncTarget>,
    scope: CoroutineScope,
    private val clock: Clock = Clock.systemDefaultZone(),
    /** Runs socket calls (nearby sync over the local network). */
    private val io: CoroutineDispatcher = Dispatchers.IO,
    /** The port this device listens on for a colleague, and the default port it connects to. */
    private val nearbyPort: Int = NEARBY_PORT,
) : ScreenModel(scope) {
    private var waitJob: Job? = null
    private val scans = Mutex()
    private val targetsById = targets.associateBy { it.id }
    private val mutableState = MutableStateFlow(SyncState(targets = targets.map { TargetRow(it.id, it.label, it.kind) }))
    private val resolutions = mutableMapOf<String, FieldConflict>()

    /** The screen's state. */
    val state: StateFlow<SyncState> = mutableState.asStateFlow()

    init {
        scope.launch { repository.unsyncedPeople.collect { p -> mutableState.update { it.copy(unsyncedTotal = p.size) } } }
        refreshConflicts()
    }

    /** Syncs with target [targetId] (this device starts the session). */
    fun sync(targetId: String): Job {
        val target = targetsById.getValue(targetId)
        return run(target.label) { repository.sync(target.connect(), connect = true) }
    }

    /** Edits the colleague's address for a nearby sync. */
    fun editNearbyAddress(text: String) = mutableState.update { it.copy(nearbyAddress = text) }

    /** Syncs with a colleague's phone that is waiting at [SyncState.nearbyAddress]. */
    fun syncNearby(): Job {
        val (host, port) = parseAddress(mutableState.value.nearbyAddress)
            ?: return Job().apply { complete() }.also {
                mutableState.update { it.copy(message = UserMessage("Enter the address shown on your colleague's phone.")) }
            }
        return run("Colleague's phone") { repository.sync(SocketTransport.connect(host, port, io), connect = true) }
    }

    /**
     * Waits for a colleague's phone, or a person's own (the iOS demo types this address on its
     * Sync screen), on the same network to connect, then answers its session.
     * [SyncState.waitingOn] tells the user which address to give. [cancelWaiting] stops.
     */
    fun waitForColleague(): Job {
        if (mutableState.value.running != null) return Job().apply { complete() }
        val here = localAddresses().firstOrNull() ?: "this device"
        mutableState.update { it.copy(waitingOn = "$here:$nearbyPort", message = null) }
        return run("Colleague's phone") {
            try {
                repository.sync(SocketTransport.acceptOne(nearbyPort, io), connect = false)
            } finally {
                mutableState.update { it.copy(waitingOn = null) }
            }
        }.also { waitJob = it }
    }

    /** Stops waiting for a colleague. */
    fun cancelWaiting() {
        waitJob?.cancel()
        mutableState.update { it.copy(waitingOn = null, running = null) }
    }

    /** Resolves conflict [key] by keeping choice [choice] (an index of its choices). */
    fun resolve(key: String, choice: Int): Job = launchAction(::show) {
        val row = mutableState.value.conflicts.firstOrNull { it.key == key } ?: return@launchAction
        val conflict = synchronized(resolutions) { resolutions[key] } ?: return@launchAction
        val value = conflict.values.getOrNull(choice)?.value ?: return@launchAction
        repository.edit(row.personId) {
            it.resolveConflict(row.personId, conflict.document, conflict.path, ConflictResolution.Keep(value))
        }
        scanConflicts(listOf(row.personId))
    }

    /** Re-reads conflicts: of [personIds], or of the whole caseload when `null`. */
    fun refreshConflicts(personIds: Collection<String>? = null): Job = launchAction(::show) { scanConflicts(personIds) }

    /** Dismisses the message on screen. */
    fun dismissMessage() = mutableState.update { it.copy(message = null) }

    private fun show(message: UserMessage) = mutableState.update { it.copy(running = null, message = message) }

    private fun run(label: String, session: suspend () -> SyncOutcome): Job {
        if (mutableState.value.running != null) return Job().apply { complete() }
        mutableState.update { it.copy(running = label, message = null) }
        return launchAction(::show) {
            val outcome = session()
            val changed = outcome.changedPersonIds
            val (names, erased) = repository.read { store ->
                val byId = store.caseload(CaseloadQuery()).associateBy { it.personId }
                val gone = store.erasedPeople().map { it.personId }.toSet()
                changed.mapNotNull { byId[it]?.let { e -> displayName(e.givenName, e.familyName) } }.sorted() to
                    changed.count { it in gone }
            }
            val s = outcome.stats
            val report = SyncReport(
                target = label,
                peer = when (outcome.peer?.role) {
                    Role.LINK_WORKER -> "a link worker's device"
                    Role.PATIENT -> "the person's own phone"
                    null -> "an unknown device"
                },
                merged = names,
                erased = erased,
                messages = s.messagesSent + s.messagesReceived,
                bytes = s.bytesSent + s.bytesReceived,
                roundTrips = s.roundTrips,
                finishedAt = displayTime(clock.instant(), clock.zone),
                clearedBadges = outcome.peer?.role == Role.LINK_WORKER,
            )
            val unsynced = repository.unsyncedPeople.value.size
            mutableState.update { it.copy(running = null, last = report, unsyncedTotal = unsynced) }
            scanConflicts(changed + mutableState.value.conflicts.map { it.personId })
        }
    }

    private suspend fun scanConflicts(personIds: Collection<String>?) = scans.withLock {
        val found = repository.read { store ->
            // The conflict index names the people with conflicts: no other record is loaded.
            val ids = personIds?.distinct() ?: store.conflictedPeople().map { it.personId }
            ids.associateWith { id -> runCatching { store.person(id) }.getOrNull() }
        }
        val rows = mutableListOf<ConflictRow>()
        synchronized(resolutions) {
            resolutions.keys.removeAll { key -> found.keys.any { key.startsWith("$it/") } }
            for ((id, record) in found) {
                record ?: continue
                for (c in record.conflicts) {
                    val key = "$id/${c.document}/${c.path.joinToString("/")}"
                    resolutions[key] = c
                    rows += ConflictRow(key, id, personName(record), fieldLabel(record, c), choices(c), resolvable = true)
                }
            }
        }
        val scanned = found.keys
        mutableState.update { s -> s.copy(conflicts = s.conflicts.filter { it.personId !in scanned } + rows) }
    }

    private fun personName(r: PersonRecord) =
        r.caseRecord?.demographics?.let { displayName(it.givenName, it.familyName) } ?: "(plan only)"

    private fun choices(c: FieldConflict) = c.values.map {
        ConflictChoice(valueLabel(it.value), it.setBy, displayTime(it.setAt, clock.zone), it.shown)
    }

    private fun fieldLabel(r: PersonRecord, c: FieldConflict): String {
        val p = c.path
        fun field(name: String) = name.replace('_', ' ')
        return when {
            c.document == DocKind.PLAN && p.size == 3 && p[0] == "goals" ->
                "Goal \"${r.plan.goals.firstOrNull { it.id == p[1] }?.text ?: "?"}\": ${field(p[2])}"
            c.document == DocKind.PLAN && p.size == 3 && p[0] == "steps" ->
                "Step \"${r.plan.steps.firstOrNull { it.id == p[1] }?.text ?: "?"}\": ${field(p[2])}"
            p.size == 1 -> field(p[0]).replaceFirstChar { it.titlecase(Locale.UK) }
            p.size == 2 && p[0] == "demographics" -> "Details: ${field(p[1])}"
            else -> "${c.document.name.lowercase(Locale.UK)} field ${p.filterIndexed { i, _ -> i % 2 == 0 || i == p.lastIndex }.joinToString(" / ") { field(it) }}"
        }
    }

    /** A conflict value as the screen shows it: the core types it like its field. */
    private fun valueLabel(value: FieldValue): String = when (value) {
        is FieldValue.Code -> value.value.replace('-', ' ').replaceFirstChar { it.titlecase(Locale.UK) }
        is FieldValue.Date -> displayDate(value.value)
        is FieldValue.Time -> displayTime(value.value, clock.zone)
        is FieldValue.Text -> value.value
        is FieldValue.Integer -> value.value.toString()
        is FieldValue.Decimal -> value.value.toString()
        is FieldValue.Bool -> if (value.value) "Yes" else "No"
        is FieldValue.ItemId -> value.value
        is FieldValue.Nhs -> value.value
        is FieldValue.Object -> "(a group of details)"
        is FieldValue.Unreadable -> value.text
    }

    private fun parseAddress(text: String): Pair<String, Int>? {
        val t = text.trim()
        if (t.isEmpty() || t.any { it.isWhitespace() }) return null
        val colon = t.lastIndexOf(':')
        if (colon < 0) return t to nearbyPort
        val port = t.substring(colon + 1).toIntOrNull()?.takeIf { it in 1..65535 } ?: return null
        return t.substring(0, colon).takeIf { it.isNotEmpty() }?.let { it to port }
    }
}

/** The default port for nearby sync between two phones on the same network. */
const val NEARBY_PORT = 7701

/** This device's IPv4 addresses on up, non-loopback interfaces (what a colleague connects to). */
fun localAddresses(): List<String> = runCatching {
    NetworkInterface.getNetworkInterfaces().toList()
        .filter { it.isUp && !it.isLoopback }
        .sortedByDescending { it.name.startsWith("wlan") } // Wi-Fi first on a phone
        .flatMap { it.inetAddresses.toList() }
        .filterIsInstance<Inet4Address>()
        .mapNotNull { it.hostAddress }
}.getOrDefault(emptyList())
