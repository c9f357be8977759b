package dev.cairn.client.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.ThreadFactory;
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
  // Guarded by LOCK: the current loop, its thread (once started), how many clients hold it, and how
  // many loops were started (for the thread's name).
  private static EventLoopGroup group;
  private static Thread thread;
  private static int holders;
  private static int started;

  private SharedEventLoop() {}

  /** The loop, started if no client holds it; each call needs one {@link #release}. */
  static EventLoopGroup acquire() {
    synchronized (LOCK) {
      if (group == null) {
        int n = ++started;
        ThreadFactory threads =
            r -> {
              Thread t = new FastThreadLocalThread(r, THREAD_PREFIX + n);
              t.setDaemon(true);
              synchronized (LOCK) {
                thread = t;
              }
              return t;
            };
        group = new NioEventLoopGroup(1, threads);
      }
      holders++;
      return group;
    }
  }

  /**
   * Gives {@code g} back; the last holder stops it and, unless called on the loop's own thread,
   * waits up to {@code timeoutMillis} for its thread to end.
   */
  static void release(EventLoopGroup g, long timeoutMillis) throws InterruptedException {
    Thread ending;
    synchronized (LOCK) {
      if (g != group || --holders > 0) {
        return;
      }
      group = null;
      ending = thread;
      thread = null;
    }
    g.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    if (ending != null && ending != Thread.currentThread()) {
      g.terminationFuture().await(timeoutMillis, TimeUnit.MILLISECONDS);
      ending.join(timeoutMillis);
    }
  }

  /** Whether the calling thread is a shared loop's thread. */
  static boolean onLoopThread() {
    return Thread.currentThread().getName().startsWith(THREAD_PREFIX);
  }
}
