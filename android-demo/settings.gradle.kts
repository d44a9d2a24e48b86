// The link worker's Android demo. NOT BUILT in CI (no Android SDK, Gradle or Maven Central
// there): CI compiles and tests :logic with bare kotlinc instead (tests/kotlin/run.sh).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "linkwork-android-demo"

// :bindings-jvm  the desktop-JVM Kotlin bindings (scripts/bindings/generate.sh kotlin), so the
//                plain-Kotlin :logic compiles and its checks run on the JVM;
// :logic         view models, repository, sync driver and transports: no Android imports;
// :app           MainActivity, the Compose screens, Android Keystore key.
include(":bindings-jvm", ":logic", ":app")
