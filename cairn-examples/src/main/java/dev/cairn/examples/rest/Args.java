package dev.cairn.examples.rest;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} command-line options with defaults; an unknown option is an error. */
final class Args {

  private final Map<String, String> values = new HashMap<>();

  Args(String[] args, Map<String, String> defaults) {
    values.putAll(defaults);
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (!name.startsWith("--") || !defaults.containsKey(name.substring(2))) {
        throw new IllegalArgumentException(
            "option: "
                + name
                + " (expected one of --"
                + String.join(", --", defaults.keySet())
                + ")");
      }
      if (i + 1 == args.length) {
        throw new IllegalArgumentException(name + ": missing value");
      }
      values.put(name.substring(2), args[++i]);
    }
  }

  String get(String name) {
    return values.get(name);
  }

  int integer(String name) {
    String v = values.get(name);
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + ": " + v + " (expected: an integer)");
    }
  }
}
