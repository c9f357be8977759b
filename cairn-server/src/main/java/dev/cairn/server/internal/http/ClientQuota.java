package dev.cairn.server.internal.http;

import dev.cairn.server.internal.limits.Quota;
import java.net.InetAddress;

/**
 * Counts what each client address holds open (event streams, connections) against a limit.
 * Thread-safe.
 */
final class ClientQuota extends Quota<InetAddress> {

  ClientQuota(int max) {
    super(max);
  }
}
