package dev.cairn.server.core;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.CairnException;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.core.acl.IssuedToken;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Token;
import dev.cairn.server.core.internal.RegistryImpl;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The registry's ACL tokens and policies (decision 0166). They live in the catalog and change
 * through the command log, so every member of a cluster and every snapshot holds them; a token's
 * secret is shown once, when the token is created, and kept only as its SHA-256 hash. Whether ACLs
 * are enforced is the transports' choice ({@code cairn server --acl}); this is what they check
 * against. Thread-safe.
 */
public final class Acls {

  private final RegistryImpl impl;

  Acls(RegistryImpl impl) {
    this.impl = impl;
  }

  /**
   * What the token whose secret is {@code secret} may do: {@link Authorizer#UNKNOWN} when no token
   * has it, the anonymous policy's authorizer for a null or empty secret. A secret seen since the
   * last ACL change is answered from a cache without allocating.
   */
  public Authorizer authorizer(String secret) {
    return impl.authorizer(secret);
  }

  /** Whether {@link #bootstrap} has been done. */
  public boolean bootstrapped() {
    return impl.aclBootstrapped();
  }

  /**
   * Creates the first token, bound to {@value Policy#MANAGEMENT}; once only: fails with {@code
   * FAILED_PRECONDITION} (field {@code acl}) afterwards.
   */
  public CompletableFuture<IssuedToken> bootstrap() {
    return bootstrap(Author.SERVER);
  }

  /** Like {@link #bootstrap()}, recording {@code author} in the audit. */
  public CompletableFuture<IssuedToken> bootstrap(Author author) {
    return impl.createToken(
        "bootstrap token", List.of(Policy.MANAGEMENT), true, requireNonNull(author, "author"));
  }

  /**
   * Creates a token bound to {@code policies} (one or more existing ones, or {@value
   * Policy#MANAGEMENT}). Deleting one of them later removes it from the token (decision 0164).
   *
   * @throws CairnException {@code NOT_FOUND} naming {@code policies} for an unknown policy, {@code
   *     INVALID_ARGUMENT} for no policy, a bad name or description
   */
  public CompletableFuture<IssuedToken> createToken(String description, List<String> policies) {
    return createToken(description, policies, Author.SERVER);
  }

  /** Like {@link #createToken(String, List)}, recording {@code author} in the audit. */
  public CompletableFuture<IssuedToken> createToken(
      String description, List<String> policies, Author author) {
    return impl.createToken(
        description, requireNonNull(policies, "policies"), false, requireNonNull(author, "author"));
  }

  /** Deletes a token; {@code NOT_FOUND} (field {@code accessorId}) when there is none. */
  public CompletableFuture<Long> deleteToken(String accessorId) {
    return deleteToken(accessorId, Author.SERVER);
  }

  /** Like {@link #deleteToken(String)}, recording {@code author} in the audit. */
  public CompletableFuture<Long> deleteToken(String accessorId, Author author) {
    return impl.deleteToken(accessorId, requireNonNull(author, "author"));
  }

  /** The tokens, oldest first (never their secrets). */
  public List<Token> tokens() {
    return impl.aclTokens();
  }

  /** Creates a policy; {@code ALREADY_EXISTS} (field {@code name}) when the name is taken. */
  public CompletableFuture<Long> createPolicy(Policy policy) {
    return createPolicy(policy, Author.SERVER);
  }

  /** Like {@link #createPolicy(Policy)}, recording {@code author} in the audit. */
  public CompletableFuture<Long> createPolicy(Policy policy, Author author) {
    return impl.createPolicy(requireNonNull(policy, "policy"), requireNonNull(author, "author"));
  }

  /**
   * Deletes a policy and removes it from every token bound to it, at once; a policy created later
   * under the same name is not theirs (decision 0164). {@code NOT_FOUND} (field {@code name}) when
   * there is none.
   */
  public CompletableFuture<Long> deletePolicy(String name) {
    return deletePolicy(name, Author.SERVER);
  }

  /** Like {@link #deletePolicy(String)}, recording {@code author} in the audit. */
  public CompletableFuture<Long> deletePolicy(String name, Author author) {
    return impl.deletePolicy(name, requireNonNull(author, "author"));
  }

  /** The policies, by name. */
  public List<Policy> policies() {
    return impl.aclPolicies();
  }
}
