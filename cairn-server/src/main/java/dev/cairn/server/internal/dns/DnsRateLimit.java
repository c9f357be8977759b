package dev.cairn.server.internal.dns;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Ticker;
import dev.cairn.server.internal.limits.TokenBucket;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Response-rate limiting of DNS over UDP, per client address (issue 13, item 4; decision 0169): a
 * UDP query's source address can be forged, so without a limit the server answers whoever the
 * attacker names, with answers far larger than the queries (an amplifier). Each client address gets
 * {@code perSecond} answers a second, in bursts of up to {@code burst}; beyond that, every {@code
 * slip}-th query gets a small truncated answer (TC, no records: a real client asks again over TCP,
 * which cannot be forged) and the others none. While limiting, UDP answers are also kept within
 * {@value #MAX_UDP_BYTES} bytes whatever EDNS0 size a query advertises (larger ones are truncated
 * to TC), so each answer amplifies less. TCP is not limited.
 *
 * <p>Confined to the DNS listener's one event-loop thread (not thread-safe). Remembers at most
 * {@value #MAX_CLIENTS} addresses, forgetting the least recently seen.
 */
public final class DnsRateLimit {

  /** What to do with a query over UDP. */
  enum Verdict {
    /** Answer it. */
    ANSWER,
    /** Answer with an empty truncated answer (TC): the client asks again over TCP. */
    SLIP,
    /** Send nothing. */
    DROP
  }

  /** Answers a second per client address by default. */
  public static final double DEFAULT_PER_SECOND = 100;

  /** The largest UDP answer while limiting (the EDNS0 size of the DNS flag day 2020). */
  static final int MAX_UDP_BYTES = 1232;

  /** Client addresses remembered. */
  static final int MAX_CLIENTS = 65_536;

  private final double perSecond;
  private final double burst;
  private final int slip;
  private final Ticker ticker;
  private final boolean exemptLoopback;
  private final Map<InetAddress, Client> clients =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Client> eldest) {
          return size() > MAX_CLIENTS;
        }
      };

  private DnsRateLimit(
      double perSecond, double burst, int slip, Ticker ticker, boolean exemptLoopback) {
    new TokenBucket(perSecond, burst, 0); // checks the rate and the burst
    if (slip < 0) {
      throw new IllegalArgumentException("slip: " + slip + " (expected: >= 0)");
    }
    this.perSecond = perSecond;
    this.burst = burst;
    this.slip = slip;
    this.ticker = requireNonNull(ticker, "ticker");
    this.exemptLoopback = exemptLoopback;
  }

  /**
   * The server's limit: {@code perSecond} answers a second per client address, in bursts of twice
   * that, every second query over it answered truncated; queries from loopback addresses (which
   * cannot come from elsewhere) are not limited.
   */
  public static DnsRateLimit perClient(double perSecond) {
    return new DnsRateLimit(perSecond, Math.max(1, 2 * perSecond), 2, Ticker.system(), true);
  }

  /** A limit on {@code ticker}'s time that limits every address, loopback too; for tests. */
  static DnsRateLimit forTest(double perSecond, double burst, int slip, Ticker ticker) {
    return new DnsRateLimit(perSecond, burst, slip, ticker, false);
  }

  /** The answers a second per client address. */
  public double perSecond() {
    return perSecond;
  }

  /** What to do with a UDP query from {@code client}. */
  Verdict check(InetAddress client) {
    if (exemptLoopback && client.isLoopbackAddress()) {
      return Verdict.ANSWER;
    }
    long now = ticker.nanos();
    Client c = clients.get(client);
    if (c == null) {
      c = new Client(new TokenBucket(perSecond, burst, now));
      clients.put(client, c);
    }
    if (c.bucket.tryTake(now)) {
      return Verdict.ANSWER;
    }
    c.refused++;
    return slip > 0 && c.refused % slip == 0 ? Verdict.SLIP : Verdict.DROP;
  }

  /** The size limit of a UDP answer whose query allows {@code requested} bytes. */
  int udpLimit(int requested) {
    return Math.min(requested, MAX_UDP_BYTES);
  }

  /** The client addresses remembered now. */
  int clients() {
    return clients.size();
  }

  private static final class Client {
    final TokenBucket bucket;
    long refused;

    Client(TokenBucket bucket) {
      this.bucket = bucket;
    }
  }
}
