package org.linkwork.demo.app

import androidx.compose.runtime.Composable
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import kotlinx.coroutines.CoroutineScope

/** Keeps a plain-Kotlin view model across configuration changes, running in `viewModelScope`. */
class Retained<T : Any>(create: (CoroutineScope) -> T) : ViewModel() {
    /** The plain-Kotlin view model. */
    val model: T = create(viewModelScope)
}

/**
 * The plain-Kotlin view model for [key] in the current navigation entry, created once by
 * [create] with a scope that ends when the entry leaves the back stack.
 */
@Composable
inline fun <reified T : Any> rememberScreenModel(key: String, noinline create: (CoroutineScope) -> T): T =
    viewModel<Retained<T>>(key = key) { Retained(create) }.model
