package dev.cairn.amqp.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import dev.cairn.amqp.MessageCodec;
import dev.cairn.amqp.MessageHeaders;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A requester's exclusive, auto-deleted reply queue and the calls waiting on it, by correlation id.
 * A call leaves the map exactly once: when its reply arrives, when its deadline passes, or when its
 * request could not be published; a reply finding no call is dropped and counted.
 *
 * <p>Threading: {@link #open} from any thread; replies arrive on the consumer executor; deadlines
 * fire on the scheduler. {@code calls} is a concurrent map, its removals decide who completes.
 */
public final class ReplyInbox<R> implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ReplyInbox.class);

  private final String endpoint;
  private final MessageCodec<R> codec;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final String replyQueue;
  private final Channel channel;
  private final Map<String, Call<R>> calls = new ConcurrentHashMap<>();
  private final AtomicLong late = new AtomicLong();

  public ReplyInbox(
      Connection connection,
      String endpoint,
      MessageCodec<R> codec,
      ScheduledExecutorService scheduler,
      Clock clock) {
    this.endpoint = endpoint;
    this.codec = codec;
    this.scheduler = scheduler;
    this.clock = clock;
    this.replyQueue = "cairn.reply." + endpoint + "." + UUID.randomUUID();
    try {
      this.channel = connection.createChannel();
      channel.queueDeclare(replyQueue, false, true, true, null);
      channel.basicConsume(replyQueue, true, new Replies(channel));
    } catch (IOException | ShutdownSignalException e) {
      throw CairnException.of(
          ErrorCode.UNAVAILABLE, "declaring the reply queue for '" + endpoint + "': " + e);
    }
  }

  public String replyQueue() {
    return replyQueue;
  }

  /** A new call with a fresh correlation id; it fails with DEADLINE_EXCEEDED at the deadline. */
  public Call<R> open(Duration deadline) {
    String id = UUID.randomUUID().toString();
    Call<R> call =
        new Call<>(this, id, clock.millis() + deadline.toMillis(), new CompletableFuture<>());
    calls.put(id, call);
    ScheduledFuture<?> timer =
        scheduler.schedule(
            () ->
                call.fail(
                    CairnException.of(
                        ErrorCode.DEADLINE_EXCEEDED,
                        "no reply from '" + endpoint + "' within " + deadline.toMillis() + " ms")),
            deadline.toNanos(),
            TimeUnit.NANOSECONDS);
    call.future().whenComplete((r, e) -> timer.cancel(false));
    return call;
  }

  public int pending() {
    return calls.size();
  }

  public long lateReplies() {
    return late.get();
  }

  @Override
  public void close() {
    CairnException closed = CairnException.of(ErrorCode.UNAVAILABLE, "requester closed");
    calls.values().forEach(c -> c.fail(closed));
    try {
      if (channel.isOpen()) {
        channel.close();
      }
    } catch (IOException | java.util.concurrent.TimeoutException | ShutdownSignalException e) {
      log.debug("closing reply channel: {}", e.toString());
    }
  }

  /** One request waiting for its reply. */
  public record Call<R>(
      ReplyInbox<R> inbox,
      String correlationId,
      long deadlineEpochMillis,
      CompletableFuture<R> future) {

    /** Fails the call unless it has already left the inbox. */
    public void fail(Throwable e) {
      if (inbox.calls.remove(correlationId, this)) {
        future.completeExceptionally(e);
      }
    }
  }

  private final class Replies extends DefaultConsumer {
    Replies(Channel channel) {
      super(channel);
    }

    @Override
    public void handleDelivery(
        String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
      String id = props.getCorrelationId();
      Call<R> call = id == null ? null : calls.remove(id);
      if (call == null) {
        late.incrementAndGet();
        log.debug("dropping a reply from '{}' with no waiting request ({})", endpoint, id);
        return;
      }
      String error = Properties.header(props, MessageHeaders.ERROR);
      if (error != null) {
        call.future()
            .completeExceptionally(
                CairnException.of(ErrorCode.INTERNAL, "'" + endpoint + "' failed: " + error));
        return;
      }
      String unread = Codecs.unread(codec, props.getType(), props.getContentType());
      if (unread != null) {
        call.future()
            .completeExceptionally(
                CairnException.of(
                    ErrorCode.INTERNAL, "reply from '" + endpoint + "' not read: " + unread));
        return;
      }
      try {
        call.future().complete(codec.decode(body));
      } catch (Exception e) {
        call.future()
            .completeExceptionally(
                CairnException.of(
                    ErrorCode.INTERNAL,
                    "reply from '"
                        + endpoint
                        + "' cannot be decoded: "
                        + QueueConsumer.describe(e)));
      }
    }
  }
}
