/**
 * The command-log seam: {@link dev.cairn.server.core.log.CommandLog} persists and orders entries,
 * {@link dev.cairn.server.core.log.LogStateMachine} applies them.
 */
package dev.cairn.server.core.log;
