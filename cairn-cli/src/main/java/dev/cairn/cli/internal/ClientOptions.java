package dev.cairn.cli.internal;

import java.net.URI;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The options every client command shares: which server, which namespace, which output. */
final class ClientOptions {

  @Option(
      names = "--server",
      paramLabel = "URL",
      defaultValue = "${env:CAIRN_SERVER:-http://127.0.0.1:8500}",
      converter = ServerUriConverter.class,
      description = "Server's HTTP address; env CAIRN_SERVER (default: ${DEFAULT-VALUE}).")
  URI server;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NAME",
      description = "Namespace (default: the server's default namespace).")
  String namespace;

  @Option(names = "--json", description = "Print the server's JSON instead of a table.")
  boolean json;

  /** A client for the chosen server and namespace. */
  HttpApi api() {
    return new HttpApi(server, namespace);
  }

  /** Accepts {@code http://host:port} and {@code https://host:port}, without a path. */
  static final class ServerUriConverter implements ITypeConverter<URI> {
    @Override
    public URI convert(String value) {
      URI uri;
      try {
        uri = URI.create(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "' is not a URL");
      }
      boolean web = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
      boolean bare = uri.getRawPath() == null || uri.getRawPath().isEmpty();
      if (!web || uri.getHost() == null || !bare || uri.getRawQuery() != null) {
        throw new TypeConversionException(
            "'" + value + "' (expected: http://host:port, e.g. http://127.0.0.1:8500)");
      }
      return uri;
    }
  }

  /**
   * Prints a write's answer: the server's JSON with {@code --json}, else {@code "<verb> <what> at
   * revision N"}.
   */
  void printWrite(java.io.PrintWriter out, HttpApi.Answer answer, String verb, String what) {
    if (json) {
      out.println(answer.body());
    } else {
      out.println(verb + " " + what + " at revision " + Render.text(answer.json(), "revision"));
    }
    out.flush();
  }
}
