package dev.cairn.server.internal.http;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Names;
import dev.cairn.server.core.SessionAccess;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.internal.auth.AclGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AsciiString;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its (single) answer. The request's parts are read on the channel's event loop
 * while the endpoint runs; {@link #ok} and {@link #fail} may be called from any thread, and only
 * the first answer is sent.
 */
final class Exchange {

  private Authorizer authorizer = Authorizer.ALL;
  private AclGuard acl;

  static final AsciiString INDEX_HEADER = AsciiString.cached("X-Cairn-Index");
  static final AsciiString PROTECTION_HEADER = AsciiString.cached("X-Cairn-Protection");
  static final AsciiString NAMESPACE_HEADER = AsciiString.cached("X-Cairn-Namespace");

  private static final Logger log = LoggerFactory.getLogger(Exchange.class);

  /** The query parameters that may be given more than once: {@code tag=a&tag=b}. */
  private static final Set<String> REPEATABLE = Set.of("tag");

  private final HttpApiHandler handler;
  private final ChannelHandlerContext ctx;
  private final FullHttpRequest request;
  private final String[] segments;
  private final QueryStringDecoder query;
  private final long startNanos = System.nanoTime();
  // Touched only on the event loop.
  private Route route;
  private boolean done;
  private Runnable onAbandon;

  Exchange(
      HttpApiHandler handler,
      ChannelHandlerContext ctx,
      FullHttpRequest request,
      QueryStringDecoder query,
      String[] segments) {
    this.handler = handler;
    this.ctx = ctx;
    this.request = request;
    this.query = query;
    this.segments = segments;
  }

  ChannelHandlerContext ctx() {
    return ctx;
  }

  HttpHeaders headers() {
    return request.headers();
  }

  Channel channel() {
    return ctx.channel();
  }

  /** When the request arrived ({@link System#nanoTime()}). */
  long startNanos() {
    return startNanos;
  }

  /** The route matched, or null before (and when none matched); event loop only. */
  Route route() {
    return route;
  }

  void route(Route route) {
    this.route = route;
  }

  HttpMethod method() {
    return request.method();
  }

  EventLoop eventLoop() {
    return ctx.channel().eventLoop();
  }

  /** The request's path, still percent-encoded. */
  String path() {
    return query.rawPath();
  }

  /** The number of path segments. */
  int segmentCount() {
    return segments.length;
  }

  /** Path segment {@code i}, percent-decoded. */
  String segment(int i) {
    try {
      return QueryStringDecoder.decodeComponent(segments[i]);
    } catch (IllegalArgumentException e) {
      throw CairnException.invalid("path", segments[i], "a percent-encoded UTF-8 path segment");
    }
  }

  /**
   * The value of single-valued query parameter {@code name}, or null when absent; refuses it given
   * more than once (never one of them picked silently).
   */
  String param(String name) {
    List<String> values = parameters().get(name);
    if (values == null || values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw givenTwice(name, values);
    }
    return values.get(0);
  }

  /** All values of a repeatable query parameter {@code name}; empty when absent. */
  List<String> params(String name) {
    return parameters().getOrDefault(name, List.of());
  }

  Map<String, List<String>> params() {
    return parameters();
  }

  /**
   * Rejects query parameters other than {@code allowed} and, when {@code metaFilters}, {@code
   * meta.<key>}; and each of them given more than once, but {@link #REPEATABLE} ones.
   */
  void checkParams(Set<String> allowed, boolean metaFilters) {
    if (query.rawQuery().isEmpty()) {
      return;
    }
    for (Map.Entry<String, List<String>> p : parameters().entrySet()) {
      String name = p.getKey();
      if (!allowed.contains(name) && !(metaFilters && name.startsWith("meta."))) {
        // Its value is not repeated: an unknown parameter may be a secret sent where it is not
        // read (?token=, which the front doors take).
        throw CairnException.of(
            ErrorCode.INVALID_ARGUMENT,
            name,
            name + ": unknown parameter (expected: " + expectedParams(allowed, metaFilters) + ")");
      }
      if (p.getValue().size() > 1 && !REPEATABLE.contains(name)) {
        throw givenTwice(name, p.getValue());
      }
    }
  }

  private static String expectedParams(Set<String> allowed, boolean metaFilters) {
    if (allowed.isEmpty() && !metaFilters) {
      return "no query parameters";
    }
    List<String> names = new ArrayList<>(new TreeSet<>(allowed));
    if (metaFilters) {
      names.add("meta.<key>");
    }
    return "one of the parameters " + names;
  }

  private static CairnException givenTwice(String name, List<String> values) {
    return CairnException.invalid(
        name, values, "the parameter once, not " + values.size() + " times");
  }

  private Map<String, List<String>> parameters() {
    try {
      return query.parameters();
    } catch (IllegalArgumentException e) {
      throw CairnException.invalid("query", query.rawQuery(), "percent-encoded UTF-8 parameters");
    }
  }

  /** The request's namespace: {@code ?namespace=}, else the header, else {@code default}. */
  String namespace() {
    String ns = param("namespace");
    if (ns == null) {
      ns = request.headers().get(NAMESPACE_HEADER);
    }
    return Names.namespace(ns);
  }

  /** The header that carries a session's secret. */
  static final String SESSION_SECRET_HEADER = "X-Cairn-Session-Secret";

  /**
   * What this request proves about sessions: the secret in {@value #SESSION_SECRET_HEADER}, or
   * nothing (decision 0165).
   */
  SessionAccess sessionAccess() {
    return SessionAccess.secret(request.headers().get(SESSION_SECRET_HEADER));
  }

  /**
   * What this request proves about sessions for a write to {@code service}: the session secret it
   * carries, or — ACLs on and a token with write on the service — every session.
   */
  SessionAccess sessionAccess(String namespace, String service) {
    return acl == null
        ? sessionAccess()
        : acl.sessionAccess(authorizer, sessionAccess(), namespace, service);
  }

  /**
   * The token this request carries ({@code Authorization: Bearer} or {@code X-Cairn-Token});
   * refuses two different ones ({@link AclGuard#token}).
   */
  String token() {
    return AclGuard.token(
        request.headers().get(HttpHeaderNames.AUTHORIZATION),
        request.headers().get(AclGuard.TOKEN_HEADER));
  }

  /** What this request's caller may do under {@code acl} ({@link AclGuard#caller}). */
  Authorizer caller(AclGuard acl) {
    return acl.caller(
        request.headers().get(HttpHeaderNames.AUTHORIZATION),
        request.headers().get(AclGuard.TOKEN_HEADER));
  }

  /**
   * Who makes this request, for the audit (decision 0171): its token's accessor id (empty without
   * ACLs or a token) and the client's address.
   */
  dev.cairn.server.core.Author author() {
    return dev.cairn.server.core.Author.of(authorizer.accessorId(), remoteAddress(channel()));
  }

  /** {@code host:port} of the channel's peer ({@code [v6]:port} for IPv6), or empty. */
  static String remoteAddress(Channel channel) {
    java.net.SocketAddress a = channel.remoteAddress();
    if (a instanceof java.net.InetSocketAddress inet && inet.getAddress() != null) {
      String host = inet.getAddress().getHostAddress();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return a == null ? "" : a.toString();
  }

  /** Records what the caller may do, once its token is checked. */
  void authorized(Authorizer authorizer, AclGuard acl) {
    this.authorizer = authorizer;
    this.acl = acl;
  }

  /**
   * The accessor id of the ACL token this request carries when ACLs are on and the token is known;
   * null otherwise (ACLs off, no token, an unknown token): what per-token limits count.
   */
  String tokenAccessor() {
    if (acl == null
        || authorizer.kind() != Authorizer.Kind.KNOWN
        || authorizer.accessorId().isEmpty()) {
      return null;
    }
    return authorizer.accessorId();
  }

  /**
   * What this request's caller is refused now of {@code required} on {@code service} of {@code
   * namespace}, each time the supplier is called: null while allowed (always, ACLs off). For an
   * event stream, which outlives the check of its request (decision 0217).
   */
  java.util.function.Supplier<CairnException> refusalNow(
      dev.cairn.server.internal.auth.Requirement required, String namespace, String service) {
    AclGuard guard = acl;
    if (guard == null || !guard.enforced()) {
      return () -> null;
    }
    java.util.function.Supplier<Authorizer> rights = guard.live(token());
    return () -> guard.refusalNow(rights, required, namespace, service);
  }

  /** The caller's rights as they are at each call of the supplier (see {@link AclGuard#live}). */
  java.util.function.Supplier<Authorizer> liveAuthorizer() {
    AclGuard guard = acl;
    if (guard == null || !guard.enforced()) {
      Authorizer now = authorizer;
      return () -> now;
    }
    return guard.live(token());
  }

  /** What the caller may do; everything before {@link #authorized} (ACLs off). */
  Authorizer authorizer() {
    return authorizer;
  }

  /**
   * The request body, checked to be {@code application/json} when not empty. Valid only while the
   * endpoint runs on the event loop.
   */
  ByteBuf jsonBody() {
    ByteBuf body = request.content();
    if (body.isReadable() && !isJson(request.headers().get(HttpHeaderNames.CONTENT_TYPE))) {
      throw new ApiError(
          HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
          ErrorCode.INVALID_ARGUMENT,
          "content-type",
          "content-type: "
              + request.headers().get(HttpHeaderNames.CONTENT_TYPE)
              + " (expected: application/json)");
    }
    return body;
  }

  /**
   * Refuses a request that carries a body to an endpoint that reads none (never ignored silently);
   * {@code why} says why there is none.
   */
  void refuseBody(String why) {
    int bytes = request.content().readableBytes();
    if (bytes > 0) {
      throw CairnException.of(
          ErrorCode.INVALID_ARGUMENT,
          "body",
          "body: " + bytes + " bytes (expected: no body; " + why + ")");
    }
  }

  /** Runs {@code hook} if the channel closes before this exchange is answered. */
  void onAbandon(Runnable hook) {
    this.onAbandon = hook;
  }

  /** Whether this exchange was answered; event loop only. */
  boolean isDone() {
    return done;
  }

  /** Answers 200 with {@code json}. */
  void ok(byte[] json) {
    ok(json, -1);
  }

  /** Answers 200 with {@code body} of {@code contentType}. */
  void okText(byte[] body, String contentType) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    send(r);
  }

  /** Answers 200 with {@code json} and, when {@code index >= 0}, the {@code X-Cairn-Index}. */
  void ok(byte[] json, long index) {
    send(HttpResponseStatus.OK, json, index);
  }

  /**
   * Answers 200 with a JSON body cached per revision (made by {@link #directBody} and shared by
   * many answers: written to the socket as it is, not copied per answer), and the {@code
   * X-Cairn-Index} when {@code index >= 0}. When the request's {@code Accept-Encoding} takes gzip
   * and the body has at least {@link GzipBodies#MIN_BYTES}, answers {@code gzipped.get()} (the same
   * body, compressed and cached beside it) with {@code Content-Encoding: gzip}. Either way the
   * answer says {@code Vary: Accept-Encoding}.
   */
  void ok(ByteBuffer json, long index, Supplier<ByteBuffer> gzipped) {
    boolean gzip =
        json.remaining() >= GzipBodies.MIN_BYTES && GzipBodies.accepted(request.headers());
    ByteBuf body = Unpooled.wrappedBuffer((gzip ? gzipped.get() : json).duplicate());
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    if (gzip) {
      h.set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
    }
    h.set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
    if (index >= 0) {
      h.set(INDEX_HEADER, Long.toString(index));
    }
    send(r);
  }

  /**
   * {@code bytes} in direct (off-heap) memory, for a body answered many times: a heap body is
   * copied into direct memory on every write to a socket, a direct one is not. The memory goes with
   * the buffer (when the cache that holds it lets it go); read-only, so no answer changes it.
   */
  static ByteBuffer directBody(byte[] bytes) {
    ByteBuffer b = ByteBuffer.allocateDirect(bytes.length);
    b.put(bytes).flip();
    return b.asReadOnlyBuffer();
  }

  /**
   * Answers 200 with {@code json} and the index, plus {@code X-Cairn-Protection: true} when a
   * healthy-only read was answered with every instance (the protection threshold).
   */
  void ok(byte[] json, long index, boolean protection) {
    FullHttpResponse r = response(HttpResponseStatus.OK, json, index);
    if (protection) {
      r.headers().set(PROTECTION_HEADER, "true");
    }
    send(r);
  }

  /** Answers with {@code future}'s value encoded by {@code encoder}, or with its failure. */
  <T> void reply(CompletableFuture<T> future, Function<T, byte[]> encoder) {
    future.whenComplete(
        (value, error) -> {
          if (error != null) {
            fail(error);
            return;
          }
          byte[] json;
          try {
            json = encoder.apply(value);
          } catch (RuntimeException e) {
            fail(e);
            return;
          }
          ok(json);
        });
  }

  /** Answers with the error body for {@code error}. */
  void fail(Throwable error) {
    Throwable e = unwrap(error);
    if (e instanceof CairnException) {
      CairnException ce = (CairnException) e;
      send(
          HttpResponseStatus.valueOf(ce.code().httpStatus()),
          JsonBodies.error(ce.code(), ce.field(), ce.getMessage()),
          -1);
    } else if (e instanceof ApiError) {
      ApiError ae = (ApiError) e;
      FullHttpResponse r =
          response(ae.status(), JsonBodies.error(ae.code(), ae.field(), ae.getMessage()), -1);
      if (ae.retryAfterSeconds() > 0) {
        r.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(ae.retryAfterSeconds()));
      }
      send(r);
    } else {
      log.warn("{} {} failed", request.method(), request.uri(), e);
      send(
          HttpResponseStatus.INTERNAL_SERVER_ERROR,
          JsonBodies.error(ErrorCode.INTERNAL, null, "internal error: " + e),
          -1);
    }
  }

  /** Answers with the error body and {@code Allow} for a method the path does not take. */
  void methodNotAllowed(List<HttpMethod> allowed) {
    StringBuilder allow = new StringBuilder();
    for (HttpMethod m : allowed) {
      allow.append(allow.length() == 0 ? "" : ", ").append(m.name());
    }
    FullHttpResponse r =
        response(
            HttpResponseStatus.METHOD_NOT_ALLOWED,
            JsonBodies.error(
                ErrorCode.INVALID_ARGUMENT,
                "method",
                "method: " + request.method() + " (expected: " + allow + ")"),
            -1);
    r.headers().set(HttpHeaderNames.ALLOW, allow.toString());
    send(r);
  }

  /**
   * Turns this exchange into a stream: sends {@code head} (a response without a length) and hands
   * the connection to {@code stream}. Event loop only.
   */
  void startStream(HttpResponse head, HttpApiHandler.Stream stream) {
    done = true;
    onAbandon = null;
    handler.decorate(head.headers());
    ctx.writeAndFlush(head);
    handler.record(this, head.status().code());
    handler.streaming(this, stream);
  }

  /**
   * The server is shutting down (event loop only): a request that waits (one that set {@link
   * #onAbandon}: a long-poll, a drain) stops waiting and is answered 503 {@code UNAVAILABLE}; any
   * other is answered when it is done.
   */
  void shutDown() {
    Runnable hook = onAbandon;
    if (done || hook == null) {
      return;
    }
    fail(CairnException.of(ErrorCode.UNAVAILABLE, "the server is shutting down"));
    hook.run();
  }

  /** Called by the handler when the channel closed before the answer. */
  void abandon() {
    done = true;
    Runnable hook = onAbandon;
    onAbandon = null;
    if (hook != null) {
      hook.run();
    }
  }

  /** Runs {@code task} on the event loop; dropped when the server is shutting down. */
  void execute(Runnable task) {
    try {
      eventLoop().execute(task);
    } catch (RejectedExecutionException e) {
      // The server is closing; the channel is closed with it.
    }
  }

  private void send(HttpResponseStatus status, byte[] json, long index) {
    send(response(status, json, index));
  }

  /**
   * Answers with {@code response}, whatever its content type; the first answer wins. The answer to
   * a {@code HEAD} is the same without its body: same status and headers, {@code Content-Length}
   * included.
   */
  void send(FullHttpResponse response) {
    if (!eventLoop().inEventLoop()) {
      try {
        eventLoop().execute(() -> send(response));
      } catch (RejectedExecutionException e) {
        response.release();
      }
      return;
    }
    if (done) {
      response.release();
      return;
    }
    done = true;
    onAbandon = null;
    FullHttpResponse answer =
        request.method().equals(HttpMethod.HEAD) ? withoutBody(response) : response;
    handler.decorate(answer.headers());
    if (handler.closing()) {
      // HttpServerKeepAliveHandler closes the connection once this answer is written.
      answer.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    if (answer.status().code() == 429) {
      retryAfter(answer);
    }
    handler.record(this, answer.status().code());
    ctx.writeAndFlush(answer);
    handler.answered(this);
  }

  /** {@code response}'s status and headers ({@code Content-Length} kept), without its body. */
  private static FullHttpResponse withoutBody(FullHttpResponse response) {
    if (!response.content().isReadable()) {
      return response;
    }
    FullHttpResponse head = response.replace(Unpooled.EMPTY_BUFFER);
    response.release();
    return head;
  }

  /**
   * Gives a 429 answer a {@code Retry-After} when it has none: a second, after which a watch,
   * session or connection may have been given back.
   */
  static void retryAfter(FullHttpResponse response) {
    if (!response.headers().contains(HttpHeaderNames.RETRY_AFTER)) {
      response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
    }
  }

  static FullHttpResponse response(HttpResponseStatus status, byte[] json, long index) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(json));
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
    if (index >= 0) {
      h.set(INDEX_HEADER, Long.toString(index));
    }
    return r;
  }

  private static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semi = contentType.indexOf(';');
    String mime = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
    return mime.equalsIgnoreCase("application/json");
  }

  private static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof CancellationException) {
      return CairnException.of(ErrorCode.UNAVAILABLE, "request cancelled: the server is closing");
    }
    return e;
  }
}
