// Minimal stand-ins for the Android classes the Android-flavoured generated Kotlin references
// (uniffi's android_cleaner: android.os.Build, android.system.SystemCleaner,
// androidx.annotation.RequiresApi), so scripts/package-android.sh can compile that code with
// kotlinc on a machine without the Android SDK. Compile-time only: never packaged, never run.
// If uniffi starts to reference another Android class, the compile fails here: add it.
@file:Suppress("unused")

package android.os

object Build {
    object VERSION {
        @JvmField val SDK_INT: Int = 0
    }

    object VERSION_CODES {
        const val UPSIDE_DOWN_CAKE: Int = 34
    }
}
