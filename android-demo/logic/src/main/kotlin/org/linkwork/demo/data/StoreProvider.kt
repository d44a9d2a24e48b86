package org.linkwork.demo.data

import java.io.File
import java.security.SecureRandom
import org.linkwork.LinkWorkStore
import org.linkwork.core.Role
import org.linkwork.StoreKey

/**
 * Supplies the 32-byte key that encrypts a store file. On Android it comes from the Android
 * Keystore (the app module's `KeystoreKeySupplier`); on the JVM demo from memory or a file.
 * Called off the main thread; may block.
 */
fun interface KeySupplier {
    /** The key for the store file [storeName]; the same bytes every time for the same store. */
    fun key(storeName: String): ByteArray
}

/**
 * A random key per store, held in memory only: stores made with it cannot be opened after the
 * process ends. Enough for tests and the command-line demo.
 */
class InMemoryKeySupplier(private val random: SecureRandom = SecureRandom()) : KeySupplier {
    private val keys = mutableMapOf<String, ByteArray>()

    @Synchronized
    override fun key(storeName: String): ByteArray =
        keys.getOrPut(storeName) { ByteArray(KEY_BYTES).also(random::nextBytes) }.copyOf()

    companion object {
        /** Key length the core expects. */
        const val KEY_BYTES = 32
    }
}

/**
 * The one place where stores are created and opened, so the rest of the demo never sees file
 * paths, keys or constructor details. Every store is encrypted with its key from [keys].
 *
 * @param directory where store files live (Android: `Context.filesDir`; JVM: a temp dir).
 * @param keys supplies each store's key.
 */
class StoreProvider(private val directory: File, private val keys: KeySupplier) {

    /** The file a store named [name] lives in. */
    fun fileFor(name: String): File = File(directory, "$name.db")

    /**
     * Opens the link worker's store [name] as [user], creating it first if it does not exist.
     * Blocks on disk I/O: call off the main thread.
     *
     * @throws org.linkwork.core.LinkWorkException.WrongKey when the key does not open the file.
     * @throws org.linkwork.core.LinkWorkException.Storage when the file cannot be opened.
     */
    fun openOrCreateLinkWorker(name: String, user: String): LinkWorkStore =
        openOrCreate(name, user, Role.LINK_WORKER, null)

    /**
     * Opens (or creates) the store of a person's own phone, holding only [personId]'s plan.
     * The demo app is the link worker's; tests use this to check what such a peer receives.
     */
    fun openOrCreatePatient(name: String, user: String, personId: String): LinkWorkStore =
        openOrCreate(name, user, Role.PATIENT, personId)

    /**
     * Creates the store of a person's own phone from a pairing offer their link worker's phone
     * shows ([payload], and the six-digit [code] the person confirmed): the store belongs to the
     * offer's person and is enrolled with a certificate for that person only. The iOS demo does
     * this on the patient's phone; the tests and the command-line story play that phone here.
     *
     * @throws org.linkwork.core.LinkWorkException.Untrusted for a wrong code, an expired or tampered
     *   offer (no file is created).
     */
    fun createPairedPatient(name: String, user: String, payload: ByteArray, code: String): LinkWorkStore {
        directory.mkdirs()
        return LinkWorkStore.createPairedBlocking(fileFor(name).path, StoreKey.Encrypted(keys.key(name)), user, payload, code)
    }

    private fun openOrCreate(name: String, user: String, role: Role, personId: String?): LinkWorkStore {
        val file = fileFor(name)
        directory.mkdirs()
        val key = StoreKey.Encrypted(keys.key(name))
        return if (file.exists()) {
            LinkWorkStore.openAsBlocking(file.path, key, user)
        } else {
            LinkWorkStore.createBlocking(file.path, key, user, role, personId)
        }
    }
}
