package dev.cairn.amqp.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;
import com.rabbitmq.client.TopologyRecoveryException;
import com.rabbitmq.client.impl.DefaultExceptionHandler;
import com.rabbitmq.client.impl.recovery.RecordedBinding;
import com.rabbitmq.client.impl.recovery.RecordedEntity;
import com.rabbitmq.client.impl.recovery.RecordedExchange;
import com.rabbitmq.client.impl.recovery.RecordedQueue;
import com.rabbitmq.client.impl.recovery.TopologyRecoveryFilter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a dropped connection logs (decision 0214): one warning when it has recovered, naming the
 * connection and why it dropped; one more if the first attempt to reconnect failed (the broker is
 * still away); an error, on one line, for each channel, declaration or consumer that the recovery
 * really failed to restore. The client library's own reports (a warning for the reset socket and,
 * for every queue declared on a channel since closed, an error with a stack trace) go to debug.
 *
 * <p>Also the recovery filter: a queue, exchange or binding declared on a channel that has been
 * closed since (Cairn declares its topology on short-lived channels) is not declared again by the
 * client library, which would try on that closed channel and always fail; Cairn declares its queues
 * again itself when topology recovery starts (see {@link QueueConsumer}).
 *
 * <p>Thread-safe: the client calls it from each connection's recovery thread.
 */
final class RecoveryLog extends DefaultExceptionHandler implements TopologyRecoveryFilter {

  private static final Logger log = LoggerFactory.getLogger(RecoveryLog.class);

  private final long recoveryIntervalMillis;
  // One per connection name (Messaging names its two connections apart); each updated by its
  // connection's recovery thread.
  private final Map<String, Outage> outages = new ConcurrentHashMap<>();

  RecoveryLog(long recoveryIntervalMillis) {
    this.recoveryIntervalMillis = recoveryIntervalMillis;
  }

  private static final class Outage {
    final String cause;
    int attempts = 1;
    int failures;

    Outage(String cause) {
      this.cause = cause;
    }
  }

  /** Reports the recoveries of an auto-recovering connection made with this handler. */
  void watch(Connection connection) {
    String name = connection.getClientProvidedName();
    ((Recoverable) connection)
        .addRecoveryListener(
            new RecoveryListener() {
              @Override
              public void handleRecoveryStarted(Recoverable recoverable) {
                // The connection still holds the signal that closed it.
                outages.put(name, new Outage(describe(connection.getCloseReason())));
              }

              @Override
              public void handleRecovery(Recoverable recoverable) {
                Outage o = outages.remove(name);
                if (o == null) {
                  return;
                }
                log.warn(
                    "connection '{}' was lost ({}) and has recovered{}{}",
                    name,
                    o.cause,
                    o.attempts > 1 ? " at reconnection attempt " + o.attempts : "",
                    o.failures > 0
                        ? ", except "
                            + o.failures
                            + " channel(s), declaration(s) or consumer(s) logged above as errors"
                        : " (channels, declarations and consumers)");
              }
            });
  }

  @Override
  public void handleUnexpectedConnectionDriverException(Connection conn, Throwable exception) {
    // The connection closes and recovers: the recovery line names the cause.
    log.debug("connection '{}' dropped", conn.getClientProvidedName(), exception);
  }

  @Override
  public void handleConnectionRecoveryException(Connection conn, Throwable exception) {
    String name = conn.getClientProvidedName();
    Outage o = outages.get(name);
    int attempt;
    if (o == null) {
      attempt = 1;
    } else {
      synchronized (o) {
        attempt = o.attempts++;
      }
    }
    if (attempt == 1) {
      log.warn(
          "connection '{}' was lost ({}) and the broker is not back yet ({}); trying again every {}"
              + " ms",
          name,
          o == null ? "cause unknown" : o.cause,
          exception.toString(),
          recoveryIntervalMillis);
    } else {
      log.debug("connection '{}': reconnection attempt {} failed", name, attempt, exception);
    }
  }

  @Override
  public void handleChannelRecoveryException(Channel ch, Throwable exception) {
    failed(
        ch.getConnection(),
        "channel " + ch.getChannelNumber() + " not reopened: " + exception,
        exception);
  }

  @Override
  public void handleTopologyRecoveryException(
      Connection conn, Channel ch, TopologyRecoveryException exception) {
    String what = String.valueOf(exception.getMessage());
    if (what.endsWith(": null")) {
      what = what.substring(0, what.length() - ": null".length());
    }
    String refusal = refusal(exception);
    failed(conn, refusal == null ? what : what + " (" + refusal + ")", exception);
  }

  private void failed(Connection conn, String what, Throwable exception) {
    String name = conn.getClientProvidedName();
    Outage o = outages.get(name);
    if (o != null) {
      synchronized (o) {
        o.failures++;
      }
    }
    log.error("connection '{}': recovery failed: {}", name, what);
    log.debug("connection '{}': recovery failure", name, exception);
  }

  @Override
  public boolean filterExchange(RecordedExchange exchange) {
    return onOpenChannel(exchange);
  }

  @Override
  public boolean filterQueue(RecordedQueue queue) {
    return onOpenChannel(queue);
  }

  @Override
  public boolean filterBinding(RecordedBinding binding) {
    return onOpenChannel(binding);
  }

  // Channels still in use have been recovered by now; a channel closed since its declaration keeps
  // its closed delegate, on which the client would try, and fail, to declare again.
  private static boolean onOpenChannel(RecordedEntity entity) {
    return entity.getChannel() != null && entity.getChannel().isOpen();
  }

  // The broker's words when it closed a channel over the failed call (e.g. "405 RESOURCE_LOCKED -
  // ..."), which the client's message often leaves out.
  private static String refusal(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ShutdownSignalException s
          && s.getReason() instanceof AMQP.Channel.Close close) {
        return close.getReplyCode() + " " + close.getReplyText();
      }
    }
    return null;
  }

  /** Why a connection closed, in a few words. */
  static String describe(ShutdownSignalException signal) {
    if (signal == null) {
      return "cause unknown";
    }
    if (signal.getReason() instanceof AMQP.Connection.Close close) {
      return "closed by the broker: " + close.getReplyCode() + " " + close.getReplyText();
    }
    Throwable cause = signal.getCause();
    return cause != null ? cause.toString() : signal.getMessage();
  }
}
