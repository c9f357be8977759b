package dev.cairn.http.internal;

import dev.cairn.client.lb.Outcome;
import dev.cairn.common.Instance;
import java.util.Set;

/** The HTTP mapping tables: status to outcome, method to idempotency, instance to authority. */
public final class Routes {

  private static final Set<String> IDEMPOTENT =
      Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

  private Routes() {}

  /** 429 → overloaded; 5xx → failure; any other status is the endpoint's answer. */
  public static Outcome outcome(int status) {
    if (status == 429) {
      return Outcome.OVERLOADED;
    }
    return status >= 500 ? Outcome.FAILURE : Outcome.SUCCESS;
  }

  /** Whether RFC 9110 calls {@code method} idempotent. */
  public static boolean idempotent(String method) {
    return IDEMPOTENT.contains(method);
  }

  /** {@code "address:port"} of {@code instance}'s port {@code portName}; IPv6 in brackets. */
  public static String authority(Instance instance, String portName) {
    String address = instance.address();
    if (address.indexOf(':') >= 0 && !address.startsWith("[")) {
      address = "[" + address + "]";
    }
    return address + ":" + instance.port(portName);
  }
}
