/**
 * The client's machinery, not an API: {@link dev.cairn.client.internal.ClientCore} owns the threads
 * and channels, {@link dev.cairn.client.internal.SessionManager} the session stream and {@link
 * dev.cairn.client.internal.ViewImpl} one service's watch, reconcile, removal guard and disk
 * snapshot.
 */
package dev.cairn.client.internal;
