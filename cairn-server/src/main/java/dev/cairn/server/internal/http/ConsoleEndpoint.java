package dev.cairn.server.internal.http;

import dev.cairn.common.ErrorCode;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * {@code GET /} and {@code GET /ui/...}: the web console (see {@code docs/console.md}), a few
 * static files read once from the classpath and held in memory, each with its gzip form and an
 * {@code ETag}. Only the files listed here are served: any other name, {@code ..} included, is a
 * 404, so no request can reach another resource or the file system. Thread-safe (immutable).
 */
final class ConsoleEndpoint {

  /** Where the console lives; {@code /} and {@code /ui} redirect here. */
  static final String PATH = "/ui/";

  private static final String RESOURCES = "console/";
  private static final Map<String, String> FILES =
      Map.of(
          "index.html", "text/html; charset=utf-8",
          "console.css", "text/css; charset=utf-8",
          "console.js", "text/javascript; charset=utf-8",
          "favicon.svg", "image/svg+xml");

  /**
   * Scripts, styles and connections from this origin only, nothing inline, no framing: the page
   * renders registry data as text and has nothing to load from elsewhere.
   */
  private static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
          + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final Map<String, Asset> assets;

  private ConsoleEndpoint(Map<String, Asset> assets) {
    this.assets = assets;
  }

  /**
   * Reads the console's files from the classpath.
   *
   * @throws IllegalStateException when one is missing (a broken build)
   */
  static ConsoleEndpoint load() {
    Map<String, Asset> assets = new HashMap<>();
    FILES.forEach((name, type) -> assets.put(name, Asset.of(read(name), type)));
    return new ConsoleEndpoint(Map.copyOf(assets));
  }

  /** {@code GET /}: a redirect to the console. */
  void root(Exchange ex) {
    redirect(ex);
  }

  /** {@code GET /ui/...}: a console file; {@code /ui} redirects, {@code /ui/} is the page. */
  void asset(Exchange ex) {
    if (ex.segmentCount() == 1) {
      redirect(ex);
      return;
    }
    String name = ex.segmentCount() == 2 ? ex.segment(1) : null;
    Asset asset = name == null ? null : assets.get(name.isEmpty() ? "index.html" : name);
    if (asset == null) {
      throw new ApiError(
          HttpResponseStatus.NOT_FOUND,
          ErrorCode.NOT_FOUND,
          "path",
          "path: \"" + ex.path() + "\" (not found)");
    }
    ex.send(asset.response(ex.headers()));
  }

  private static void redirect(Exchange ex) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FOUND);
    r.headers()
        .set(HttpHeaderNames.LOCATION, PATH)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, 0)
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
    ex.send(r);
  }

  private static byte[] read(String name) {
    try (InputStream in = ConsoleEndpoint.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("console file missing from the classpath: " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One file: its bytes, gzip form (when smaller), type and entity tag. */
  private record Asset(byte[] plain, byte[] gzip, String type, String etag) {

    static Asset of(byte[] plain, String type) {
      byte[] gzip = gzip(plain);
      return new Asset(
          plain, gzip.length < plain.length ? gzip : null, type, '"' + sha256(plain) + '"');
    }

    /**
     * The answer to a request with {@code headers}: 304 when its {@code If-None-Match} names this
     * version, else the file, gzipped when the client accepts it. Browsers revalidate every time
     * ({@code no-cache}): a server upgrade is seen at once, and an unchanged file costs a 304.
     */
    FullHttpResponse response(HttpHeaders headers) {
      // A list header: any of its lines may name the tag (or "*", any representation).
      boolean notModified = false;
      for (String line : headers.getAll(HttpHeaderNames.IF_NONE_MATCH)) {
        notModified |= line.contains(etag) || line.trim().equals("*");
      }
      boolean zipped = !notModified && gzip != null && GzipBodies.accepted(headers);
      byte[] body = notModified ? new byte[0] : zipped ? gzip : plain;
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              notModified ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK,
              Unpooled.wrappedBuffer(body));
      HttpHeaders h = r.headers();
      h.set(HttpHeaderNames.CONTENT_TYPE, type)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
          .set(HttpHeaderNames.ETAG, etag)
          .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
          .set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING)
          .set("X-Content-Type-Options", "nosniff")
          .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)
          .set("Referrer-Policy", "no-referrer");
      if (zipped) {
        h.set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
      }
      return r;
    }

    private static byte[] gzip(byte[] plain) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length / 2 + 64);
      try (GZIPOutputStream z = new GZIPOutputStream(out)) {
        z.write(plain);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    }

    private static String sha256(byte[] bytes) {
      try {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
        return HexFormat.of().formatHex(d, 0, 12);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
