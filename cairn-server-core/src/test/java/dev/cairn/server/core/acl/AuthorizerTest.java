package dev.cairn.server.core.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AuthorizerTest {

  private static Authorizer of(Rule... rules) {
    return Authorizer.compile(
        "t", Authorizer.Kind.KNOWN, List.of("p"), List.of(new Policy("p", "", List.of(rules))));
  }

  @Test
  void theLongestPrefixDecidesThenTheExactNamespace() {
    Authorizer a =
        of(
            new Rule(Resource.SERVICE, "*", "", Access.READ),
            new Rule(Resource.SERVICE, "*", "web", Access.WRITE),
            new Rule(Resource.SERVICE, "*", "web-secret", Access.DENY),
            new Rule(Resource.SERVICE, "prod", "web", Access.READ));

    assertThat(a.allows(Resource.SERVICE, Access.READ, "dev", "db")).isTrue();
    assertThat(a.allows(Resource.SERVICE, Access.WRITE, "dev", "db")).isFalse();
    assertThat(a.allows(Resource.SERVICE, Access.WRITE, "dev", "web-api")).isTrue();
    assertThat(a.allows(Resource.SERVICE, Access.READ, "dev", "web-secret-1")).isFalse();
    assertThat(a.allows(Resource.SERVICE, Access.WRITE, "prod", "web-api")).isFalse();
    assertThat(a.allows(Resource.SERVICE, Access.READ, "prod", "web-api")).isTrue();
    // Other resources are not granted by service rules.
    assertThat(a.allows(Resource.HEALTH, Access.WRITE, "dev", "web-api")).isFalse();
    assertThat(a.allows(Resource.CLUSTER, Access.READ)).isFalse();
  }

  @Test
  void atEqualSpecificityDenyWinsElseTheWidestGrant() {
    Authorizer a =
        Authorizer.compile(
            "t",
            Authorizer.Kind.KNOWN,
            List.of("a", "b", "c"),
            List.of(
                new Policy("a", "", List.of(new Rule(Resource.SERVICE, "*", "x", Access.READ))),
                new Policy("b", "", List.of(new Rule(Resource.SERVICE, "*", "x", Access.WRITE))),
                new Policy(
                    "c",
                    "",
                    List.of(
                        Rule.of(Resource.SESSION, Access.WRITE),
                        Rule.of(Resource.SESSION, Access.DENY)))));

    assertThat(a.allows(Resource.SERVICE, Access.WRITE, "default", "x1")).isTrue();
    assertThat(a.allows(Resource.SESSION, Access.READ)).isFalse();
  }

  @Test
  void aWholeNamespaceNeedsARuleForAllOfItAndNoNarrowerRestriction() {
    Authorizer all = of(new Rule(Resource.SERVICE, "default", "", Access.READ));
    Authorizer holes =
        of(
            new Rule(Resource.SERVICE, "*", "", Access.READ),
            new Rule(Resource.SERVICE, "*", "secret", Access.DENY));
    Authorizer some = of(new Rule(Resource.SERVICE, "*", "web", Access.READ));

    assertThat(all.allowsWholeNamespace(Resource.SERVICE, Access.READ, "default")).isTrue();
    assertThat(all.allowsWholeNamespace(Resource.SERVICE, Access.READ, "other")).isFalse();
    assertThat(holes.allowsWholeNamespace(Resource.SERVICE, Access.READ, "default")).isFalse();
    assertThat(some.allowsWholeNamespace(Resource.SERVICE, Access.READ, "default")).isFalse();
  }

  @Test
  void someOfANamespaceNeedsAGrantingRuleForItWhateverItsPrefix() {
    Authorizer some = of(new Rule(Resource.SERVICE, "prod", "web", Access.READ));
    Authorizer anywhere = of(new Rule(Resource.SERVICE, "*", "db", Access.WRITE));
    Authorizer denied = of(new Rule(Resource.SERVICE, "*", "", Access.DENY));

    assertThat(some.allowsSomeOfNamespace(Resource.SERVICE, Access.READ, "prod")).isTrue();
    assertThat(some.allowsSomeOfNamespace(Resource.SERVICE, Access.READ, "dev")).isFalse();
    assertThat(some.allowsSomeOfNamespace(Resource.SERVICE, Access.WRITE, "prod")).isFalse();
    assertThat(anywhere.allowsSomeOfNamespace(Resource.SERVICE, Access.READ, "any")).isTrue();
    assertThat(anywhere.allowsSomeOfNamespace(Resource.HEALTH, Access.READ, "any")).isFalse();
    assertThat(denied.allowsSomeOfNamespace(Resource.SERVICE, Access.READ, "any")).isFalse();
    assertThat(Authorizer.ALL.allowsSomeOfNamespace(Resource.SERVICE, Access.WRITE, "x")).isTrue();
    assertThat(Authorizer.UNKNOWN.allowsSomeOfNamespace(Resource.SERVICE, Access.READ, "x"))
        .isFalse();
  }

  @Test
  void theManagementPolicyAllowsEverythingAndUnknownNothing() {
    Authorizer m =
        Authorizer.compile("t", Authorizer.Kind.KNOWN, List.of(Policy.MANAGEMENT), List.of());
    assertThat(m.allowsEverything()).isTrue();
    assertThat(m.allows(Resource.ACL, Access.WRITE)).isTrue();
    assertThat(Authorizer.UNKNOWN.allows(Resource.SERVICE, Access.READ, "a", "b")).isFalse();
  }

  @Test
  void badRulesAreRefusedNamingTheField() {
    assertThatThrownBy(() -> new Rule(Resource.SERVICE, "Bad", "", Access.READ))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("rules.namespace"));
    assertThatThrownBy(() -> new Rule(Resource.SERVICE, "*", "we b", Access.READ))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("rules.prefix"));
    assertThatThrownBy(() -> new Rule(Resource.CLUSTER, "default", "", Access.READ))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("rules.namespace"));
    assertThatThrownBy(() -> new Rule(Resource.SESSION, "", "x", Access.READ))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("rules.prefix"));
    assertThatThrownBy(() -> Access.parse("rules.access", "admin"))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("rules.access"));
  }

  @Test
  void aCachedTokenIsCheckedWithoutAllocating() {
    Authorizer compiled =
        of(
            new Rule(Resource.SERVICE, "*", "", Access.READ),
            new Rule(Resource.SERVICE, "default", "web", Access.WRITE),
            new Rule(Resource.SERVICE, "*", "secret", Access.DENY));
    AtomicInteger resolved = new AtomicInteger();
    TokenCache cache =
        new TokenCache(
            s -> {
              resolved.incrementAndGet();
              return compiled;
            },
            () -> 7L);
    String secret = Secrets.newSecret();
    // The secret as a request brings it: a new String with the same characters.
    String presented = new String(secret.toCharArray());
    cache.get(secret);

    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    boolean allowed = true;
    for (int warm = 0; warm < 20_000; warm++) {
      allowed &= check(cache, presented);
    }
    long before = threads.getThreadAllocatedBytes(id);
    for (int i = 0; i < 100_000; i++) {
      allowed &= check(cache, presented);
    }
    long allocated = threads.getThreadAllocatedBytes(id) - before;

    assertThat(allowed).isTrue();
    assertThat(resolved).hasValue(1);
    // One allocated object per check would be at least 1.6 MB; what the JIT and the measurement
    // itself allocate once (a few hundred bytes at most) is not the checks'.
    assertThat(allocated).as("bytes allocated by 100,000 checks").isLessThan(1024);
  }

  private static boolean check(TokenCache cache, String secret) {
    Authorizer a = cache.get(secret);
    return a.allows(Resource.SERVICE, Access.READ, "default", "web-api")
        && a.allows(Resource.SERVICE, Access.WRITE, "default", "web-api")
        && !a.allows(Resource.SERVICE, Access.READ, "default", "secret-store");
  }

  @Test
  void aNewGenerationResolvesAgain() {
    AtomicInteger resolved = new AtomicInteger();
    long[] generation = {1};
    TokenCache cache =
        new TokenCache(
            s -> {
              resolved.incrementAndGet();
              return Authorizer.UNKNOWN;
            },
            () -> generation[0]);
    cache.get("s");
    cache.get("s");
    generation[0]++;
    cache.get("s");
    assertThat(resolved).hasValue(2);
  }
}
