package dev.cairn.client.internal;

import java.util.Queue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Creates the client's daemon threads, named {@code cairn-client-<client>-<role>-<n>}, so that a
 * test (or an operator's thread dump) can tell every thread a client started.
 */
final class NamedThreads implements ThreadFactory {

  /** The prefix of every thread any client starts. */
  static final String PREFIX = "cairn-client-";

  private final String prefix;
  private final AtomicInteger next = new AtomicInteger();
  private final Queue<Thread> started;

  /** Threads of one client's {@code role}; each one created is added to {@code started}. */
  NamedThreads(int clientId, String role, Queue<Thread> started) {
    this.prefix = PREFIX + clientId + "-" + role + "-";
    this.started = started;
  }

  @Override
  public Thread newThread(Runnable r) {
    Thread t = new Thread(r, prefix + next.incrementAndGet());
    t.setDaemon(true);
    started.add(t);
    return t;
  }
}
