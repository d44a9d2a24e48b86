package org.linkwork.demo.app

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.io.File
import java.security.KeyStore
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.linkwork.demo.data.KeySupplier

/**
 * Store keys protected by the Android Keystore: each store's random 32-byte key is kept in
 * [directory] only wrapped (AES-GCM) by a non-exportable Keystore key, and unwrapped in memory
 * when the store opens. Uninstalling the app, or clearing its data, loses the keys: the
 * caseload then comes back from the team hub at the next sync.
 */
class KeystoreKeySupplier(private val directory: File) : KeySupplier {

    @Synchronized
    override fun key(storeName: String): ByteArray {
        val file = File(directory, "$storeName.key")
        if (file.exists()) {
            val bytes = file.readBytes()
            val iv = bytes.copyOfRange(0, IV_BYTES)
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, wrappingKey(), GCMParameterSpec(128, iv))
            return cipher.doFinal(bytes, IV_BYTES, bytes.size - IV_BYTES)
        }
        val key = ByteArray(KEY_BYTES).also(SecureRandom()::nextBytes)
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, wrappingKey())
        directory.mkdirs()
        val tmp = File(directory, "$storeName.key.tmp")
        tmp.writeBytes(cipher.iv + cipher.doFinal(key))
        check(tmp.renameTo(file)) { "could not save the wrapped store key" }
        return key
    }

    private fun wrappingKey(): SecretKey {
        val keyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
        (keyStore.getKey(ALIAS, null) as? SecretKey)?.let { return it }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
        generator.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return generator.generateKey()
    }

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val ALIAS = "linkwork-store-key-wrapping"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
        const val KEY_BYTES = 32
    }
}
