package dev.cairn.compat.internal;

/**
 * A client error a front door answers with {@link #status()} and the message as its body, in the
 * words the original server uses where clients read them.
 */
public final class BadRequest extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;

  /** A 400 with {@code message}. */
  public BadRequest(String message) {
    this(400, message);
  }

  /** A client error of {@code status} (4xx) with {@code message}. */
  public BadRequest(int status, String message) {
    super(message, null, false, false);
    if (status < 400 || status > 499) {
      throw new IllegalArgumentException("status: " + status + " (expected: 400..499)");
    }
    this.status = status;
  }

  public int status() {
    return status;
  }
}
