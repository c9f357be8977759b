package dev.cairn.server.internal.http;

import dev.cairn.common.CairnException;
import dev.cairn.common.Durations;
import dev.cairn.common.Limits;
import dev.cairn.common.Names;
import dev.cairn.server.core.DrainReport;
import dev.cairn.server.core.Registry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v1/services/{service}/drained?revision=R&timeout=30s}: waits until every watcher of
 * the service on this server has received revision R (confirmed drain), or the timeout passes, and
 * answers 200 with the report either way.
 */
final class DrainEndpoint {

  private static final Set<String> PARAMS = Set.of("namespace", "revision", "timeout");
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private final Registry registry;

  DrainEndpoint(Registry registry) {
    this.registry = registry;
  }

  /** {@code GET /v1/services/{service}/drained}. */
  void drained(Exchange ex) {
    ex.checkParams(PARAMS, false);
    String ns = ex.namespace();
    String service = Names.checkLabel("service", ex.segment(2));
    String revisionText = ex.param("revision");
    if (revisionText == null) {
      throw CairnException.invalid("revision", null, "a revision >= 1 (e.g. a deregistration's)");
    }
    long revision;
    try {
      revision = Long.parseLong(revisionText);
    } catch (NumberFormatException e) {
      throw CairnException.invalid("revision", revisionText, "a revision >= 1");
    }
    String timeoutText = ex.param("timeout");
    Duration timeout =
        timeoutText == null ? DEFAULT_TIMEOUT : Durations.parse("timeout", timeoutText);
    if (timeout.isNegative() || timeout.toMillis() > Limits.MAX_WAIT_MILLIS) {
      throw CairnException.invalid(
          "timeout", timeoutText, "0.." + Duration.ofMillis(Limits.MAX_WAIT_MILLIS));
    }
    CompletableFuture<DrainReport> drain = registry.awaitDrained(ns, service, revision, timeout);
    ex.onAbandon(() -> drain.cancel(false));
    ex.reply(drain, DrainEndpoint::encode);
  }

  static byte[] encode(DrainReport r) {
    return JsonBodies.encode(
        g -> {
          g.writeStartObject();
          g.writeBooleanField("drained", r.drained());
          g.writeNumberField("revision", r.revision());
          g.writeNumberField("watchers", r.watchers());
          g.writeNumberField("waitedMillis", r.waited().toMillis());
          g.writeArrayFieldStart("pending");
          for (DrainReport.PendingWatcher p : r.pending()) {
            g.writeStartObject();
            g.writeStringField("watcher", p.watcher());
            g.writeNumberField("acknowledged", p.acknowledged());
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeEndObject();
        });
  }
}
