package dev.cairn.server.core.acl;

import dev.cairn.common.CairnException;
import java.util.Locale;

/** What a rule grants: nothing ({@link #DENY}), reads, or reads and writes. */
public enum Access {
  /** Refuses, whatever a less specific rule grants. */
  DENY,
  READ,
  /** Writes, and reads. */
  WRITE;

  /** The name in JSON and on the command line: {@code deny}, {@code read}, {@code write}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The access named {@code label}.
   *
   * @throws CairnException {@code INVALID_ARGUMENT} naming {@code field} otherwise
   */
  public static Access parse(String field, String label) {
    for (Access a : values()) {
      if (a.label().equals(label)) {
        return a;
      }
    }
    throw CairnException.invalid(field, label, "read, write or deny");
  }
}
