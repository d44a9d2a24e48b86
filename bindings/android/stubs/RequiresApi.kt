// Compile-time stand-in for androidx.annotation.RequiresApi (see AndroidStubs.kt).
package androidx.annotation

@Retention(AnnotationRetention.BINARY)
annotation class RequiresApi(val value: Int = 1, val api: Int = 1)
