/**
 * The Ratis machinery behind {@link dev.cairn.server.ratis.RatisCommandLog}: {@link
 * dev.cairn.server.ratis.internal.RaftNode} runs the peer, {@code StateMachineAdapter} bridges to
 * the {@link dev.cairn.server.core.log.LogStateMachine}, {@code SnapshotStore} keeps the snapshot
 * files and {@code RaftConfig} holds every Ratis setting. Not API.
 */
package dev.cairn.server.ratis.internal;
