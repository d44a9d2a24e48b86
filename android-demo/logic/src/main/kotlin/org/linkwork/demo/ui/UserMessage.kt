package org.linkwork.demo.ui

import java.io.IOException
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.TimeoutCancellationException
import org.linkwork.core.EnrolmentRefusal
import org.linkwork.core.LinkWorkException
import org.linkwork.demo.sync.HubMessageTooLargeException
import org.linkwork.demo.sync.HubRefusedDeviceException

/**
 * A message a screen can show. Built from the error's kind and field names only: never from
 * names, numbers, notes, answers or record ids, so it is safe on screen and in logs.
 */
data class UserMessage(
    /** One sentence for the user. */
    val text: String,
    /** Whether trying the same thing again later may work. */
    val canRetry: Boolean = false,
)

/** Field names the core uses (snake_case) as a user reads them. */
private val fieldLabels = mapOf(
    "nhs_number" to "NHS number",
    "date_of_birth" to "date of birth",
    "rating" to "rating (0 to 10)",
    "answers" to "answers",
    "target_date" to "target date",
    "due" to "due date",
    "text" to "text",
    "user" to "user name",
)

/** What to tell the user about [error] (any throwable; store errors by their typed kind). */
fun userMessage(error: Throwable): UserMessage = when (error) {
    is LinkWorkException -> userMessage(error)
    is TimeoutCancellationException -> UserMessage("The other device stopped answering. Try again.", canRetry = true)
    is CancellationException -> UserMessage("Cancelled.")
    is HubRefusedDeviceException ->
        UserMessage("The team hub did not accept this device (it may have been revoked, or the hub is not your organisation's). Nothing was shared. Ask your administrator.")
    is HubMessageTooLargeException ->
        UserMessage("The team hub sent more than this app accepts. Update the app or ask your administrator.")
    is IOException -> UserMessage("The connection to the other device failed. Try again when you are together or online.", canRetry = true)
    else -> UserMessage("Something went wrong. Please report it.")
}

/** What to tell the user about a store error. Exhaustive: a new variant fails to compile here. */
fun userMessage(error: LinkWorkException): UserMessage = when (error) {
    is LinkWorkException.NotFound ->
        UserMessage("This ${error.kind.replace('_', ' ')} is no longer on this device; it may have been erased.")
    is LinkWorkException.InvalidInput ->
        UserMessage("Please check the ${fieldLabels[error.field] ?: error.field.replace('_', ' ')}.")
    is LinkWorkException.Conflict ->
        UserMessage("That cannot be done in the record's current state (it may have changed on another device).")
    is LinkWorkException.NotPermitted ->
        UserMessage("This device is not allowed to do that.")
    is LinkWorkException.Storage ->
        UserMessage("The caseload on this device could not be read or saved.", canRetry = true)
    is LinkWorkException.WrongKey ->
        UserMessage("The caseload on this device could not be unlocked. Sign in again; if that fails, ask your team to set the device up again.")
    is LinkWorkException.UpdateRequired ->
        UserMessage("A newer version of the app wrote this. Update the app to change it; nothing has been lost.")
    is LinkWorkException.Untrusted ->
        UserMessage("The other device could not be trusted (not from your organisation, expired or revoked). Nothing was shared.")
    is LinkWorkException.Sync ->
        if (error.retryable) {
            UserMessage("Sync did not finish. Nothing was lost; try again.", canRetry = true)
        } else {
            UserMessage("Sync stopped: the other device sent something this one cannot accept.")
        }
    is LinkWorkException.EnrolmentRefused -> when (error.refusal) {
        EnrolmentRefusal.CODE_NOT_VALID ->
            UserMessage("That invite code is not valid (mistyped, already used or expired). Ask your administrator for a new one.")
        EnrolmentRefusal.REQUEST_REFUSED ->
            UserMessage("The team hub would not set up this device with that code. Ask your administrator.")
        EnrolmentRefusal.UNAVAILABLE ->
            UserMessage("The team hub is unavailable. Try again later.", canRetry = true)
    }
    is LinkWorkException.Hub ->
        if (error.retryable) {
            UserMessage("The connection to the team hub ended early. Nothing was lost; try again.", canRetry = true)
        } else {
            UserMessage("The team hub sent something this app cannot accept. Update the app or ask your administrator.")
        }
    is LinkWorkException.Unexpected -> UserMessage("Something went wrong. Please report it.")
}
