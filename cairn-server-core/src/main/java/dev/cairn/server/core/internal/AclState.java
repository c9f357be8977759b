package dev.cairn.server.core.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import dev.cairn.server.core.acl.Secrets;
import dev.cairn.server.core.acl.Token;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The catalog's ACL tokens and policies (decision 0166): changed by the apply thread only, through
 * logged commands, so every member of a cluster holds the same; read by any thread. Tokens are kept
 * by the SHA-256 hash of their secret, never the secret. Every change bumps {@link #generation()},
 * which invalidates the authorizers compiled from the old state.
 *
 * <p>A token links policies by name, and every link names a policy that exists (or {@value
 * Policy#MANAGEMENT}): deleting a policy removes its name from every token in the same applied
 * command, a token is created with links to existing policies only, and a snapshot written before
 * this held (whose tokens may still name deleted policies) loses those links when it is read — so a
 * policy created later under a deleted one's name never gives its rights to the old tokens
 * (decision 0164).
 */
final class AclState {

  private static final Access[] ACCESS = Access.values();
  private static final Resource[] RESOURCES = Resource.values();

  private final ConcurrentHashMap<String, Policy> policies = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, StoredToken> byAccessor = new ConcurrentHashMap<>();
  // By the first 8 bytes of the secret's hash; the whole hash is then compared in constant time.
  private final ConcurrentHashMap<Long, StoredToken> byHash = new ConcurrentHashMap<>();
  private volatile boolean bootstrapped;
  private volatile long generation;

  /** A token and the hash of its secret. */
  record StoredToken(Token token, byte[] secretHash) {}

  // ---- reads, any thread ----

  long generation() {
    return generation;
  }

  boolean bootstrapped() {
    return bootstrapped;
  }

  Policy policy(String name) {
    return policies.get(name);
  }

  List<Policy> policies() {
    List<Policy> out = new ArrayList<>(policies.values());
    out.sort(Comparator.comparing(Policy::name));
    return out;
  }

  List<Token> tokens() {
    List<Token> out = new ArrayList<>(byAccessor.size());
    for (StoredToken t : byAccessor.values()) {
      out.add(t.token());
    }
    out.sort(Comparator.comparingLong(Token::createRevision).thenComparing(Token::accessorId));
    return out;
  }

  /** The authorizer of the token with this secret, {@link Authorizer#UNKNOWN} when none has it. */
  Authorizer resolve(String secret) {
    byte[] hash = Secrets.hash(secret);
    StoredToken t = byHash.get(prefix(hash));
    if (t == null || !Secrets.same(t.secretHash(), hash)) {
      return Authorizer.UNKNOWN;
    }
    return compile(t.token().accessorId(), Authorizer.Kind.KNOWN, t.token().policies());
  }

  /** The authorizer of requests without a token: the policy named {@value Policy#ANONYMOUS}. */
  Authorizer anonymous() {
    return compile("", Authorizer.Kind.ANONYMOUS, List.of(Policy.ANONYMOUS));
  }

  private Authorizer compile(String accessorId, Authorizer.Kind kind, List<String> names) {
    List<Policy> found = new ArrayList<>(names.size());
    for (String n : names) {
      Policy p = policies.get(n);
      if (p != null) {
        found.add(p);
      }
    }
    return Authorizer.compile(accessorId, kind, names, found);
  }

  // ---- apply thread ----

  /** Creates a token at {@code revision}; throws, changing nothing, when it cannot. */
  void createToken(Command.CreateAclToken c, long revision) {
    if (c.bootstrap() && bootstrapped) {
      throw CairnException.of(
          ErrorCode.FAILED_PRECONDITION,
          "acl",
          "acl: already bootstrapped (expected: one bootstrap; create tokens with a management"
              + " token)");
    }
    if (byAccessor.containsKey(c.accessorId())) {
      throw CairnException.of(
          ErrorCode.ALREADY_EXISTS, "accessorId", "accessorId: " + c.accessorId() + " (exists)");
    }
    // A policy deleted after the token was asked for, before it was applied, is not linked: the
    // token is as if the policy had been deleted right after it was created.
    StoredToken t =
        new StoredToken(
            new Token(c.accessorId(), c.description(), existing(c.policies()), revision),
            c.secretHash());
    byAccessor.put(c.accessorId(), t);
    byHash.put(prefix(c.secretHash()), t);
    if (c.bootstrap()) {
      bootstrapped = true;
    }
    generation++;
  }

  void deleteToken(String accessorId) {
    StoredToken t = byAccessor.remove(accessorId);
    if (t == null) {
      throw CairnException.notFound("accessorId", accessorId);
    }
    byHash.remove(prefix(t.secretHash()), t);
    generation++;
  }

  void createPolicy(Policy p) {
    if (p.name().equals(Policy.MANAGEMENT)) {
      throw CairnException.invalid("name", p.name(), "not a built-in policy's name");
    }
    if (policies.putIfAbsent(p.name(), p) != null) {
      throw CairnException.of(ErrorCode.ALREADY_EXISTS, "name", "name: " + p.name() + " (exists)");
    }
    generation++;
  }

  /**
   * Deletes a policy and, in the same step, its name from every token that links it: a policy
   * created later under the same name is another policy, which those tokens never had.
   */
  void deletePolicy(String name) {
    if (policies.remove(name) == null) {
      throw CairnException.notFound("name", name);
    }
    unlinkMissingPolicies();
    generation++;
  }

  /**
   * {@code names} without those of policies that do not exist ({@value Policy#MANAGEMENT} does).
   */
  private List<String> existing(List<String> names) {
    List<String> out = null;
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      boolean exists = n.equals(Policy.MANAGEMENT) || policies.containsKey(n);
      if (!exists && out == null) {
        out = new ArrayList<>(names.subList(0, i));
      } else if (exists && out != null) {
        out.add(n);
      }
    }
    return out == null ? names : out;
  }

  /** Removes, from every token, the names of policies that do not exist. */
  private void unlinkMissingPolicies() {
    for (StoredToken t : byAccessor.values()) {
      List<String> kept = existing(t.token().policies());
      if (kept != t.token().policies()) {
        Token old = t.token();
        StoredToken replaced =
            new StoredToken(
                new Token(old.accessorId(), old.description(), kept, old.createRevision()),
                t.secretHash());
        byAccessor.put(old.accessorId(), replaced);
        byHash.replace(prefix(t.secretHash()), t, replaced);
      }
    }
  }

  // ---- snapshots, apply thread ----

  void write(DataOutput out) throws IOException {
    out.writeBoolean(bootstrapped);
    out.writeInt(policies.size());
    for (Policy p : policies.values()) {
      writePolicy(out, p);
    }
    out.writeInt(byAccessor.size());
    for (StoredToken t : byAccessor.values()) {
      writeToken(
          out,
          t.token().accessorId(),
          t.secretHash(),
          t.token().description(),
          t.token().policies());
      out.writeLong(t.token().createRevision());
    }
  }

  void read(DataInput in) throws IOException {
    clear();
    bootstrapped = in.readBoolean();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      Policy p = readPolicy(in);
      policies.put(p.name(), p);
    }
    n = in.readInt();
    for (int i = 0; i < n; i++) {
      Command.CreateAclToken c = readToken(in, false);
      StoredToken t =
          new StoredToken(
              new Token(c.accessorId(), c.description(), c.policies(), in.readLong()),
              c.secretHash());
      byAccessor.put(c.accessorId(), t);
      byHash.put(prefix(t.secretHash()), t);
    }
    // Snapshots written before decision 0164 may hold links to deleted policies.
    unlinkMissingPolicies();
    generation++;
  }

  void clear() {
    policies.clear();
    byAccessor.clear();
    byHash.clear();
    bootstrapped = false;
    generation++;
  }

  // ---- encoding, shared with the command codec ----

  static void writePolicy(DataOutput out, Policy p) throws IOException {
    CommandCodec.writeUtf(out, p.name());
    CommandCodec.writeUtf(out, p.description());
    out.writeShort(p.rules().size());
    for (Rule r : p.rules()) {
      out.writeByte(r.resource().ordinal());
      CommandCodec.writeUtf(out, r.namespace());
      CommandCodec.writeUtf(out, r.prefix());
      out.writeByte(r.access().ordinal());
    }
  }

  static Policy readPolicy(DataInput in) throws IOException {
    String name = in.readUTF();
    String description = in.readUTF();
    int n = in.readUnsignedShort();
    if (n > Policy.MAX_RULES) {
      throw new IOException("rule count " + n + " (expected: 0.." + Policy.MAX_RULES + ")");
    }
    List<Rule> rules = new ArrayList<>(n);
    try {
      for (int i = 0; i < n; i++) {
        Resource resource = CommandCodec.ordinal(RESOURCES, in.readUnsignedByte(), "resource");
        String namespace = in.readUTF();
        String prefix = in.readUTF();
        Access access = CommandCodec.ordinal(ACCESS, in.readUnsignedByte(), "access");
        rules.add(new Rule(resource, namespace, prefix, access));
      }
      return new Policy(name, description, rules);
    } catch (CairnException e) {
      throw new IOException("policy: " + e.getMessage(), e);
    }
  }

  static void writeToken(
      DataOutput out, String accessorId, byte[] hash, String description, List<String> names)
      throws IOException {
    CommandCodec.writeUtf(out, accessorId);
    CommandCodec.writeHash(out, hash);
    CommandCodec.writeUtf(out, description);
    out.writeShort(names.size());
    for (String n : names) {
      CommandCodec.writeUtf(out, n);
    }
  }

  static Command.CreateAclToken readToken(DataInput in, boolean bootstrap) throws IOException {
    String accessorId = in.readUTF();
    byte[] hash = CommandCodec.readHash(in);
    if (hash == null) {
      throw new IOException("token " + accessorId + " without a secret hash");
    }
    String description = in.readUTF();
    int n = in.readUnsignedShort();
    if (n > Policy.MAX_RULES) {
      throw new IOException("policy count " + n + " (expected: 0.." + Policy.MAX_RULES + ")");
    }
    List<String> names = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      names.add(in.readUTF());
    }
    return new Command.CreateAclToken(accessorId, hash, description, names, bootstrap);
  }

  private static long prefix(byte[] hash) {
    long p = 0;
    for (int i = 0; i < 8; i++) {
      p = (p << 8) | (hash[i] & 0xff);
    }
    return p;
  }
}
