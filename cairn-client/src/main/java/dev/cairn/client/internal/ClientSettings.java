package dev.cairn.client.internal;

import dev.cairn.client.resilience.Backoff;
import dev.cairn.common.Ticker;
import io.grpc.ClientInterceptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A client's checked settings, as {@link dev.cairn.client.CairnClient.Builder} produced them.
 * Immutable.
 */
public final class ClientSettings {
  final List<RegistryAddress> registries;
  final String registriesText;
  final String namespace;
  final Duration sessionTtl;
  final String clientName;
  final Path snapshotDir;
  final Duration reconcileInterval;
  final boolean removalProtection;
  final double maxRemovalShare;
  final Duration removalConfirmDelay;
  final Duration initialBackoff;
  final Duration maxBackoff;
  final Duration requestTimeout;
  final Ticker ticker;
  final boolean shutdownHook;
  final List<ClientInterceptor> interceptors;
  final ClientTls tls; // null: plaintext
  // Whether the client starts at a random registry (spreading clients over a cluster's members)
  // rather than the first; set once by the builder, before the client starts.
  boolean spread = true;
  // Whether the session asks to be opened on a cluster's leader (decision 0114); set once by the
  // builder, before the client starts.
  boolean sessionsOnLeader = true;

  /**
   * Settings already checked by the builder, except {@code registries}, which is parsed here.
   *
   * @throws IllegalArgumentException naming {@code registries} when it is malformed
   */
  public ClientSettings(
      String registries,
      String namespace,
      Duration sessionTtl,
      String clientName,
      Path snapshotDir,
      Duration reconcileInterval,
      boolean removalProtection,
      double maxRemovalShare,
      Duration removalConfirmDelay,
      Duration initialBackoff,
      Duration maxBackoff,
      Duration requestTimeout,
      Ticker ticker,
      boolean shutdownHook,
      List<ClientInterceptor> interceptors) {
    this(
        registries,
        namespace,
        sessionTtl,
        clientName,
        snapshotDir,
        reconcileInterval,
        removalProtection,
        maxRemovalShare,
        removalConfirmDelay,
        initialBackoff,
        maxBackoff,
        requestTimeout,
        ticker,
        shutdownHook,
        interceptors,
        null);
  }

  /** Like the constructor above, reaching the registries over {@code tls} unless it is null. */
  public ClientSettings(
      String registries,
      String namespace,
      Duration sessionTtl,
      String clientName,
      Path snapshotDir,
      Duration reconcileInterval,
      boolean removalProtection,
      double maxRemovalShare,
      Duration removalConfirmDelay,
      Duration initialBackoff,
      Duration maxBackoff,
      Duration requestTimeout,
      Ticker ticker,
      boolean shutdownHook,
      List<ClientInterceptor> interceptors,
      ClientTls tls) {
    this.tls = tls;
    this.registries = RegistryAddress.parseList(registries);
    this.registriesText = registries;
    this.namespace = namespace;
    this.sessionTtl = sessionTtl;
    this.clientName = clientName;
    this.snapshotDir = snapshotDir;
    this.reconcileInterval = reconcileInterval;
    this.removalProtection = removalProtection;
    this.maxRemovalShare = maxRemovalShare;
    this.removalConfirmDelay = removalConfirmDelay;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.requestTimeout = requestTimeout;
    this.ticker = ticker;
    this.shutdownHook = shutdownHook;
    this.interceptors = List.copyOf(interceptors);
  }

  /**
   * Whether the client starts with a registry picked at random among those given (on by default),
   * so that a cluster's clients spread over its members; off, the first is preferred.
   */
  public ClientSettings spreadOverRegistries(boolean spread) {
    this.spread = spread;
    return this;
  }

  /**
   * Whether the session is opened on the member that leads a cluster (on by default): a member that
   * knows its leader's address sends the client there (decision 0114).
   */
  public ClientSettings sessionsOnLeader(boolean onLeader) {
    this.sessionsOnLeader = onLeader;
    return this;
  }

  /**
   * The backoff between reconnects to the registries (and retries of a registration the registry
   * could not take now): from {@code initialBackoff}, doubling up to {@code maxBackoff}, each wait
   * ± 20 % at random so that clients that lost the same registry do not come back in step.
   */
  Backoff reconnectBackoff() {
    return Backoff.of(initialBackoff, maxBackoff, 2.0, 0.2);
  }

  /** The registries in their canonical form, {@code host:port,host:port}. */
  public String canonicalRegistries() {
    return canonical(registries);
  }

  /**
   * {@code registries} in canonical form: trimmed, without duplicates.
   *
   * @throws IllegalArgumentException naming {@code registries} when it is malformed
   */
  public static String canonicalRegistries(String registries) {
    return canonical(RegistryAddress.parseList(registries));
  }

  private static String canonical(List<RegistryAddress> registries) {
    StringBuilder b = new StringBuilder();
    for (RegistryAddress a : registries) {
      b.append(b.length() == 0 ? "" : ",").append(a);
    }
    return b.toString();
  }
}
