package dev.cairn.server.internal.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Gzip for the bodies the API encodes once per revision (decision 0119): whether a request's {@code
 * Accept-Encoding} takes gzip, and the gzip form of a cached body, made once and kept beside it.
 * Bodies made per request are never compressed: compressing each would cost the server more than
 * the bytes it saves on loopback or a fast network.
 */
final class GzipBodies {

  /** Bodies smaller than this go as they are: gzip's 18 bytes of framing outweigh the gain. */
  static final int MIN_BYTES = 1024;

  // Fastest deflate: a 27 KB list of 100 instances shrinks 16 times, in about a third of the time
  // of the default level, for 5 % more bytes. It is paid once per revision that is read with gzip.
  private static final int LEVEL = Deflater.BEST_SPEED;

  // RFC 9110's qvalue: 0 or 1 with at most three decimals.
  private static final Pattern QVALUE = Pattern.compile("0(\\.[0-9]{0,3})?|1(\\.0{0,3})?");

  private GzipBodies() {}

  /**
   * Whether the request's {@code Accept-Encoding} takes gzip, its lines read as one list (RFC 9110:
   * a list header given on several lines means their values joined by commas), as {@link
   * #accepted(String)} reads one.
   */
  static boolean accepted(HttpHeaders headers) {
    Iterator<String> lines = headers.valueStringIterator(HttpHeaderNames.ACCEPT_ENCODING);
    if (!lines.hasNext()) {
      return false;
    }
    String first = lines.next();
    if (!lines.hasNext()) {
      return accepted(first);
    }
    StringBuilder all = new StringBuilder(first);
    while (lines.hasNext()) {
      all.append(',').append(lines.next());
    }
    return accepted(all.toString());
  }

  /**
   * Whether {@code acceptEncoding} (the header's value, or null when absent) takes gzip: {@code
   * gzip} or {@code x-gzip} with a non-zero weight, or {@code *} with one when gzip is not named.
   * No header means no compression (as most servers read it; RFC 9110 would allow any coding). An
   * element whose weight does not parse counts as refused.
   */
  static boolean accepted(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    Boolean gzip = null;
    boolean any = false;
    for (String element : acceptEncoding.split(",", -1)) {
      int semi = element.indexOf(';');
      String coding =
          (semi < 0 ? element : element.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
      if (coding.isEmpty()) {
        continue;
      }
      boolean weighted = semi < 0 || weight(element.substring(semi + 1)) > 0;
      if (coding.equals("gzip") || coding.equals("x-gzip")) {
        gzip = (gzip != null && gzip) || weighted;
      } else if (coding.equals("*")) {
        any = weighted;
      }
    }
    return gzip != null ? gzip : any;
  }

  /**
   * The weight in {@code params} (what follows the coding's first {@code ;}): its {@code q}
   * parameter as 0..1, 1 without one, and 0 when it does not parse (RFC 9110's qvalue: at most
   * three decimals).
   */
  private static double weight(String params) {
    for (String param : params.split(";", -1)) {
      int eq = param.indexOf('=');
      if (eq < 0 || !param.substring(0, eq).trim().equalsIgnoreCase("q")) {
        continue;
      }
      String value = param.substring(eq + 1).trim();
      if (!QVALUE.matcher(value).matches()) {
        return 0;
      }
      return Double.parseDouble(value);
    }
    return 1;
  }

  /** The gzip (RFC 1952) form of {@code body}'s remaining bytes, in direct memory, read-only. */
  static ByteBuffer gzip(ByteBuffer body) {
    ByteBuffer in = body.duplicate();
    byte[] bytes = new byte[in.remaining()];
    in.get(bytes);
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, bytes.length / 8));
    try (GZIPOutputStream gz = new FastGzip(out, bytes.length)) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return Exchange.directBody(out.toByteArray());
  }

  /** The JDK's gzip stream at {@link #LEVEL}. */
  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(ByteArrayOutputStream out, int size) throws IOException {
      super(out, Math.min(16 * 1024, Math.max(512, size / 4)));
      def.setLevel(LEVEL);
    }
  }
}
