package dev.cairn.server.ratis;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Ports free now, for the Raft addresses of members, which must be known before they start: the
 * in-process members here and in cairn-server's cluster tests, and cairn-it's member JVMs (as this
 * module's test-jar).
 */
public final class FreePorts {

  private FreePorts() {}

  /** {@code n} distinct ports, each free when this returns. */
  public static int[] take(int n) throws IOException {
    int[] ports = new int[n];
    List<ServerSocket> open = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0);
        open.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : open) {
        s.close();
      }
    }
    return ports;
  }
}
