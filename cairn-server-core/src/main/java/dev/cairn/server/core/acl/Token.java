package dev.cairn.server.core.acl;

import java.util.List;

/**
 * An ACL token as the registry shows it: its public accessor id, a description, the names of its
 * policies and the revision that created it. Never its secret, which was shown once, when the token
 * was created, and is kept only as a hash.
 */
public record Token(
    String accessorId, String description, List<String> policies, long createRevision) {

  public Token {
    policies = List.copyOf(policies);
  }
}
