package dev.cairn.amqp.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes on one channel in confirm mode and completes each caller's future when the broker
 * confirms the message.
 *
 * <ul>
 *   <li>At most {@code window} messages are unconfirmed at a time; {@link #publish} blocks the
 *       caller (up to the publish timeout) for a free slot: back-pressure, not buffering.
 *   <li>Mandatory publishes the broker cannot route fail with {@link ErrorCode#NOT_FOUND}.
 *   <li>While the connection is down, new publishes are held and unconfirmed ones are taken back;
 *       when the client library has recovered the connection they are sent again, in order. A
 *       message not confirmed within the publish timeout fails with {@link ErrorCode#UNAVAILABLE}
 *       (a held one is then never sent).
 * </ul>
 *
 * <p>Threading: {@link #publish} may be called from any thread. {@code lock} serialises the
 * sequence-number read and the frame write (the client serialises them the same way internally) and
 * guards {@code open} and {@code held}. Confirms and returns arrive on the connection's thread and
 * touch only {@code outstanding}, a concurrent map in which each entry is removed exactly once.
 */
public final class ConfirmingPublisher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ConfirmingPublisher.class);
  private static final long SWEEP_MILLIS = 100;
  private static final long CLOSE_WAIT_MILLIS = 5_000;

  private final Connection connection;
  private final Semaphore window;
  private final long timeoutNanos;
  private final int maxBodyBytes;
  private final ScheduledExecutorService scheduler;
  private final MessagingMetrics metrics;
  private final ScheduledFuture<?> sweeper;
  private final RecoveryListener recoveryListener;

  private final ReentrantLock lock = new ReentrantLock();
  // Guarded by lock.
  private Channel channel;
  // Guarded by lock: whether channel can take publishes now.
  private boolean open;
  // Guarded by lock: messages to send once the channel is open again, oldest first.
  private final ArrayDeque<Pending> held = new ArrayDeque<>();
  // Guarded by lock.
  private boolean closed;
  // Guarded by lock: sequence numbers the client took on the current channel for publishes it then
  // refused to send (the broker's delivery tags lag the client's numbers by this much).
  private long skipped;

  // Unconfirmed messages of the current channel by publish sequence number.
  private final ConcurrentNavigableMap<Long, Pending> outstanding = new ConcurrentSkipListMap<>();

  public ConfirmingPublisher(
      Connection connection,
      int window,
      long timeoutNanos,
      int maxBodyBytes,
      ScheduledExecutorService scheduler,
      MessagingMetrics metrics)
      throws IOException {
    this.metrics = metrics;
    this.connection = connection;
    this.window = new Semaphore(window);
    this.timeoutNanos = timeoutNanos;
    this.maxBodyBytes = maxBodyBytes;
    this.scheduler = scheduler;
    this.channel = openChannel();
    this.open = true;
    this.recoveryListener =
        new RecoveryListener() {
          @Override
          public void handleRecovery(Recoverable recoverable) {
            onRecovered();
          }

          @Override
          public void handleRecoveryStarted(Recoverable recoverable) {}
        };
    ((Recoverable) connection).addRecoveryListener(recoveryListener);
    this.sweeper =
        scheduler.scheduleWithFixedDelay(
            this::failExpired, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * Publishes a message; the future completes when the broker confirms it, or fails with a {@link
   * CairnException}. Blocks while the in-flight window is full, at most the publish timeout.
   */
  public CompletableFuture<Void> publish(
      String exchange,
      String routingKey,
      boolean mandatory,
      AMQP.BasicProperties props,
      byte[] body) {
    if (body.length > maxBodyBytes) {
      return CompletableFuture.failedFuture(
          CairnException.of(
              ErrorCode.INVALID_ARGUMENT,
              "body",
              "body: " + body.length + " bytes (expected: at most " + maxBodyBytes + " bytes)"));
    }
    String tooLong = tooLongShortString(exchange, routingKey, props);
    if (tooLong != null) {
      // The client library would throw while encoding the frame, after taking a sequence number.
      return CompletableFuture.failedFuture(
          CairnException.of(
              ErrorCode.INVALID_ARGUMENT,
              tooLong,
              tooLong
                  + ": longer than "
                  + Checks.MAX_SHORT_STRING_BYTES
                  + " bytes in UTF-8 (an AMQP short string)"));
    }
    try {
      if (!window.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS)) {
        return CompletableFuture.failedFuture(
            CairnException.of(
                ErrorCode.UNAVAILABLE,
                "publish to '"
                    + exchange
                    + "': in-flight window full for "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                    + " ms (broker not confirming)"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CompletableFuture.failedFuture(
          CairnException.of(ErrorCode.UNAVAILABLE, "publish interrupted"));
    }
    Pending p =
        new Pending(
            exchange,
            routingKey,
            mandatory,
            props,
            body,
            System.nanoTime() + timeoutNanos,
            metrics.publishing(exchange, routingKey));
    p.meters.started();
    lock.lock();
    try {
      if (closed) {
        p.fail(CairnException.of(ErrorCode.UNAVAILABLE, "publisher closed"));
      } else if (open) {
        send(p);
      } else {
        held.add(p);
      }
    } finally {
      lock.unlock();
    }
    return p.future;
  }

  /** Messages sent and not yet confirmed, plus held ones. */
  public int inFlight() {
    lock.lock();
    try {
      return outstanding.size() + held.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops taking publishes, waits (at most 5 s) for the broker to confirm what was sent, fails what
   * is still unconfirmed or held, and closes the channel.
   */
  @Override
  public void close() {
    List<Pending> left = new ArrayList<>();
    Channel ch;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      open = false;
      left.addAll(held);
      held.clear();
      ch = channel;
    } finally {
      lock.unlock();
    }
    sweeper.cancel(false);
    ((Recoverable) connection).removeRecoveryListener(recoveryListener);
    if (ch.isOpen() && !outstanding.isEmpty()) {
      // Waits for these futures rather than the channel's own waitForConfirms, which would also
      // wait for sequence numbers the client took for publishes it refused to send.
      CompletableFuture<?>[] unconfirmed =
          outstanding.values().stream()
              .map(p -> p.future.handle((v, e) -> null))
              .toArray(CompletableFuture[]::new);
      try {
        CompletableFuture.allOf(unconfirmed).get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
        log.debug("closing with unconfirmed messages: {}", e.toString());
      }
    }
    drainOutstanding(left);
    CairnException error =
        CairnException.of(ErrorCode.UNAVAILABLE, "publisher closed before the broker confirmed");
    left.forEach(p -> p.fail(error));
    try {
      if (ch.isOpen()) {
        ch.close();
      }
    } catch (IOException | java.util.concurrent.TimeoutException | ShutdownSignalException e) {
      log.debug("closing publisher channel: {}", e.toString());
    }
  }

  // Called with lock held.
  private void send(Pending p) {
    if (p.future.isDone()) {
      window.release(); // the caller cancelled it while it was held
      return;
    }
    long seq = channel.getNextPublishSeqNo();
    // The broker numbers the messages it received on this channel; the client numbers those it
    // tried to send. They differ by the publishes the client refused after numbering them.
    long tag = seq - skipped;
    p.returned = null;
    outstanding.put(tag, p);
    try {
      channel.basicPublish(p.exchange, p.routingKey, p.mandatory, p.props, p.body);
    } catch (IOException | AlreadyClosedException e) {
      // The channel is going down: keep the message for after recovery, unless the shutdown
      // listener already took it back.
      if (outstanding.remove(tag) != null) {
        held.addFirst(p);
      }
      open = false;
    } catch (RuntimeException e) {
      // The client refused to encode the message (checked before, so this is a case those checks
      // missed); it took a sequence number without sending anything.
      skipped += channel.getNextPublishSeqNo() - seq;
      if (outstanding.remove(tag) != null) {
        p.fail(
            CairnException.of(
                ErrorCode.INVALID_ARGUMENT, "the message cannot be sent: " + e.getMessage()));
      }
    }
  }

  /**
   * The first field of a publish that is longer than an AMQP short string (255 bytes in UTF-8), or
   * null: the client library fails such a publish while encoding it, after numbering it.
   */
  static String tooLongShortString(String exchange, String routingKey, AMQP.BasicProperties p) {
    String[][] fields = {
      {"exchange", exchange},
      {"routingKey", routingKey},
      {"contentType", p.getContentType()},
      {"contentEncoding", p.getContentEncoding()},
      {"correlationId", p.getCorrelationId()},
      {"replyTo", p.getReplyTo()},
      {"expiration", p.getExpiration()},
      {"messageId", p.getMessageId()},
      {"type", p.getType()},
      {"userId", p.getUserId()},
      {"appId", p.getAppId()},
      {"clusterId", p.getClusterId()}
    };
    for (String[] field : fields) {
      if (field[1] != null && Checks.utf8Length(field[1]) > Checks.MAX_SHORT_STRING_BYTES) {
        return field[0];
      }
    }
    return p.getHeaders() == null ? null : tooLongName("headers", p.getHeaders());
  }

  private static String tooLongName(String field, Map<?, ?> table) {
    for (Map.Entry<?, ?> e : table.entrySet()) {
      String name = String.valueOf(e.getKey());
      if (Checks.utf8Length(name) > Checks.MAX_SHORT_STRING_BYTES) {
        return field + " (a header name)";
      }
      if (e.getValue() instanceof Map<?, ?> nested) {
        String inner = tooLongName(field, nested);
        if (inner != null) {
          return inner;
        }
      }
    }
    return null;
  }

  private Channel openChannel() throws IOException {
    Channel ch = connection.createChannel();
    if (ch == null) {
      throw new IOException("no channel available on " + connection);
    }
    ch.confirmSelect();
    ch.addConfirmListener(
        new ConfirmListener() {
          @Override
          public void handleAck(long tag, boolean multiple) {
            confirmed(tag, multiple, null);
          }

          @Override
          public void handleNack(long tag, boolean multiple) {
            confirmed(
                tag,
                multiple,
                CairnException.of(
                    ErrorCode.UNAVAILABLE, "the broker refused the message (nack); retry is safe"));
          }
        });
    ch.addReturnListener(this::returned);
    ch.addShutdownListener(this::onChannelShutdown);
    return ch;
  }

  // On the connection's thread. A return comes before the confirm of the same message; returns are
  // rare, so the returned message is found by scanning what is unconfirmed (oldest first) rather
  // than by tagging every message.
  private void returned(com.rabbitmq.client.Return r) {
    String id = r.getProperties().getMessageId();
    for (Pending p : outstanding.values()) {
      if (p.returned == null
          && p.mandatory
          && java.util.Objects.equals(id, p.props.getMessageId())
          && p.routingKey.equals(r.getRoutingKey())
          && p.exchange.equals(r.getExchange())) {
        p.returned = r.getReplyCode() + " " + r.getReplyText();
        return;
      }
    }
  }

  // On the connection's thread.
  private void confirmed(long tag, boolean multiple, CairnException nack) {
    if (multiple) {
      for (Long seq : outstanding.headMap(tag, true).keySet()) {
        Pending p = outstanding.remove(seq);
        if (p != null) {
          p.settle(nack);
        }
      }
    } else {
      Pending p = outstanding.remove(tag);
      if (p != null) {
        p.settle(nack);
      }
    }
  }

  private void onChannelShutdown(ShutdownSignalException cause) {
    boolean reopen;
    lock.lock();
    try {
      open = false;
      List<Pending> taken = new ArrayList<>();
      drainOutstanding(taken);
      if (closed || cause.isInitiatedByApplication()) {
        CairnException error = CairnException.of(ErrorCode.UNAVAILABLE, "publisher closed");
        taken.forEach(p -> p.fail(error));
        return;
      }
      if (cause.isHardError()) {
        // Connection lost: the client library recovers it; resend these first, in order.
        for (int i = taken.size() - 1; i >= 0; i--) {
          held.addFirst(taken.get(i));
        }
        log.info("connection lost, holding {} messages until recovery", held.size());
        reopen = false;
      } else {
        // The broker closed this channel over one publish (e.g. its exchange was deleted): the
        // client library does not recover channel-level errors, so fail what was in flight with
        // the broker's reason and open a fresh channel.
        CairnException error =
            CairnException.of(
                ErrorCode.FAILED_PRECONDITION, "the broker closed the channel: " + reason(cause));
        taken.forEach(p -> p.fail(error));
        reopen = true;
      }
    } finally {
      lock.unlock();
    }
    if (reopen) {
      scheduler.execute(this::reopenChannel);
    }
  }

  private void reopenChannel() {
    lock.lock();
    try {
      if (closed || open) {
        return;
      }
      channel = openChannel();
      skipped = 0;
      open = true;
      drainHeld();
    } catch (IOException | ShutdownSignalException e) {
      log.warn("could not reopen the publisher channel: {}", e.toString());
    } finally {
      lock.unlock();
    }
  }

  private void onRecovered() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      open = channel.isOpen();
      if (open) {
        skipped = 0; // the recovered channel numbers from 1 again
        log.info("connection recovered, sending {} held messages", held.size());
        drainHeld();
      }
    } finally {
      lock.unlock();
    }
  }

  // Called with lock held.
  private void drainHeld() {
    while (open && !held.isEmpty()) {
      send(held.pollFirst());
    }
  }

  private void drainOutstanding(List<Pending> into) {
    Map.Entry<Long, Pending> e;
    while ((e = outstanding.pollFirstEntry()) != null) {
      into.add(e.getValue());
    }
  }

  private void failExpired() {
    long now = System.nanoTime();
    List<Pending> expired = new ArrayList<>();
    lock.lock();
    try {
      while (!held.isEmpty() && now - held.peekFirst().deadlineNanos >= 0) {
        expired.add(held.pollFirst());
      }
    } finally {
      lock.unlock();
    }
    for (Map.Entry<Long, Pending> e : outstanding.entrySet()) {
      if (now - e.getValue().deadlineNanos < 0) {
        break;
      }
      if (outstanding.remove(e.getKey(), e.getValue())) {
        expired.add(e.getValue());
      }
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
    for (Pending p : expired) {
      p.fail(
          CairnException.of(
              ErrorCode.UNAVAILABLE,
              "publish to '"
                  + p.exchange
                  + "' with routing key '"
                  + p.routingKey
                  + "' not confirmed within "
                  + millis
                  + " ms (broker unreachable or connection recovering); it may or may not have"
                  + " reached the broker"));
    }
  }

  private static String reason(ShutdownSignalException cause) {
    Object reason = cause.getReason();
    if (reason instanceof AMQP.Channel.Close close) {
      return close.getReplyCode() + " " + close.getReplyText();
    }
    return cause.getMessage();
  }

  private final class Pending {
    final String exchange;
    final String routingKey;
    final boolean mandatory;
    final AMQP.BasicProperties props;
    final byte[] body;
    final long deadlineNanos;
    final MessagingMetrics.Publishing meters;
    final CompletableFuture<Void> future = new CompletableFuture<>();
    // Written by the return listener, read by the confirm listener: same connection thread.
    volatile String returned;

    Pending(
        String exchange,
        String routingKey,
        boolean mandatory,
        AMQP.BasicProperties props,
        byte[] body,
        long deadlineNanos,
        MessagingMetrics.Publishing meters) {
      this.meters = meters;
      this.exchange = exchange;
      this.routingKey = routingKey;
      this.mandatory = mandatory;
      this.props = props;
      this.body = body;
      this.deadlineNanos = deadlineNanos;
    }

    // Exactly one of settle and fail is called per message, after it left the structure (held or
    // outstanding) it was in; each releases the message's window slot.
    void settle(CairnException nack) {
      window.release();
      if (nack != null) {
        meters.ended(meters.nacked);
        future.completeExceptionally(nack);
      } else if (returned != null) {
        meters.ended(meters.returned);
        future.completeExceptionally(
            CairnException.of(
                ErrorCode.NOT_FOUND,
                "unroutable: no queue bound to exchange '"
                    + (exchange.isEmpty() ? "(default)" : exchange)
                    + "' for routing key '"
                    + routingKey
                    + "' ("
                    + returned
                    + ")"));
      } else {
        meters.ended(meters.confirmed);
        future.complete(null);
      }
    }

    void fail(CairnException e) {
      window.release();
      meters.ended(meters.failed);
      future.completeExceptionally(e);
    }
  }
}
