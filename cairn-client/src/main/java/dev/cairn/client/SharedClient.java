package dev.cairn.client;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;

/**
 * A reference-counted {@link CairnClient} shared by every user of the same registries and namespace
 * in this process, e.g. the gRPC name resolvers of many channels. The client is built with default
 * settings on the first {@link #acquire(String)} and closed when the last holder closes its lease.
 *
 * <pre>{@code
 * try (SharedClient lease = SharedClient.acquire("127.0.0.1:8501")) {
 *   ServiceView hello = lease.client().view("hello");
 * }
 * }</pre>
 *
 * <p>Thread-safe; the leases of one client are serialized by one process-wide lock, held only to
 * count (building a client never blocks).
 */
public final class SharedClient implements AutoCloseable {

  // Guarded by itself.
  private static final Map<String, Entry> CLIENTS = new HashMap<>();

  private final String key;
  private final Entry entry;
  // Guarded by this.
  private boolean released;

  private SharedClient(String key, Entry entry) {
    this.key = key;
    this.entry = entry;
  }

  /** A lease on the shared client of {@code registries} in the default namespace. */
  public static SharedClient acquire(String registries) {
    return acquire(registries, dev.cairn.common.Limits.DEFAULT_NAMESPACE);
  }

  /**
   * A lease on the shared client of {@code registries} and {@code namespace}.
   *
   * @throws IllegalArgumentException when {@code registries} or {@code namespace} is malformed
   */
  public static SharedClient acquire(String registries, String namespace) {
    requireNonNull(registries, "registries");
    requireNonNull(namespace, "namespace");
    String key = CairnClient.canonicalRegistries(registries) + "|" + namespace;
    synchronized (CLIENTS) {
      Entry entry = CLIENTS.get(key);
      if (entry == null) {
        entry =
            new Entry(CairnClient.builder().registries(registries).namespace(namespace).build());
        CLIENTS.put(key, entry);
      }
      entry.leases++;
      return new SharedClient(key, entry);
    }
  }

  /** The shared client; valid until this lease is closed. Do not close it directly. */
  public CairnClient client() {
    return entry.client;
  }

  /** Releases this lease; the last one closes the client. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (released) {
        return;
      }
      released = true;
    }
    CairnClient toClose = null;
    synchronized (CLIENTS) {
      if (--entry.leases == 0) {
        CLIENTS.remove(key);
        toClose = entry.client;
      }
    }
    if (toClose != null) {
      toClose.close();
    }
  }

  private static final class Entry {
    final CairnClient client;
    int leases;

    Entry(CairnClient client) {
      this.client = client;
    }
  }
}
