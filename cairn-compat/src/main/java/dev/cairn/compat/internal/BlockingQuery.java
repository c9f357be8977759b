package dev.cairn.compat.internal;

import dev.cairn.server.FrontDoorSecurity;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * Consul's blocking queries on Cairn's revisions: with {@code ?index=N}, the answer waits until the
 * watched revision passes N or {@code wait} runs out (default 5 min, at most 10 min, plus up to
 * 1/16 of it as jitter, as Consul does), then answers the current state either way. The wait holds
 * a future and a timer on the connection's event loop, never a thread; the answer is built and
 * written there, in one hand-off from the thread that applied the change. A waiting query is a
 * watch: one client address may have {@code --max-watches-per-client} waiting at once, and one more
 * is answered 429 at once, and so is one over the token's {@code --max-watches-per-token}, which
 * the server's API and other front doors share (decision 0175).
 */
public final class BlockingQuery {

  /** The wait when the query gives none. */
  public static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);

  /** The longest wait; longer ones are cut to it. */
  public static final Duration MAX_WAIT = Duration.ofMinutes(10);

  private BlockingQuery() {}

  /**
   * Answers {@code req} with {@code answer} at once, or once {@code await} (given the index asked
   * for) completes or the wait runs out.
   *
   * @throws BadRequest for an index or wait that does not parse
   */
  public static CompletableFuture<Reply> answer(
      Req req, LongFunction<CompletableFuture<Void>> await, Supplier<Reply> answer) {
    long index = index(req.param("index"));
    Duration wait = wait(req.param("wait"));
    if (index <= 0) {
      return CompletableFuture.completedFuture(answer.get());
    }
    CompletableFuture<Void> change = await.apply(index);
    if (change.isDone()) {
      return CompletableFuture.completedFuture(answer.get());
    }
    FrontDoorSecurity.Held watch = req.security().openWatch(req.address(), req.caller());
    if (!watch.granted()) {
      change.cancel(false);
      throw new BadRequest(429, "Too many blocking queries: " + watch.refusal());
    }
    long jitter = wait.toMillis() / 16;
    long millis = wait.toMillis() + (jitter > 0 ? ThreadLocalRandom.current().nextLong(jitter) : 0);
    var timer = req.loop().schedule(() -> change.cancel(false), millis, TimeUnit.MILLISECONDS);
    req.closed().thenRun(() -> change.cancel(false));
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    reply.whenComplete((r, e) -> watch.close());
    // The change completes on the thread that applied it: the answer is built on the connection's
    // event loop, which writes it next, so the apply thread only hands it over.
    change.whenCompleteAsync(
        (ok, e) -> {
          timer.cancel(false);
          try {
            reply.complete(answer.get());
          } catch (RuntimeException ex) {
            reply.completeExceptionally(ex);
          }
        },
        req.loop());
    return reply;
  }

  static long index(String value) {
    if (value == null || value.isEmpty()) {
      return 0;
    }
    try {
      long index = Long.parseUnsignedLong(value);
      return index < 0 ? Long.MAX_VALUE : index;
    } catch (NumberFormatException e) {
      throw new BadRequest("Invalid index");
    }
  }

  /** A Go duration as Consul takes it ({@code 10s}, {@code 5m}, {@code 1500ms}; bare = ms). */
  static Duration wait(String value) {
    if (value == null || value.isEmpty()) {
      return DEFAULT_WAIT;
    }
    Duration d;
    try {
      d = GoDuration.parse(value);
    } catch (IllegalArgumentException e) {
      throw new BadRequest("Invalid wait time");
    }
    return d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d;
  }
}
