package org.linkwork.demo.data

import java.io.File
import java.util.Properties
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

/**
 * Counts this device's own edits per person since they last reached another link-worker store.
 *
 * The core does not (yet) say which local changes a peer has not seen, so the demo keeps the
 * count itself: [LinkWorkRepository] calls [recorded] after every successful edit, and a sync
 * that completes with a link-worker peer subtracts what was counted when it started
 * ([snapshot] then [synced]), so edits made while it ran stay counted. Changes merged in from
 * other devices are not counted (they are not this device's to send).
 *
 * Limits, on purpose and visible in the UI: any link-worker peer clears the count (a nearby
 * colleague's phone as well as the team hub), and a sync with a person's own phone clears
 * nothing. With [file] set the counts survive a restart (a small properties file of person ids
 * and numbers, no patient data); without it they live in memory.
 */
class UnsyncedChanges(private val file: File? = null) {
    private val counts = MutableStateFlow(load())

    /** Unsynced edit count by person id; people with none are absent. */
    val byPerson: StateFlow<Map<String, Int>> = counts.asStateFlow()

    /** Counts one successful local edit of [personId]. */
    fun recorded(personId: String) = change { it + (personId to (it[personId] ?: 0) + 1) }

    /** Forgets [personId] entirely (the person was erased). */
    fun forget(personId: String) = change { it - personId }

    /** The counts as a sync starts. */
    fun snapshot(): Map<String, Int> = counts.value

    /** A sync that started at [before] completed with a link-worker peer: those edits reached it. */
    fun synced(before: Map<String, Int>) = change { now ->
        now.mapValues { (id, n) -> n - (before[id] ?: 0) }.filterValues { it > 0 }
    }

    private fun change(transform: (Map<String, Int>) -> Map<String, Int>) {
        synchronized(this) {
            counts.update(transform)
            save(counts.value)
        }
    }

    private fun load(): Map<String, Int> {
        val f = file ?: return emptyMap()
        if (!f.exists()) return emptyMap()
        val props = Properties()
        f.inputStream().use(props::load)
        return props.stringPropertyNames()
            .mapNotNull { id -> props.getProperty(id).toIntOrNull()?.takeIf { it > 0 }?.let { id to it } }
            .toMap()
    }

    private fun save(values: Map<String, Int>) {
        val f = file ?: return
        val props = Properties()
        values.forEach { (id, n) -> props.setProperty(id, n.toString()) }
        f.parentFile?.mkdirs()
        val tmp = File(f.path + ".tmp")
        tmp.outputStream().use { props.store(it, "unsynced local edits per person id") }
        if (!tmp.renameTo(f)) {
            f.delete()
            tmp.renameTo(f)
        }
    }
}
