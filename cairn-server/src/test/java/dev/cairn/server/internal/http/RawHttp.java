package dev.cairn.server.internal.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** A bare HTTP/1.1 connection for what the JDK client cannot do: pipelining, raw bytes. */
final class RawHttp implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;

  RawHttp(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(20_000);
    in = new BufferedInputStream(socket.getInputStream());
  }

  void write(String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    socket.getOutputStream().flush();
  }

  /** Reads one response with a Content-Length body: the status line, headers and body. */
  Response read() throws IOException {
    String head = readHead();
    int status = Integer.parseInt(head.substring(9, 12));
    int length = 0;
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    return new Response(status, head, new String(body, StandardCharsets.UTF_8));
  }

  /** Whether the server closed the connection (reads end of stream). */
  boolean closedByServer() throws IOException {
    return in.read() == -1;
  }

  /**
   * Reads up to and including the next {@code marker} (e.g. in an event stream) and returns what
   * was read; fails when the connection ends first.
   */
  String readUntil(String marker) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (!out.toString(StandardCharsets.UTF_8).endsWith(marker)) {
      int b = in.read();
      if (b == -1) {
        throw new IOException("connection closed after " + out);
      }
      out.write(b);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Reads a response's status line and headers, up to the blank line. */
  String readHead() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b == -1) {
        throw new IOException("connection closed after " + out);
      }
      out.write(b);
      matched = (b == '\r' || b == '\n') && "\r\n\r\n".charAt(matched) == b ? matched + 1 : 0;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  record Response(int status, String head, String body) {}
}
