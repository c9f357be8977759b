package dev.cairn.cli.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.common.tls.PemKeyManager;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The CLI's client of Cairn's public HTTP API: one server, one namespace. Every answer other than
 * 2xx becomes a {@link CliException} carrying the server's message ({@link ExitCode#NOT_FOUND} for
 * 404, else {@link ExitCode#SERVER_ERROR}); a server that cannot be reached becomes {@link
 * ExitCode#UNREACHABLE}.
 */
final class HttpApi {

  static final ObjectMapper JSON = new ObjectMapper();

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final String token;
  private final URI server;
  private final String namespace;
  private final HttpClient client;

  /**
   * A client of {@code server} (e.g. {@code http://127.0.0.1:8500}); {@code namespace} may be null
   * for the server's default.
   */
  HttpApi(URI server, String namespace) {
    this(server, namespace, null);
  }

  /** Like {@link #HttpApi(URI, String)}, with {@code tls} for an https:// server (null: JDK's). */
  HttpApi(URI server, String namespace, SSLContext tls) {
    this(server, namespace, tls, null);
  }

  /**
   * Like {@link #HttpApi(URI, String, SSLContext)}, sending {@code token} (null or empty: none) as
   * {@code X-Cairn-Token} on every request.
   */
  HttpApi(URI server, String namespace, SSLContext tls, String token) {
    this.server = requireNonNull(server, "server");
    this.token = token == null || token.isBlank() ? null : token.strip();
    this.namespace = namespace;
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1) // the API is HTTP/1.1; no h2c upgrade attempts
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER);
    if (tls != null) {
      b.sslContext(tls);
    }
    this.client = b.build();
  }

  URI server() {
    return server;
  }

  // What a failed handshake names: the files given (null: none) and the client certificate.
  private Path tlsCa;
  private Path tlsCert;
  private X509Certificate clientCertificate;

  /** Names the TLS files in use (any may be null), for the messages of failed handshakes. */
  HttpApi tlsFiles(Path ca, Path cert, X509Certificate certificate) {
    this.tlsCa = ca;
    this.tlsCert = cert;
    this.clientCertificate = certificate;
    return this;
  }

  /** A path segment, percent-encoded. */
  static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** {@code server + path + ?query}, with the namespace added to the query when one was given. */
  URI uri(String path, Query query) {
    Query q = namespace == null ? query : query.add("namespace", namespace);
    return URI.create(server + path + q.toQueryString());
  }

  /** GETs {@code path} and returns the answer. */
  Answer get(String path, Query query) {
    return send(HttpRequest.newBuilder(uri(path, query)).GET());
  }

  /**
   * GETs {@code path}, which the server may hold for up to {@code wait}, and returns the answer.
   */
  Answer getWaiting(String path, Query query, Duration wait) {
    return send(HttpRequest.newBuilder(uri(path, query)).GET(), REQUEST_TIMEOUT.plus(wait));
  }

  /** PUTs the JSON {@code body} to {@code path} and returns the answer. */
  Answer put(String path, JsonNode body) {
    return sendJson("PUT", path, body);
  }

  /** POSTs the JSON {@code body} to {@code path} and returns the answer. */
  Answer post(String path, JsonNode body) {
    return sendJson("POST", path, body);
  }

  /** POSTs to {@code path} without a body, for the endpoints that read none. */
  Answer post(String path) {
    return send(
        HttpRequest.newBuilder(uri(path, Query.empty())).POST(HttpRequest.BodyPublishers.noBody()));
  }

  private Answer sendJson(String method, String path, JsonNode body) {
    String json;
    try {
      json = JSON.writeValueAsString(body);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
    return send(
        HttpRequest.newBuilder(uri(path, Query.empty()))
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(json)));
  }

  /** DELETEs {@code path} and returns the answer. */
  Answer delete(String path) {
    return send(HttpRequest.newBuilder(uri(path, Query.empty())).DELETE());
  }

  /** Sends requests on this client's connection pool; for streams, see {@link EventStream}. */
  HttpClient client() {
    return client;
  }

  private Answer send(HttpRequest.Builder request) {
    return send(request, REQUEST_TIMEOUT);
  }

  /** Adds the token header, when there is a token. */
  HttpRequest.Builder authorized(HttpRequest.Builder request) {
    return token == null ? request : request.header("X-Cairn-Token", token);
  }

  private Answer send(HttpRequest.Builder request, Duration timeout) {
    authorized(request);
    HttpResponse<String> response;
    try {
      response =
          client.send(
              request.timeout(timeout).header("Accept", "application/json").build(),
              HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCode.UNREACHABLE, "interrupted while waiting for " + server);
    }
    String contentType = response.headers().firstValue("Content-Type").orElse(null);
    Answer answer = answer(server, response.statusCode(), contentType, response.body());
    return new Answer(
        answer.body(),
        answer.json(),
        response.headers().firstValue("X-Cairn-Registry-Id").orElse(""));
  }

  /**
   * Turns an HTTP answer of {@code server} into an {@link Answer}, or throws the server's error; an
   * answer that is not Cairn's JSON throws {@link #notCairn}.
   */
  static Answer answer(URI server, int status, String contentType, String body) {
    if (status / 100 == 2) {
      JsonNode json;
      try {
        json = parse(body);
      } catch (CliException e) {
        throw notCairn(server, status, contentType, body);
      }
      return new Answer(body, json, "");
    }
    throw serverError(server, status, contentType, body);
  }

  /**
   * The {@link CliException} for a non-2xx answer of {@code server}: the server's message ({@link
   * ExitCode#NOT_FOUND} for 404, {@link ExitCode#REFUSED} for 401 and 403, else {@link
   * ExitCode#SERVER_ERROR}); an answer without Cairn's JSON error is {@link #notCairn} (a proxy, a
   * web server, the wrong port), except 401 and 403, which are refusals whoever made them.
   */
  static CliException serverError(URI server, int status, String contentType, String body) {
    boolean refused = status == 401 || status == 403;
    int exit =
        status == 404 ? ExitCode.NOT_FOUND : refused ? ExitCode.REFUSED : ExitCode.SERVER_ERROR;
    String message = null;
    try {
      JsonNode error = JSON.readTree(body).path("error");
      message = error.path("message").asText(null);
    } catch (IOException | RuntimeException e) {
      // Not JSON: a proxy, or not a Cairn server.
    }
    if (message == null || message.isBlank()) {
      if (!refused) {
        return notCairn(server, status, contentType, body);
      }
      message = "HTTP " + status + snippet(contentType, body);
    }
    return new CliException(exit, message);
  }

  /**
   * An answer that is not Cairn's: {@code <server> answered 404 with text/html: not a Cairn
   * server?}, exit code {@link ExitCode#UNREACHABLE} (the Cairn server is not there), and no page
   * dump: at most the first line of a short plain-text body.
   */
  static CliException notCairn(URI server, int status, String contentType, String body) {
    String type = contentType == null ? "" : contentType.split(";", 2)[0].strip();
    return new CliException(
        ExitCode.UNREACHABLE,
        server
            + " answered "
            + status
            + (type.isEmpty() ? "" : " with " + type)
            + snippet(contentType, body)
            + ": not a Cairn server?");
  }

  /** {@code " (first line)"} of a short text/plain (or untyped) body, else empty. */
  private static String snippet(String contentType, String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    boolean plain = contentType == null || contentType.startsWith("text/plain");
    String first = body.strip().lines().findFirst().orElse("");
    if (!plain || first.startsWith("<") || first.isEmpty()) {
      return "";
    }
    return " (" + (first.length() > 80 ? first.substring(0, 80) + "..." : first) + ")";
  }

  /** The {@link CliException} for a server that could not be reached. */
  CliException unreachable(IOException e) {
    if (notHttp1(e)) {
      // e.g. the gRPC port: HTTP/2 frames where an HTTP/1.1 status line should be
      return new CliException(
          ExitCode.UNREACHABLE,
          server + ": not a Cairn HTTP API (it does not answer HTTP/1.1; is this the gRPC port?)",
          e);
    }
    return new CliException(ExitCode.UNREACHABLE, "cannot reach " + server + ": " + describe(e), e);
  }

  /** Whether {@code e} says the other end answered something that is not HTTP/1.1. */
  private static boolean notHttp1(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null
          && (m.startsWith("parsing HTTP/1.1 status line")
              || m.startsWith("Invalid status line")
              || m.startsWith("Bad status line"))) {
        return true;
      }
    }
    return false;
  }

  private String describe(IOException e) {
    if (e instanceof HttpConnectTimeoutException) {
      return "connect timed out after " + CONNECT_TIMEOUT.toSeconds() + "s";
    }
    if (e instanceof HttpTimeoutException) {
      return "no answer within " + REQUEST_TIMEOUT.toSeconds() + "s";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return "TLS failed: " + t.getMessage() + " (" + tlsHint(t.getMessage()) + ")";
      }
      if (t instanceof UnresolvedAddressException) {
        return "unknown host";
      }
      if (t instanceof ConnectException) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? "connection refused" : Failures.lowerFirst(m);
      }
    }
    String m = e.getMessage();
    if ("https".equals(server.getScheme()) && closedAfterHandshake(e)) {
      // TLS 1.3: the client's certificate is judged after the client thinks the handshake done,
      // and the server's alert may be lost to the closed connection; what is left is an empty
      // answer.
      return "the server closed the connection during or right after the TLS handshake ("
          + (tlsCert == null
              ? "does it want a client certificate? give --tls-cert and --tls-key"
              : refusedCertificate())
          + ")";
    }
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : Failures.lowerFirst(m);
  }

  /** Whether {@code e} is an answer cut off before its first byte. */
  private static boolean closedAfterHandshake(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null
          && (m.contains("header parser received no bytes")
              || m.contains("Connection reset")
              || m.contains("Broken pipe"))) {
        return true;
      }
      if (t instanceof java.io.EOFException) {
        return true;
      }
    }
    return false;
  }

  /** What a failed handshake's message {@code m} most likely means, and what to do. */
  private String tlsHint(String m) {
    String message = m == null ? "" : m;
    if (message.contains("certificate_required")) {
      return "the server wants a client certificate (mutual TLS): give --tls-cert and --tls-key";
    }
    if (tlsCert != null
        && (message.contains("certificate_expired")
            || message.contains("bad_certificate")
            || message.contains("unknown_ca")
            || message.contains("certificate_unknown")
            || message.contains("unsupported_certificate")
            || message.contains("access_denied")
            || message.contains("internal_error"))) {
      return refusedCertificate();
    }
    if (message.contains("PKIX") || message.contains("validity check failed")) {
      return "the server's certificate "
          + (message.contains("validity check failed")
              ? "is expired or not valid yet, or does not chain to "
              : "does not chain to ")
          + (tlsCa == null
              ? "the JDK's trusted CAs: give --tls-ca with the CA that signed it"
              : "--tls-ca " + tlsCa);
    }
    if (message.contains("No subject alternative") || message.contains("No name matching")) {
      return "the server's certificate does not name "
          + server.getHost()
          + ": use the name or address it was issued for";
    }
    return "is the server https, and does --tls-ca name its CA? does it want --tls-cert?";
  }

  /** That the server refused the client certificate, and why it may have, from its dates. */
  private String refusedCertificate() {
    String which =
        "--tls-cert "
            + tlsCert
            + (clientCertificate == null
                ? ""
                : " (" + PemKeyManager.describe(clientCertificate) + ")");
    String dates =
        clientCertificate == null
            ? null
            : PemKeyManager.validity(clientCertificate, java.time.Instant.now());
    if (dates != null) {
      return "the server refused the client certificate "
          + which
          + ": it "
          + dates.replace("not valid before", "is not valid before");
    }
    return "the server refused the client certificate "
        + which
        + ": is it signed by the CA the server's --tls-ca names, and valid by the server's clock?";
  }

  static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return JSON.createObjectNode();
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      String text = body.strip();
      throw new CliException(
          ExitCode.SERVER_ERROR,
          "not JSON: " + (text.length() > 80 ? text.substring(0, 80) + "..." : text));
    }
  }

  /** A successful answer: its raw body (printed by {@code --json}) and the parsed tree. */
  /**
   * A 2xx answer: its body, parsed, and the id of the answering registry's history ({@code
   * X-Cairn-Registry-Id}; empty when not sent).
   */
  record Answer(String body, JsonNode json, String registryId) {}

  /** Query parameters, in order; immutable. */
  static final class Query {
    private final List<String[]> params;

    private Query(List<String[]> params) {
      this.params = params;
    }

    static Query empty() {
      return new Query(List.of());
    }

    /** This query plus {@code name=value}. */
    Query add(String name, String value) {
      List<String[]> next = new ArrayList<>(params);
      next.add(new String[] {name, value});
      return new Query(List.copyOf(next));
    }

    String toQueryString() {
      if (params.isEmpty()) {
        return "";
      }
      StringBuilder sb = new StringBuilder();
      for (String[] p : params) {
        sb.append(sb.length() == 0 ? '?' : '&')
            .append(URLEncoder.encode(p[0], StandardCharsets.UTF_8))
            .append('=')
            .append(URLEncoder.encode(p[1], StandardCharsets.UTF_8));
      }
      return sb.toString();
    }
  }
}
