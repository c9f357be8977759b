package dev.cairn.common;

/**
 * Checks of the names the registry accepts. Namespaces, services, tags, zones and port names are
 * DNS labels (lower-case letters, digits and inner hyphens, at most {@value Limits#MAX_NAME_LENGTH}
 * characters), so every one of them can appear in a DNS query.
 */
public final class Names {

  private static final String LABEL =
      "a DNS label: [a-z0-9] or inner '-', 1.." + Limits.MAX_NAME_LENGTH;

  private Names() {}

  /** Returns {@code value} when it is a DNS label, else throws {@link CairnException}. */
  public static String checkLabel(String field, String value) {
    if (!isLabel(value)) {
      throw CairnException.invalid(field, value, LABEL);
    }
    return value;
  }

  /** Whether {@code value} is a DNS label as defined above. */
  public static boolean isLabel(String value) {
    if (value == null || value.isEmpty() || value.length() > Limits.MAX_NAME_LENGTH) {
      return false;
    }
    int last = value.length() - 1;
    for (int i = 0; i <= last; i++) {
      char c = value.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && !(c == '-' && i != 0 && i != last)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns the namespace, {@link Limits#DEFAULT_NAMESPACE} when {@code value} is null or empty,
   * else checks it as a label.
   */
  public static String namespace(String value) {
    if (value == null || value.isEmpty()) {
      return Limits.DEFAULT_NAMESPACE;
    }
    return checkLabel("namespace", value);
  }

  /**
   * Returns {@code value} when it is a valid instance id: 1..{@value Limits#MAX_INSTANCE_ID_LENGTH}
   * characters of letters, digits, '.', '_', ':' and '-'.
   */
  public static String checkInstanceId(String field, String value) {
    if (value == null
        || value.isEmpty()
        || value.length() > Limits.MAX_INSTANCE_ID_LENGTH
        || !onlyChars(value, "._:-")) {
      throw CairnException.invalid(
          field, value, "1.." + Limits.MAX_INSTANCE_ID_LENGTH + " of [A-Za-z0-9._:-]");
    }
    return value;
  }

  /**
   * Returns {@code value} when it is a valid id for a new instance: {@link #checkInstanceId}, and
   * neither {@code .} nor {@code ..}, which HTTP clients and browsers remove from a URL path (RFC
   * 3986 dot segments), so that such an instance could not be read or deleted by its URL. Stored
   * instances keep the ids they have: reads and removals take any id that {@link #checkInstanceId}
   * takes.
   */
  public static String checkNewInstanceId(String field, String value) {
    checkInstanceId(field, value);
    if (value.equals(".") || value.equals("..")) {
      throw CairnException.invalid(
          field,
          value,
          "1.." + Limits.MAX_INSTANCE_ID_LENGTH + " of [A-Za-z0-9._:-], other than . and ..");
    }
    return value;
  }

  /** Returns {@code value} when it is a plausible host name or IP literal. */
  public static String checkAddress(String field, String value) {
    if (value == null
        || value.isEmpty()
        || value.length() > Limits.MAX_ADDRESS_LENGTH
        || !onlyChars(value, ".:-%[]")) {
      throw CairnException.invalid(
          field, value, "a host name or IP literal of 1.." + Limits.MAX_ADDRESS_LENGTH + " chars");
    }
    return value;
  }

  private static boolean onlyChars(String value, String punctuation) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && punctuation.indexOf(c) < 0) {
        return false;
      }
    }
    return true;
  }
}
