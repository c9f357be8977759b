package dev.cairn.server.internal.grpc;

import static java.util.Objects.requireNonNull;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.Executor;

/**
 * The gRPC server's own event loops. A handler runs on its connection's event loop (the server uses
 * {@code directExecutor}); {@link #current()} names that loop, so that the call's answer, which
 * completes on the registry's apply thread, is sent from the same thread that reads the call: no
 * extra pool, no hand-over between two threads that both touch the call, and answers completed
 * together go out in one flush (decision 0071).
 */
final class EventLoops {

  private final EventLoopGroup group;

  EventLoops(EventLoopGroup group) {
    this.group = requireNonNull(group, "group");
  }

  /**
   * The event loop running the caller, or, when the caller is on none of them (a test calling a
   * handler directly), the next one of the group. Either way the returned executor runs tasks one
   * at a time and in order, on one thread; its tasks must not block.
   */
  Executor current() {
    for (EventExecutor loop : group) {
      if (loop.inEventLoop()) {
        return loop;
      }
    }
    return group.next();
  }
}
