package dev.cairn.client.internal;

import java.util.ArrayList;
import java.util.List;

/** One registry's {@code host:port}, parsed from the client's {@code registries} setting. */
final class RegistryAddress {

  private final String host;
  private final int port;

  private RegistryAddress(String host, int port) {
    this.host = host;
    this.port = port;
  }

  String host() {
    return host;
  }

  int port() {
    return port;
  }

  /**
   * Parses a comma-separated list of {@code host:port} ({@code [v6]:port} for IPv6 literals).
   *
   * @throws IllegalArgumentException naming the field {@code registries} and the bad entry
   */
  static List<RegistryAddress> parseList(String registries) {
    if (registries == null || registries.isBlank()) {
      throw bad(registries, registries);
    }
    List<RegistryAddress> out = new ArrayList<>();
    for (String raw : registries.split(",", -1)) {
      String entry = raw.trim();
      RegistryAddress a = parse(entry);
      if (a == null) {
        throw bad(registries, entry);
      }
      if (!out.contains(a)) {
        out.add(a);
      }
    }
    return List.copyOf(out);
  }

  /** One {@code host:port} ({@code [v6]:port}), or null when it is not one. */
  static RegistryAddress parseOne(String entry) {
    return parse(entry.trim());
  }

  private static RegistryAddress parse(String entry) {
    int colon = entry.lastIndexOf(':');
    if (colon <= 0 || colon == entry.length() - 1) {
      return null;
    }
    String host = entry.substring(0, colon);
    if (host.startsWith("[")) {
      if (!host.endsWith("]") || host.length() < 3) {
        return null;
      }
      host = host.substring(1, host.length() - 1);
      if (!host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
        return null;
      }
    } else if (host.indexOf(':') >= 0 || !validHostName(host)) {
      return null;
    }
    int port;
    try {
      port = Integer.parseInt(entry.substring(colon + 1));
    } catch (NumberFormatException e) {
      return null;
    }
    if (port < 1 || port > 65535) {
      return null;
    }
    return new RegistryAddress(host, port);
  }

  private static boolean validHostName(String host) {
    if (host.isEmpty() || host.length() > 253) {
      return false;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static IllegalArgumentException bad(String registries, String entry) {
    String shown = entry == null ? "null" : "\"" + entry + "\"";
    String whole = registries == null ? "" : " in \"" + registries + "\"";
    return new IllegalArgumentException(
        "registries: "
            + shown
            + whole
            + " (expected: comma-separated host:port, port 1..65535, e.g. 127.0.0.1:8501)");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RegistryAddress
        && ((RegistryAddress) o).host.equals(host)
        && ((RegistryAddress) o).port == port;
  }

  @Override
  public int hashCode() {
    return host.hashCode() * 31 + port;
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
