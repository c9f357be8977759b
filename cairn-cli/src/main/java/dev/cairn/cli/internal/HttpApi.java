package dev.cairn.cli.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

  private static String describe(IOException e) {
    if (e instanceof HttpConnectTimeoutException) {
      return "connect timed out after " + CONNECT_TIMEOUT.toSeconds() + "s";
    }
    if (e instanceof HttpTimeoutException) {
      return "no answer within " + REQUEST_TIMEOUT.toSeconds() + "s";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return "TLS failed: "
            + t.getMessage()
            + " (is the server https, and does --tls-ca name its CA? does it want --tls-cert?)";
      }
      if (t instanceof UnresolvedAddressException) {
        return "unknown host";
      }
      if (t instanceof ConnectException) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? "connection refused" : lowerFirst(m);
      }
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : lowerFirst(m);
  }

  private static String lowerFirst(String s) {
    return Character.toLowerCase(s.charAt(0)) + s.substring(1);
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
