package dev.cairn.server.core.acl;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.CairnException;
import dev.cairn.common.Names;
import java.util.List;

/**
 * A named list of rules that tokens are bound to. Among the rules of all a token's policies that
 * match a request, the most specific decides: the longest service-name prefix, then an exact
 * namespace over {@code *}; at equal specificity {@code deny} wins, else the widest grant. Nothing
 * matching means no access (default deny).
 *
 * <p>Two names are reserved: {@value #MANAGEMENT}, which grants everything and is what {@code
 * bootstrap} binds the first token to (it cannot be created or deleted), and {@value #ANONYMOUS},
 * an ordinary policy that, when it exists, is what requests without a token get.
 */
public record Policy(String name, String description, List<Rule> rules) {

  /** The built-in policy that grants everything. */
  public static final String MANAGEMENT = "global-management";

  /** The policy of requests without a token, when it exists. */
  public static final String ANONYMOUS = "anonymous";

  /** Most rules in one policy. */
  public static final int MAX_RULES = 256;

  /**
   * Checks the fields.
   *
   * @throws CairnException {@code INVALID_ARGUMENT} naming the field at fault
   */
  public Policy {
    Names.checkLabel("name", name);
    description = description == null ? "" : description;
    if (description.length() > 256) {
      throw CairnException.invalid("description", description.length() + " characters", "0..256");
    }
    requireNonNull(rules, "rules");
    if (rules.size() > MAX_RULES) {
      throw CairnException.invalid("rules", rules.size() + " rules", "0.." + MAX_RULES);
    }
    rules = List.copyOf(rules);
  }
}
