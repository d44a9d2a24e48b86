// The desktop-JVM bindings, generated (never committed) by
//   bash scripts/bindings/generate.sh kotlin      -> ../target/bindings/kotlin
// :logic compiles against them (compileOnly) and runs its checks with them; the app ships the
// Android flavour of the same classes instead (android = true, from build-android.sh).
plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin {
    jvmToolchain(17)
    sourceSets.getByName("main").kotlin.srcDir(rootProject.file("../target/bindings/kotlin"))
}

dependencies {
    implementation(libs.jna)
}
