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

  /**
   * Returns {@code value} when it is an address a new instance may have, else throws {@link
   * CairnException} naming {@code field} and saying what is wrong. An address is one of:
   *
   * <ul>
   *   <li>an IPv4 literal in canonical dotted-quad form: four decimal octets 0..255 without leading
   *       zeros ({@code 10.0.0.1}, not {@code 010.0.0.1}, which libc reads as octal);
   *   <li>an IPv6 literal (RFC 4291 text, e.g. {@code ::1}, {@code 2001:db8::1}, {@code
   *       ::ffff:1.2.3.4}), without brackets and without a zone id ({@code %eth0} only means
   *       something on the host that wrote it); kept as written, not rewritten to RFC 5952 form;
   *   <li>a host name (RFC 1123): dot-separated labels of 1..63 of {@code [A-Za-z0-9-]}, no {@code
   *       -} at either end of a label, optionally one final dot, and a last label that is not a
   *       number (all digits, or {@code 0x} and hex digits): such a name is an IPv4 address to libc
   *       and browsers, so it must be an IPv4 literal as above ({@code 999.1.1.1}, {@code
   *       0x7f.0.0.1}, {@code 2130706433} and {@code 1.2.3} are refused).
   * </ul>
   *
   * <p>At most {@value Limits#MAX_ADDRESS_LENGTH} characters. Nothing is resolved. These are the
   * rules of decision 0097; instances registered before them are read back with {@link
   * #checkStoredAddress}.
   */
  public static String checkAddress(String field, String value) {
    String wrong = addressProblem(value);
    if (wrong != null) {
      throw CairnException.invalid(field, value, wrong);
    }
    return value;
  }

  /** Whether {@link #checkAddress} takes {@code value}. */
  public static boolean isAddress(String value) {
    return addressProblem(value) == null;
  }

  /**
   * Returns {@code value} when it passes the looser check of addresses stored before decision 0097
   * (1..{@value Limits#MAX_ADDRESS_LENGTH} of letters, digits and {@code .:-%[]}), else throws
   * {@link CairnException}. Only for instances a registry already holds (its log and snapshots, its
   * answers), never for new registrations.
   */
  public static String checkStoredAddress(String field, String value) {
    if (value == null
        || value.isEmpty()
        || value.length() > Limits.MAX_ADDRESS_LENGTH
        || !onlyChars(value, ".:-%[]")) {
      throw CairnException.invalid(
          field, value, "a host name or IP literal of 1.." + Limits.MAX_ADDRESS_LENGTH + " chars");
    }
    return value;
  }

  /** Whether {@code value} is an IPv4 literal in canonical dotted-quad form. */
  public static boolean isIpv4Literal(String value) {
    return value != null && isIpv4(value, 0, value.length());
  }

  /**
   * Whether {@code value} is an IPv6 literal (RFC 4291 §2.2) without brackets or zone id; groups of
   * 1..4 hex digits, at most one {@code ::}, an embedded IPv4 part in canonical dotted-quad form.
   */
  public static boolean isIpv6Literal(String value) {
    return value != null && isIpv6(value);
  }

  /**
   * Whether {@code value} is a host name as {@link #checkAddress} takes one: RFC 1123 labels, an
   * optional final dot, a last label that is not a number.
   */
  public static boolean isHostName(String value) {
    return value != null
        && !value.isEmpty()
        && value.length() <= Limits.MAX_ADDRESS_LENGTH
        && !endsInNumber(value)
        && isHostLabels(value);
  }

  // What is wrong with an address, or null when nothing is. No exception and no garbage when it is
  // right: this runs once per registration.
  private static String addressProblem(String value) {
    if (value == null || value.isEmpty() || value.length() > Limits.MAX_ADDRESS_LENGTH) {
      return "a host name or IP literal of 1.." + Limits.MAX_ADDRESS_LENGTH + " chars";
    }
    if (value.charAt(0) == '[' || value.charAt(value.length() - 1) == ']') {
      return "an IPv6 literal without brackets: drop the [ ]";
    }
    int zone = value.indexOf('%');
    if (zone >= 0) {
      return "an IP literal without a zone id: zone ids ("
          + value.substring(zone)
          + ") are host-local, other hosts cannot use them";
    }
    if (value.indexOf(':') >= 0) {
      return isIpv6(value) ? null : "an IPv6 literal (RFC 4291), e.g. 2001:db8::1";
    }
    if (endsInNumber(value)) {
      return isIpv4(value, 0, value.length())
          ? null
          : "an IPv4 literal of four decimal octets 0..255 without leading zeros, e.g. 10.0.0.1"
              + " (a name whose last label is a number is no host name)";
    }
    return isHostLabels(value)
        ? null
        : "a host name (labels of [A-Za-z0-9-], 1..63 chars, no '-' at either end) or IP literal";
  }

  // value[from, to) is four decimal octets 0..255, without leading zeros.
  private static boolean isIpv4(String value, int from, int to) {
    int octets = 0;
    int i = from;
    while (true) {
      int start = i;
      int n = 0;
      while (i < to && i - start < 4) {
        char c = value.charAt(i);
        if (c < '0' || c > '9') {
          break;
        }
        n = n * 10 + (c - '0');
        i++;
      }
      int digits = i - start;
      if (digits == 0 || digits > 3 || n > 255 || (digits > 1 && value.charAt(start) == '0')) {
        return false;
      }
      octets++;
      if (i == to) {
        return octets == 4;
      }
      if (value.charAt(i) != '.' || octets == 4) {
        return false;
      }
      i++;
    }
  }

  private static boolean isIpv6(String value) {
    int n = value.length();
    if (n < 2) {
      return false;
    }
    int groups = 0;
    boolean gap = false;
    int i = 0;
    if (value.charAt(0) == ':') {
      if (value.charAt(1) != ':') {
        return false;
      }
      gap = true;
      i = 2;
    }
    while (i < n) {
      int end = i;
      boolean dot = false;
      while (end < n && value.charAt(end) != ':') {
        dot |= value.charAt(end) == '.';
        end++;
      }
      if (dot) { // an embedded IPv4 address: the last 32 bits
        if (end != n || !isIpv4(value, i, n)) {
          return false;
        }
        groups += 2;
        break;
      }
      if (end == i || end - i > 4) {
        return false;
      }
      for (int j = i; j < end; j++) {
        if (!isHexDigit(value.charAt(j))) {
          return false;
        }
      }
      if (++groups > 8) {
        return false;
      }
      if (end == n) {
        break;
      }
      if (end + 1 < n && value.charAt(end + 1) == ':') {
        if (gap) {
          return false;
        }
        gap = true;
        i = end + 2;
      } else if (end + 1 == n) {
        return false; // a single final colon
      } else {
        i = end + 1;
      }
    }
    return gap ? groups <= 7 : groups == 8;
  }

  // The WHATWG URL standard's "ends in a number": the last label (before an optional final dot) is
  // all decimal digits, or 0x / 0X and hex digits. libc's inet_aton and browsers read such a name
  // as an IPv4 address, whatever the labels before it.
  private static boolean endsInNumber(String value) {
    int end = value.length();
    if (end > 1 && value.charAt(end - 1) == '.') {
      end--;
    }
    int start = value.lastIndexOf('.', end - 1) + 1;
    if (start == end) {
      return false;
    }
    if (end - start >= 2
        && value.charAt(start) == '0'
        && (value.charAt(start + 1) == 'x' || value.charAt(start + 1) == 'X')) {
      for (int i = start + 2; i < end; i++) {
        if (!isHexDigit(value.charAt(i))) {
          return false;
        }
      }
      return true;
    }
    for (int i = start; i < end; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  // ASCII only: Character.digit takes other scripts' digits too.
  private static boolean isHexDigit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  // Dot-separated RFC 1123 labels, with at most one final dot.
  private static boolean isHostLabels(String value) {
    int n = value.length();
    if (n > 1 && value.charAt(n - 1) == '.') {
      n--;
    }
    int start = 0;
    for (int i = 0; i <= n; i++) {
      if (i < n && value.charAt(i) != '.') {
        char c = value.charAt(i);
        boolean ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) {
          return false;
        }
        continue;
      }
      int len = i - start;
      if (len == 0
          || len > Limits.MAX_NAME_LENGTH
          || value.charAt(start) == '-'
          || value.charAt(i - 1) == '-') {
        return false;
      }
      start = i + 1;
    }
    return true;
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
