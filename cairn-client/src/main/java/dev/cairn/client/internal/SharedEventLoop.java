package dev.cairn.client.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.TimeUnit;

/**
 * The one Netty event loop that every {@link ClientCore} of this JVM does its network I/O on, as
 * grpc-java's channels share one by default (decision 0157): started by the first client, stopped
 * by the last one's {@link #release}. One thread serving every client's connections reads and
 * writes for several of them per wake-up, where a thread per client woke up for each.
 *
 * <p>Its thread is named {@code cairn-client-netty-<n>}; code running on it must not block (it is
 * every client's network thread).
 */
final class SharedEventLoop {

  /** The prefix of the loop's thread name. */
  static final String THREAD_PREFIX = NamedThreads.PREFIX + "netty-";

  private static final Object LOCK = new Object();
  // Guarded by LOCK: the loop clients get now (null when none holds one), and how many loops were
  // started (for the thread's name).
  private static SharedEventLoop current;
  private static int started;

  private final EventLoopGroup group;
  // The loop's thread, once Netty started it (on its first task, or to shut down).
  private volatile Thread thread;
  private int holders; // guarded by LOCK

  private SharedEventLoop(int n) {
    this.group =
        new NioEventLoopGroup(
            1,
            r -> {
              Thread t = new FastThreadLocalThread(r, THREAD_PREFIX + n);
              t.setDaemon(true);
              thread = t;
              return t;
            });
  }

  /** The current loop, started if no client holds one; each call needs one {@link #release}. */
  static SharedEventLoop acquire() {
    synchronized (LOCK) {
      if (current == null) {
        current = new SharedEventLoop(++started);
      }
      current.holders++;
      return current;
    }
  }

  /** The loop's event loop group, for the clients' channels. */
  EventLoopGroup group() {
    return group;
  }

  /**
   * Gives this loop back; the last holder stops it and, unless called on the loop's own thread,
   * waits up to {@code timeoutMillis} for its thread to end.
   */
  void release(long timeoutMillis) throws InterruptedException {
    synchronized (LOCK) {
      if (--holders > 0) {
        return;
      }
      if (current == this) {
        current = null;
      }
    }
    group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    if (onLoopThread()) {
      return;
    }
    group.terminationFuture().await(timeoutMillis, TimeUnit.MILLISECONDS);
    Thread t = thread;
    if (t != null) {
      t.join(timeoutMillis);
    }
  }

  /** Whether the calling thread is a shared loop's thread. */
  static boolean onLoopThread() {
    return Thread.currentThread().getName().startsWith(THREAD_PREFIX);
  }
}
