package dev.cairn.compat;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The watchers of {@link ConsulWatchersBench}, run as a process of their own: {@code <url>
 * <watchers>} runs that many blocking-query loops on {@code url} (a {@code /v1/health/service/..}
 * address, {@code http://host:port/...}), as consul-template does: each asks with the last {@code
 * X-Consul-Index} it saw and asks again as soon as it is answered, and prints {@code
 * <X-Consul-Index> <System.nanoTime()>} for every answer. Each loop is a thread reading its own
 * keep-alive connection with plain blocking HTTP/1.1, so that what is measured is the server's
 * answer and one socket read, not an HTTP client's internal hand-offs. Ends when its standard input
 * closes.
 */
public final class ConsulWatchClients {

  private ConsulWatchClients() {}

  public static void main(String[] args) throws Exception {
    URI url = URI.create(args[0]);
    int watchers = Integer.parseInt(args[1]);
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    for (int w = 0; w < watchers; w++) {
      Thread t = new Thread(() -> watch(url, out), "watcher-" + w);
      t.setDaemon(true);
      t.start();
    }
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      while (in.readLine() != null) {
        // nothing to read
      }
    }
  }

  private static void watch(URI url, PrintStream out) {
    try (Socket socket = new Socket(url.getHost(), url.getPort())) {
      socket.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream os = socket.getOutputStream();
      String index = "0";
      while (true) {
        String request =
            "GET "
                + url.getPath()
                + "?wait=60s&index="
                + index
                + " HTTP/1.1\r\nHost: "
                + url.getHost()
                + "\r\n\r\n";
        os.write(request.getBytes(StandardCharsets.US_ASCII));
        os.flush();
        String status = line(in);
        long now = System.nanoTime();
        if (!status.startsWith("HTTP/1.1 200")) {
          System.err.println("watch answered " + status);
          return;
        }
        int length = 0;
        String next = index;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
          String lower = h.toLowerCase(Locale.ROOT);
          if (lower.startsWith("content-length:")) {
            length = Integer.parseInt(h.substring(h.indexOf(':') + 1).trim());
          } else if (lower.startsWith("x-consul-index:")) {
            next = h.substring(h.indexOf(':') + 1).trim();
          }
        }
        in.readNBytes(length);
        synchronized (out) {
          out.print(next);
          out.print(' ');
          out.println(now);
          out.flush();
        }
        index = next;
      }
    } catch (IOException e) {
      System.err.println("watch failed: " + e);
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("connection closed");
      }
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }
}
