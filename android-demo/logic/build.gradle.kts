// Plain Kotlin (JVM): view models, repository, sync driver and transports. No Android imports.
// The same sources are compiled and run in CI by tests/kotlin/run.sh (bare kotlinc, no Gradle).
import org.gradle.api.tasks.JavaExec

plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    // The org.linkwork classes: the app provides the Android flavour at run time.
    compileOnly(project(":bindings-jvm"))
    implementation(libs.kotlinx.coroutines.core)

    testImplementation(project(":bindings-jvm"))
    testImplementation(kotlin("test"))
}

// The desktop native library built by cargo (bash scripts/bindings/generate.sh kotlin builds it).
val nativeLibDir = rootProject.file("../target/debug").absolutePath

// The tests are a plain main-based runner (as in CI), not JUnit classes.
val runDemoTests by tasks.registering(JavaExec::class) {
    group = "verification"
    description = "Runs the logic tests against the desktop native library."
    classpath = sourceSets["test"].runtimeClasspath
    mainClass.set("org.linkwork.demo.tests.DemoTestsKt")
    jvmArgs("-Djna.library.path=$nativeLibDir")
}

val runDemoCli by tasks.registering(JavaExec::class) {
    group = "application"
    description = "Runs the home-visit story end to end on two stores and prints the screens."
    classpath = sourceSets["test"].runtimeClasspath
    mainClass.set("org.linkwork.demo.cli.DemoMainKt")
    jvmArgs("-Djna.library.path=$nativeLibDir")
}

tasks.named("check") { dependsOn(runDemoTests, runDemoCli) }
