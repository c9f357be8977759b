/**
 * The REST client's per-service routes ({@link dev.cairn.http.internal.ServiceRoute}), HTTP
 * attempts and the deadline timer of synchronous attempts ({@link
 * dev.cairn.http.internal.DeadlineTimer}). Not an API.
 */
package dev.cairn.http.internal;
