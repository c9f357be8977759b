package dev.cairn.server.internal.http;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Names;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.Watch;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.internal.auth.Requirement;
import dev.cairn.server.internal.limits.TokenQuota;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * {@code GET /v1/watch/services/{service}} and {@code GET /v1/watch/services}: a service watch, and
 * a namespace's service-list watch, as server-sent events.
 */
final class WatchEndpoint {

  private static final Set<String> PARAMS = Set.of("namespace", "index", "consistent");

  private final Registry registry;
  private final ClientQuota quota;
  private final Duration keepAlive;
  private final AtomicInteger open = new AtomicInteger();

  private final TokenQuota tokenQuota; // null: no limit per token

  WatchEndpoint(
      Registry registry, int maxWatchesPerClient, TokenQuota tokenQuota, Duration keepAlive) {
    this.registry = registry;
    this.quota = new ClientQuota(maxWatchesPerClient);
    this.tokenQuota = tokenQuota;
    this.keepAlive = keepAlive;
  }

  /** The event streams open now. */
  int openStreams() {
    return open.get();
  }

  /** {@code GET /v1/watch/services/{service}}. */
  void watch(Exchange ex) {
    ex.checkParams(PARAMS, false);
    String ns = ex.namespace();
    String service = Names.checkLabel("service", ex.segment(3));
    long from = fromRevision(ex);
    java.util.function.Supplier<CairnException> refusal =
        ex.refusalNow(Requirement.service(Resource.SERVICE, Access.READ), ns, service);
    stream(
        ex,
        stream -> {
          stream.recheck(refusal);
          return registry.watchService(ns, service, from, stream);
        });
  }

  /** {@code GET /v1/watch/services}. */
  void watchServices(Exchange ex) {
    ex.checkParams(PARAMS, false);
    String ns = ex.namespace();
    long from = fromRevision(ex);
    // The token's rights at each list, not only at the request (decision 0217).
    java.util.function.Supplier<dev.cairn.server.core.acl.Authorizer> rights = ex.liveAuthorizer();
    java.util.function.Supplier<CairnException> refusal =
        ex.refusalNow(Requirement.namespace(Resource.SERVICE, Access.READ), ns, "");
    stream(
        ex,
        stream -> {
          stream.recheck(refusal);
          stream.filterLists(
              list -> dev.cairn.server.internal.auth.AclGuard.readable(rights.get(), list));
          return registry.watchServices(ns, from, stream);
        });
  }

  private void stream(Exchange ex, Function<SseStream, Watch> start) {
    InetAddress client = ((InetSocketAddress) ex.channel().remoteAddress()).getAddress();
    if (!quota.tryAcquire(client)) {
      throw CairnException.of(
          ErrorCode.RESOURCE_EXHAUSTED,
          "watches",
          "watches: "
              + quota.max()
              + " open from "
              + client.getHostAddress()
              + " (expected: at most "
              + quota.max()
              + " per client address)");
    }
    String token = tokenQuota == null ? null : ex.tokenAccessor();
    if (token != null && !tokenQuota.tryAcquire(token)) {
      quota.release(client);
      throw CairnException.of(
          ErrorCode.RESOURCE_EXHAUSTED,
          "watches",
          "watches: "
              + tokenQuota.max()
              + " open with token "
              + token
              + " (expected: at most "
              + tokenQuota.max()
              + " per token)");
    }
    SseStream stream = new SseStream(ex.channel());
    Watch watch;
    try {
      watch = start.apply(stream);
    } catch (RuntimeException e) {
      quota.release(client);
      if (token != null) {
        tokenQuota.release(token);
      }
      throw e;
    }
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    open.incrementAndGet();
    ex.startStream(head, stream);
    stream.attach(
        watch,
        keepAlive,
        () -> {
          quota.release(client);
          if (token != null) {
            tokenQuota.release(token);
          }
          open.decrementAndGet();
        });
  }

  /** The revision to resume after: {@code Last-Event-ID}, else {@code ?index=}, else 0. */
  private long fromRevision(Exchange ex) {
    String text = ex.headers().get("Last-Event-ID");
    if (text == null || text.isEmpty()) {
      text = ex.param("index");
    }
    return text == null ? 0 : LongPoll.revision("index", text.trim(), registry.revision());
  }
}
