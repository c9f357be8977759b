package dev.cairn.server.internal.http;

import dev.cairn.common.CairnException;
import dev.cairn.common.Durations;
import dev.cairn.common.Limits;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A blocking read ({@code ?index=N&wait=30s}): answer as soon as the revision passes {@code index},
 * else at the end of the wait with the unchanged state.
 */
record LongPoll(long index, long waitMillis) {

  /**
   * The long-poll of {@code ex}'s query, or null when it has no {@code index}.
   *
   * @param current the registry's revision; a larger {@code index} is rejected
   */
  static LongPoll of(Exchange ex, long current) {
    String indexText = ex.param("index");
    if (indexText == null) {
      return null;
    }
    long index = revision("index", indexText, current);
    String waitText = ex.param("wait");
    long wait =
        waitText == null
            ? Limits.DEFAULT_WAIT_MILLIS
            : Math.min(Durations.parse("wait", waitText).toMillis(), Limits.MAX_WAIT_MILLIS);
    return new LongPoll(index, wait);
  }

  /**
   * Parses a revision to resume from: 0..{@code current}.
   *
   * @throws CairnException {@code INVALID_ARGUMENT} naming {@code field}
   */
  static long revision(String field, String text, long current) {
    long value;
    try {
      value = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw CairnException.invalid(field, text, "a revision 0.." + current);
    }
    if (value < 0 || value > current) {
      throw CairnException.invalid(field, value, "a revision 0.." + current);
    }
    return value;
  }

  /**
   * Waits for {@code change} on {@code ex}'s event loop, then runs {@code answer} there: when the
   * change comes, or when the wait ends (the future is then cancelled), whichever is first. The
   * future and the timer are cancelled if the connection closes first. {@code pending} counts the
   * polls waiting.
   */
  void await(Exchange ex, CompletableFuture<Void> change, AtomicInteger pending, Runnable answer) {
    if (waitMillis == 0) {
      change.cancel(false);
      answer.run();
      return;
    }
    pending.incrementAndGet();
    ScheduledFuture<?> timer =
        ex.eventLoop()
            .schedule(
                () -> {
                  change.cancel(false);
                  if (!ex.isDone()) {
                    pending.decrementAndGet();
                    run(ex, answer);
                  }
                },
                waitMillis,
                TimeUnit.MILLISECONDS);
    ex.onAbandon(
        () -> {
          pending.decrementAndGet();
          timer.cancel(false);
          change.cancel(false);
        });
    change.whenComplete(
        (v, error) ->
            ex.execute(
                () -> {
                  timer.cancel(false);
                  if (ex.isDone()) {
                    return;
                  }
                  pending.decrementAndGet();
                  if (error != null && !isCancellation(error)) {
                    ex.fail(error);
                  } else {
                    run(ex, answer);
                  }
                }));
  }

  private static void run(Exchange ex, Runnable answer) {
    try {
      answer.run();
    } catch (RuntimeException e) {
      ex.fail(e);
    }
  }

  private static boolean isCancellation(Throwable e) {
    return e instanceof CancellationException
        || (e instanceof CompletionException && e.getCause() instanceof CancellationException);
  }
}
