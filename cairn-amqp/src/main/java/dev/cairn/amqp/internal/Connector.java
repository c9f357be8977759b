package dev.cairn.amqp.internal;

import com.rabbitmq.client.Address;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.PossibleAuthenticationFailureException;
import dev.cairn.amqp.BrokerAddressSource;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens auto-recovering connections: the client library recovers connections, channels and
 * consumers after a drop (what it logs then, and which declarations it repeats, is {@link
 * RecoveryLog}'s), but gives up at once on the first connection; this class retries that one with
 * exponential backoff and jitter until a deadline (the last wait cut short so that one more attempt
 * is made at the deadline), then fails with a clear error naming the addresses tried and the last
 * cause.
 *
 * <p>Thread-safe; {@link #connect} blocks the caller while it retries.
 */
public final class Connector {

  private static final Logger log = LoggerFactory.getLogger(Connector.class);

  private final ConnectionFactory factory;
  private final BrokerAddressSource source;
  private final Duration firstConnectTimeout;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final ExecutorService consumerExecutor;
  private final RecoveryLog recoveryLog;

  public Connector(
      BrokerAddressSource source,
      String username,
      String password,
      String virtualHost,
      Duration recoveryInterval,
      Duration firstConnectTimeout,
      Duration initialBackoff,
      Duration maxBackoff,
      ExecutorService consumerExecutor) {
    this.source = source;
    this.firstConnectTimeout = firstConnectTimeout;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.consumerExecutor = consumerExecutor;
    ConnectionFactory f = new ConnectionFactory();
    f.setUsername(username);
    f.setPassword(password);
    f.setVirtualHost(virtualHost);
    f.setAutomaticRecoveryEnabled(true);
    f.setTopologyRecoveryEnabled(true);
    f.setNetworkRecoveryInterval(recoveryInterval.toMillis());
    f.setConnectionTimeout(5_000);
    f.setRequestedHeartbeat(10);
    this.recoveryLog = new RecoveryLog(recoveryInterval.toMillis());
    f.setExceptionHandler(recoveryLog);
    f.setTopologyRecoveryFilter(recoveryLog);
    this.factory = f;
  }

  /**
   * An open, auto-recovering connection with the given client-provided name.
   *
   * @throws CairnException {@link ErrorCode#UNAVAILABLE} when no broker answered within the first
   *     connect timeout, {@link ErrorCode#FAILED_PRECONDITION} when the broker refused the
   *     credentials
   */
  public Connection connect(String name) {
    long start = System.nanoTime();
    long deadline = start + firstConnectTimeout.toNanos();
    long backoffNanos = initialBackoff.toNanos();
    int attempt = 0;
    boolean atDeadline = false;
    while (true) {
      attempt++;
      List<Address> addresses = List.of();
      try {
        addresses = addresses();
        Connection connection = factory.newConnection(consumerExecutor, this::addresses, name);
        recoveryLog.watch(connection);
        return connection;
      } catch (PossibleAuthenticationFailureException e) {
        throw CairnException.of(
            ErrorCode.FAILED_PRECONDITION,
            "broker at " + addresses + " refused the credentials: " + e.getMessage());
      } catch (IOException | TimeoutException | RuntimeException e) {
        long now = System.nanoTime();
        if (atDeadline || now - deadline >= 0) {
          throw CairnException.of(
              ErrorCode.UNAVAILABLE,
              "broker unreachable at "
                  + addresses
                  + " after "
                  + attempt
                  + " attempt(s) in "
                  + TimeUnit.NANOSECONDS.toMillis(now - start)
                  + " ms (first connect timeout "
                  + firstConnectTimeout
                  + "): "
                  + describe(e));
        }
        long sleep = ThreadLocalRandom.current().nextLong(backoffNanos / 2, backoffNanos + 1);
        if (sleep - (deadline - now) >= 0) {
          // The last wait ends at the deadline, where one more attempt is made.
          sleep = deadline - now;
          atDeadline = true;
        }
        log.warn(
            "broker unreachable at {} (attempt {}): {}; retrying in {} ms",
            addresses,
            attempt,
            describe(e),
            TimeUnit.NANOSECONDS.toMillis(sleep));
        try {
          sleepUntil(now + sleep);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw CairnException.of(
              ErrorCode.UNAVAILABLE, "interrupted while connecting to the broker");
        }
        backoffNanos = Math.min(backoffNanos * 2, maxBackoff.toNanos());
      }
    }
  }

  // Thread.sleep may wake a fraction of a millisecond early; the last attempt must not.
  private static void sleepUntil(long wakeAtNanos) throws InterruptedException {
    for (long left = wakeAtNanos - System.nanoTime(); left > 0; ) {
      TimeUnit.NANOSECONDS.sleep(left);
      left = wakeAtNanos - System.nanoTime();
    }
  }

  private List<Address> addresses() throws IOException {
    List<InetSocketAddress> found = source.addresses();
    if (found == null || found.isEmpty()) {
      throw new IOException("no broker address known (the address source is empty)");
    }
    List<Address> list = new ArrayList<>(found.size());
    for (InetSocketAddress a : found) {
      list.add(new Address(a.getHostString(), a.getPort()));
    }
    return list;
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    Throwable cause = e.getCause();
    if ((message == null || message.isEmpty()) && cause != null) {
      message = cause.toString();
    }
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
