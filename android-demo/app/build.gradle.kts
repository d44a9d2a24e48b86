// The Android application: one activity, Compose screens that render the :logic view models.
// Needs the Android build of the native library and its Kotlin bindings first:
//   bash scripts/bindings/build-android.sh      -> ../target/bindings/android/{jniLibs,kotlin}
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

val androidBindings = rootProject.file("../target/bindings/android")

android {
    namespace = "org.linkwork.demo.app"
    compileSdk = 35

    defaultConfig {
        applicationId = "org.linkwork.demo"
        minSdk = 26 // java.time in the generated bindings
        targetSdk = 35
        versionCode = 1
        versionName = "0.1"
        // The team hub: `linkwork sync serve --port 7700` on the development machine, which the
        // emulator reaches as 10.0.2.2. Plain TCP, no authentication: a demo, not a deployment.
        buildConfigField("String", "HUB_HOST", "\"10.0.2.2\"")
        buildConfigField("int", "HUB_PORT", "7700")
        buildConfigField("String", "DEMO_USER", "\"sam.patel\"")
        // true: the app enrols itself with an in-app demo organisation on first run. false: a
        // fresh install enrols with the organisation's `linkwork-hub` (Sync -> Team hub) using
        // an invite code; see README, "Team hub through linkwork-hub".
        buildConfigField("boolean", "DEMO_ORGANISATION", "true")
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets["main"].apply {
        // Generated, never committed: org/linkwork/linkwork_ffi.kt (android = true) and the
        // .so files for arm64-v8a, armeabi-v7a and x86_64.
        java.srcDir(File(androidBindings, "kotlin"))
        jniLibs.srcDir(File(androidBindings, "jniLibs"))
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    implementation(project(":logic"))
    implementation("net.java.dev.jna:jna:${libs.versions.jna.get()}@aar") // with its Android dispatch library
    implementation(libs.kotlinx.coroutines.android)
    implementation(libs.okhttp) // the WebSocket to the team hub (OkHttpHubSocket)
    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.activity.compose)
    implementation(libs.androidx.lifecycle.viewmodel.compose)
    implementation(libs.androidx.lifecycle.runtime.compose)
    implementation(libs.androidx.navigation.compose)
    implementation(platform(libs.androidx.compose.bom))
    implementation(libs.androidx.compose.material3)
    implementation(libs.androidx.compose.material.icons)
    implementation(libs.androidx.compose.ui)
    implementation(libs.androidx.compose.ui.tooling.preview)
    debugImplementation(libs.androidx.compose.ui.tooling)
}
