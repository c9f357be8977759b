package dev.cairn.amqp;

import static java.util.Objects.requireNonNull;

import dev.cairn.amqp.internal.Checks;
import dev.cairn.common.Ticker;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wraps a handler so that a message id it has handled successfully within the window is not handled
 * again: redeliveries and publisher re-sends are acknowledged without calling the handler. A
 * message whose handler threw is not remembered, so its retry runs the handler again. Two copies of
 * one id arriving at once run one after the other; the second is skipped.
 *
 * <p>The memory is this process's: it covers the consumers sharing this instance (wrap once, use
 * the wrapper for every consumer of the queue). It holds at most {@code maxEntries} ids; past that
 * the oldest are forgotten early, which shortens the window (documented limit, default 100,000).
 *
 * <p>Thread-safe. Time comes from the injected {@link Ticker}.
 */
public final class IdempotentHandler<T> implements MessageHandler<T> {

  private final MessageHandler<T> delegate;
  private final long windowNanos;
  private final int maxEntries;
  private final Ticker ticker;
  // id -> entry; an entry's monitor serialises the handlers of one id.
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  // Completed ids, oldest first, for expiry.
  private final ConcurrentLinkedQueue<Done> done = new ConcurrentLinkedQueue<>();
  private final AtomicLong skipped = new AtomicLong();

  private IdempotentHandler(
      MessageHandler<T> delegate, Duration window, int maxEntries, Ticker ticker) {
    this.delegate = requireNonNull(delegate, "delegate");
    this.windowNanos = Checks.positive("window", window).toNanos();
    this.maxEntries = Checks.range("maxEntries", maxEntries, 1, 10_000_000);
    this.ticker = requireNonNull(ticker, "ticker");
  }

  /** Remembers handled ids for the window, at most 100,000 of them, on the system ticker. */
  public static <T> IdempotentHandler<T> wrap(MessageHandler<T> delegate, Duration window) {
    return new IdempotentHandler<>(delegate, window, 100_000, Ticker.system());
  }

  /** Remembers handled ids for the window, at most {@code maxEntries} of them. */
  public static <T> IdempotentHandler<T> wrap(
      MessageHandler<T> delegate, Duration window, int maxEntries, Ticker ticker) {
    return new IdempotentHandler<>(delegate, window, maxEntries, ticker);
  }

  @Override
  public void handle(ReceivedMessage<T> message) throws Exception {
    long now = ticker.nanos();
    expire(now);
    Entry entry = entries.computeIfAbsent(message.messageId(), id -> new Entry());
    synchronized (entry) {
      if (entry.handled && now - entry.handledAtNanos < windowNanos) {
        skipped.incrementAndGet();
        return;
      }
      try {
        delegate.handle(message);
      } catch (Exception | Error e) {
        entries.remove(message.messageId(), entry);
        throw e;
      }
      entry.handled = true;
      entry.handledAtNanos = ticker.nanos();
    }
    done.add(new Done(message.messageId(), entry, entry.handledAtNanos));
  }

  /** Messages skipped as duplicates so far. */
  public long duplicatesSkipped() {
    return skipped.get();
  }

  /** Ids currently remembered (handled or being handled). */
  public int size() {
    return entries.size();
  }

  private void expire(long now) {
    Done head;
    while ((head = done.peek()) != null
        && (now - head.handledAtNanos >= windowNanos || entries.size() > maxEntries)) {
      if (done.remove(head)) {
        synchronized (head.entry) {
          if (head.entry.handledAtNanos == head.handledAtNanos) {
            entries.remove(head.id, head.entry);
          }
        }
      }
    }
  }

  private static final class Entry {
    // Guarded by this.
    boolean handled;
    // Guarded by this.
    long handledAtNanos;
  }

  private record Done(String id, Entry entry, long handledAtNanos) {}
}
