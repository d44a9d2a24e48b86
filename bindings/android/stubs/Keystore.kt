// Compile-time stand-ins for the Android Keystore classes the getting-started guide's key
// sample uses (docs/getting-started-android.md), so tests/kotlin/run.sh can compile that
// sample without the Android SDK. Only the members the sample calls, with the platform's
// names and constant values. Never packaged, never run (see AndroidStubs.kt).
@file:Suppress("unused")

package android.security.keystore

import java.security.spec.AlgorithmParameterSpec

object KeyProperties {
    const val KEY_ALGORITHM_AES: String = "AES"
    const val PURPOSE_ENCRYPT: Int = 1
    const val PURPOSE_DECRYPT: Int = 2
    const val BLOCK_MODE_GCM: String = "GCM"
    const val ENCRYPTION_PADDING_NONE: String = "NoPadding"
}

class KeyGenParameterSpec private constructor() : AlgorithmParameterSpec {
    class Builder(keystoreAlias: String, purposes: Int) {
        fun setBlockModes(vararg blockModes: String): Builder = this
        fun setEncryptionPaddings(vararg paddings: String): Builder = this
        fun setKeySize(keySize: Int): Builder = this
        fun build(): KeyGenParameterSpec = KeyGenParameterSpec()
    }
}
