package dev.cairn.compat;

final class Ports {

  private Ports() {}

  static void check(String field, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(field + ": " + port + " (expected: 0..65535)");
    }
  }
}
