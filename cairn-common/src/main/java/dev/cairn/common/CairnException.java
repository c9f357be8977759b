package dev.cairn.common;

import static java.util.Objects.requireNonNull;

/**
 * A failure the registry reports to its caller: an {@link ErrorCode}, and for invalid input the
 * field, the offending value and what was expected.
 */
public final class CairnException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final String field;

  private CairnException(ErrorCode code, String field, String message) {
    this(code, field, message, null);
  }

  private CairnException(ErrorCode code, String field, String message, Throwable cause) {
    super(message, cause, false, false);
    this.code = requireNonNull(code, "code");
    this.field = field;
  }

  /** An error with a code and a message. */
  public static CairnException of(ErrorCode code, String message) {
    return new CairnException(code, null, message);
  }

  /**
   * An error with a code and a message, caused by {@code cause} (e.g. the failure that stopped the
   * server's command log); {@code cause} may be null.
   */
  public static CairnException of(ErrorCode code, String message, Throwable cause) {
    return new CairnException(code, null, message, cause);
  }

  /** An error with a code, the field at fault (may be null) and a message. */
  public static CairnException of(ErrorCode code, String field, String message) {
    return new CairnException(code, field, message);
  }

  /**
   * An {@link ErrorCode#INVALID_ARGUMENT} naming the field, the value and the expectation, e.g.
   * {@code weight: 0 (expected: 1..10000)}.
   */
  public static CairnException invalid(String field, Object value, String expected) {
    return new CairnException(
        ErrorCode.INVALID_ARGUMENT,
        field,
        field + ": " + describe(value) + " (expected: " + expected + ")");
  }

  /** A {@link ErrorCode#NOT_FOUND} for the named field and value. */
  public static CairnException notFound(String field, Object value) {
    return new CairnException(
        ErrorCode.NOT_FOUND, field, field + ": " + describe(value) + " (not found)");
  }

  public ErrorCode code() {
    return code;
  }

  /** The request field at fault, or {@code null} when the error is not about one field. */
  public String field() {
    return field;
  }

  private static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof CharSequence text) {
      // The length counts the value's characters, not the quotes around it or escapes.
      String raw = text.toString();
      String v = printable(raw);
      return v.length() > 78
          ? "\"" + v.substring(0, 76) + "...\" (" + raw.length() + " chars)"
          : "\"" + v + "\"";
    }
    String s = String.valueOf(value);
    return s.length() > 80 ? s.substring(0, 77) + "... (" + s.length() + " chars)" : s;
  }

  // Control characters of a refused value written as backslash-u and four hex digits, so that a
  // message stays on one line
  // of a log and shows what was refused.
  private static String printable(String v) {
    int i = 0;
    while (i < v.length() && !Character.isISOControl(v.charAt(i))) {
      i++;
    }
    if (i == v.length()) {
      return v;
    }
    StringBuilder b = new StringBuilder(v.length() + 8).append(v, 0, i);
    for (; i < v.length(); i++) {
      char c = v.charAt(i);
      if (Character.isISOControl(c)) {
        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
