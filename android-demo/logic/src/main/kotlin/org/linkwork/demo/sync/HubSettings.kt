package org.linkwork.demo.sync

import java.io.File
import java.io.IOException
import java.nio.file.AtomicMoveNotSupportedException
import java.nio.file.Files
import java.nio.file.StandardCopyOption
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.withContext

/**
 * The team hub this device enrolled with, as the app remembers it between runs: its address
 * (`wss://HOST[:PORT]`, as [parseHubAddress] accepts it). No secret and no patient data: the
 * device's key and certificate stay in the store. A hub with a private CA is trusted through the
 * app's network security configuration, not here.
 */
data class HubSettings(val address: String)

/**
 * Where the app keeps [HubSettings] once enrolled: [FileHubSettingsStore] (the demo's
 * `filesDir`, or the tests' temp dir) or [InMemoryHubSettingsStore]; on Android a
 * SharedPreferences/DataStore implementation is a few lines of glue in `app/`.
 */
interface HubSettingsStore {
    /** The remembered hub, or `null` when none was saved (or what was saved is not a hub address). */
    suspend fun load(): HubSettings?

    /** Remembers [settings], replacing what was saved. */
    suspend fun save(settings: HubSettings)

    /** Forgets the hub. */
    suspend fun clear()
}

/** [HubSettingsStore] for one process (tests, a device not yet set up). */
class InMemoryHubSettingsStore(initial: HubSettings? = null) : HubSettingsStore {
    @Volatile private var settings: HubSettings? = initial

    override suspend fun load(): HubSettings? = settings

    override suspend fun save(settings: HubSettings) {
        this.settings = settings
    }

    override suspend fun clear() {
        settings = null
    }
}

/**
 * [HubSettingsStore] in one small file ([file]: the address on its first line), written to a
 * temporary file and moved into place, so a crash mid-write leaves the old file or the new one.
 * The file is read back as untrusted: over [MAX_SETTINGS_BYTES], or not a hub address, it reads
 * as no hub. File I/O runs on [io].
 */
class FileHubSettingsStore(private val file: File, private val io: CoroutineDispatcher) : HubSettingsStore {
    override suspend fun load(): HubSettings? = withContext(io) {
        if (!file.isFile || file.length() > MAX_SETTINGS_BYTES) return@withContext null
        val address = file.readText(Charsets.UTF_8).lineSequence().firstOrNull() ?: return@withContext null
        parseHubAddress(address)?.let { HubSettings(it) }
    }

    override suspend fun save(settings: HubSettings) = withContext(io) {
        val address = requireNotNull(parseHubAddress(settings.address)) { "not a hub address" }
        file.parentFile?.mkdirs()
        val tmp = File(file.path + ".tmp")
        tmp.writeText(address + "\n", Charsets.UTF_8)
        try {
            Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE)
        } catch (_: AtomicMoveNotSupportedException) {
            Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.REPLACE_EXISTING)
        }
        Unit
    }

    override suspend fun clear() = withContext(io) {
        if (file.exists() && !file.delete()) throw IOException("cannot delete the hub settings")
    }

    companion object {
        /** The largest settings file read (an address is far shorter). */
        const val MAX_SETTINGS_BYTES = 4096L
    }
}
