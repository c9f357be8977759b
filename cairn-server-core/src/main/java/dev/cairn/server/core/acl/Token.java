package dev.cairn.server.core.acl;

import java.util.List;

/**
 * An ACL token as the registry shows it: its public accessor id, a description, the names of its
 * policies and the revision that created it. Never its secret, which was shown once, when the token
 * was created, and is kept only as a hash. Its policies all exist: deleting a policy removes it
 * from its tokens (decision 0164), so a token may be left with none, and then may do nothing.
 */
public record Token(
    String accessorId, String description, List<String> policies, long createRevision) {

  public Token {
    policies = List.copyOf(policies);
  }
}
