package dev.cairn.cli.internal;

import dev.cairn.common.tls.PemKeyManager;
import dev.cairn.common.tls.PemTrustManager;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The options every client command shares: which server, with which credentials, which output. The
 * commands that work in one namespace take {@link Namespaced} instead, which adds {@code -n}.
 */
class ClientOptions {

  @Option(
      names = "--server",
      paramLabel = "URL",
      defaultValue = "${env:CAIRN_SERVER:-http://127.0.0.1:8500}",
      converter = ServerUriConverter.class,
      description = {"Server's HTTP address; env CAIRN_SERVER.", "Default: ${DEFAULT-VALUE}."})
  URI server;

  @Option(
      names = "--token",
      paramLabel = "SECRET",
      defaultValue = "${env:CAIRN_TOKEN}",
      description = "ACL token for a server with ACLs on; env CAIRN_TOKEN.")
  String token;

  @Option(names = "--json", description = "Print the server's JSON instead of a table.")
  boolean json;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      defaultValue = "${sys:cairn.tls.ca:-${env:CAIRN_TLS_CA}}",
      description = {
        "For an https:// server: the CA (PEM) its certificate must chain to (default: the"
            + " JDK's trusted CAs).",
        "Property cairn.tls.ca, env CAIRN_TLS_CA."
      })
  Path tlsCa;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      defaultValue = "${sys:cairn.tls.cert:-${env:CAIRN_TLS_CERT}}",
      description = {
        "Client certificate (PEM) for a server that asks for one (mutual TLS), with"
            + " --tls-key.",
        "Property cairn.tls.cert, env CAIRN_TLS_CERT."
      })
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      defaultValue = "${sys:cairn.tls.key:-${env:CAIRN_TLS_KEY}}",
      description = {
        "Private key of --tls-cert, unencrypted PKCS#8 PEM.",
        "Property cairn.tls.key, env CAIRN_TLS_KEY."
      })
  Path tlsKey;

  /** A client for the chosen server, in the namespace of {@link #namespace()}. */
  HttpApi api() {
    return api(namespace());
  }

  /** A client for the chosen server in {@code namespace} (null: none named). */
  HttpApi api(String namespace) {
    SSLContext tls = sslContext();
    return new HttpApi(server, namespace, tls, token)
        .tlsFiles(tlsCa, tlsCert, clientKeys == null ? null : clientKeys.certificate());
  }

  // The client certificate of the last sslContext(), for what a refused handshake says.
  private PemKeyManager clientKeys;

  /** The namespace to send, null for none: the server's default, or what the endpoint does. */
  String namespace() {
    return null;
  }

  /** The client options plus {@code -n/--namespace}, for the commands that work in one. */
  static final class Namespaced extends ClientOptions {
    @Option(
        names = {"-n", "--namespace"},
        paramLabel = "NAME",
        description = "Namespace (default: the server's default namespace).")
    String namespace;

    @Override
    String namespace() {
      return namespace;
    }
  }

  /**
   * The TLS context for an https:// server: the given CA (else the JDK's) and client certificate;
   * null for http://.
   *
   * @throws CliException ({@link ExitCode#USAGE}) when the options do not fit together or a file
   *     cannot be used
   */
  SSLContext sslContext() {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new CliException(
          ExitCode.USAGE,
          (tlsCert == null ? "--tls-key" : "--tls-cert")
              + " needs "
              + (tlsCert == null ? "--tls-cert" : "--tls-key")
              + " (expected: both, or neither)");
    }
    boolean https = "https".equals(server.getScheme());
    if (!https) {
      if (tlsCa != null || tlsCert != null) {
        throw new CliException(
            ExitCode.USAGE,
            (tlsCa != null ? "--tls-ca" : "--tls-cert")
                + " is set but --server "
                + server
                + " is plain http (expected: an https:// server)");
      }
      return null;
    }
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      clientKeys = tlsCert == null ? null : PemKeyManager.load(tlsCert, tlsKey);
      KeyManager[] keys = clientKeys == null ? null : new KeyManager[] {clientKeys};
      TrustManager[] trust =
          tlsCa == null ? null : new TrustManager[] {PemTrustManager.load(tlsCa)};
      context.init(keys, trust, null);
      return context;
    } catch (IOException | IllegalArgumentException e) {
      throw new CliException(ExitCode.USAGE, "TLS: " + Failures.describe(e), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no TLS", e);
    }
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
