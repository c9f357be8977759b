package dev.cairn.loadgen.internal;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * A closed-loop HTTP read load: {@code connections} workers, each on its own keep-alive connection
 * with one {@code GET uri} outstanding at a time, for {@code duration}. A read counts as ok when
 * the status is 200 and the body has exactly {@code bodyBytes} bytes (the listed service does not
 * change while it is read); anything else is an error. Each worker also stops after {@code
 * maxReadsPerConnection} reads, and a request without a response for {@code requestTimeout} is an
 * error that ends its worker. With several URIs (the members of a cluster), connection {@code i}
 * reads from {@code uris[i % n]}. With {@code gzip} every request asks for gzip ({@code
 * Accept-Encoding: gzip}) and a read counts as ok only when its answer came gzipped and inflates to
 * {@code bodyBytes} bytes, as Python's {@code requests} and Node's {@code fetch} read by default.
 */
record ReadPlan(
    List<URI> uris,
    int connections,
    long bodyBytes,
    Duration duration,
    long maxReadsPerConnection,
    Duration requestTimeout,
    String token,
    boolean gzip) {

  ReadPlan {
    uris = List.copyOf(uris);
    if (uris.isEmpty()) {
      throw new IllegalArgumentException("uris: none (expected: at least one)");
    }
    requireNonNull(duration, "duration");
    requireNonNull(requestTimeout, "requestTimeout");
    if (connections < 1) {
      throw new IllegalArgumentException("connections: " + connections + " (expected: >= 1)");
    }
    if (bodyBytes < 1) {
      throw new IllegalArgumentException("bodyBytes: " + bodyBytes + " (expected: >= 1)");
    }
  }

  /** A plan reading one URI. */
  ReadPlan(
      URI uri,
      int connections,
      long bodyBytes,
      Duration duration,
      long maxReadsPerConnection,
      Duration requestTimeout) {
    this(
        List.of(requireNonNull(uri, "uri")),
        connections,
        bodyBytes,
        duration,
        maxReadsPerConnection,
        requestTimeout,
        null,
        false);
  }

  /** The first URI. */
  URI uri() {
    return uris.get(0);
  }

  /** The URI connection {@code i} reads. */
  URI uri(int connection) {
    return uris.get(connection % uris.size());
  }

  ReadPlan withDuration(Duration d) {
    return new ReadPlan(
        uris, connections, bodyBytes, d, maxReadsPerConnection, requestTimeout, token, gzip);
  }

  ReadPlan withBodyBytes(long n) {
    return new ReadPlan(
        uris, connections, n, duration, maxReadsPerConnection, requestTimeout, token, gzip);
  }

  /** How long a caller waits for all workers: the duration plus one request timeout and 5 s. */
  Duration bound() {
    return duration.plus(requestTimeout).plusSeconds(5);
  }
}
