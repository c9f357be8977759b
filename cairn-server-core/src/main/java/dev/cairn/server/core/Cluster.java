package dev.cairn.server.core;

import static java.util.Objects.requireNonNull;

import dev.cairn.server.core.internal.RegistryImpl;
import dev.cairn.server.core.log.LogMember;
import dev.cairn.server.core.log.LogStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The registry's place in its cluster: this member's status, consistent reads, and membership
 * changes. On a single node every method answers as the only, leading member (membership changes
 * fail with {@code FAILED_PRECONDITION}).
 */
public final class Cluster {

  private final RegistryImpl impl;

  Cluster(RegistryImpl impl) {
    this.impl = impl;
  }

  /** Whether this registry is one member of a replicated cluster. */
  public boolean replicated() {
    return impl.replicated();
  }

  /** This member's view of the cluster, at once (no network). */
  public LogStatus status() {
    return impl.clusterStatus();
  }

  /**
   * Completes, with the catalog's revision, once this member has applied everything committed when
   * this was called (Raft's ReadIndex): a read made afterwards is linearizable. Fails with {@code
   * UNAVAILABLE} when no leader confirms its leadership within the write timeout.
   */
  public CompletableFuture<Long> readBarrier() {
    return impl.readBarrier();
  }

  /**
   * Completes once this member's catalog is at {@code revision} or later (a client that saw that
   * revision elsewhere never goes back in time); fails with {@code UNAVAILABLE} after {@code
   * timeout}, saying this member is behind.
   */
  public CompletableFuture<Long> awaitRevision(long revision, Duration timeout) {
    return impl.awaitRevision(revision, requireNonNull(timeout, "timeout"));
  }

  /** The members, their roles, last contact and lag, as the leader sees them. */
  public CompletableFuture<List<LogMember>> members() {
    return impl.members();
  }

  /** Adds member {@code id} at Raft address {@code address} ({@code host:port}). */
  public CompletableFuture<List<LogMember>> addMember(String id, String address) {
    return impl.addMember(requireNonNull(id, "id"), requireNonNull(address, "address"));
  }

  /** Removes member {@code id}; refused for the leader and for the last member. */
  public CompletableFuture<List<LogMember>> removeMember(String id) {
    return impl.removeMember(requireNonNull(id, "id"));
  }

  /** Hands leadership to member {@code id}. */
  public CompletableFuture<Void> transferLeadership(String id) {
    return impl.transferLeadership(requireNonNull(id, "id"));
  }

  /** Whether this member keeps the session leases and runs health checks (it leads). */
  public boolean leading() {
    return impl.leading();
  }
}
