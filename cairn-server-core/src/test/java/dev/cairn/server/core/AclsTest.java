package dev.cairn.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.core.acl.IssuedToken;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AclsTest {

  private final RestorableLog log = new RestorableLog(null);
  private final Registry registry = start(log);

  private static Registry start(RestorableLog log) {
    try {
      return Registry.start(log, RegistryOptions.builder().autoExpireSessions(false).build());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void bootstrapHappensOnceAndGrantsEverything() {
    IssuedToken first = registry.acls().bootstrap().join();

    assertThat(first.secret()).hasSize(43);
    assertThat(first.token().policies()).containsExactly(Policy.MANAGEMENT);
    assertThat(registry.acls().bootstrapped()).isTrue();
    Authorizer a = registry.acls().authorizer(first.secret());
    assertThat(a.kind()).isEqualTo(Authorizer.Kind.KNOWN);
    assertThat(a.accessorId()).isEqualTo(first.token().accessorId());
    assertThat(a.allows(Resource.ACL, Access.WRITE)).isTrue();
    assertThat(a.allows(Resource.SERVICE, Access.WRITE, "any", "thing")).isTrue();

    assertThatThrownBy(() -> registry.acls().bootstrap().join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
              assertThat(e.field()).isEqualTo("acl");
            });
    assertThat(registry.acls().tokens()).hasSize(1);
  }

  @Test
  void tokensFollowTheirPoliciesAndUnknownSecretsGetNothing() {
    registry
        .acls()
        .createPolicy(
            new Policy(
                "web",
                "",
                List.of(
                    new Rule(Resource.SERVICE, "default", "web", Access.WRITE),
                    Rule.of(Resource.SESSION, Access.WRITE))))
        .join();
    IssuedToken web = registry.acls().createToken("web team", List.of("web")).join();

    Authorizer a = registry.acls().authorizer(web.secret());
    assertThat(a.allows(Resource.SERVICE, Access.WRITE, "default", "web-api")).isTrue();
    assertThat(a.allows(Resource.SERVICE, Access.READ, "default", "db")).isFalse();
    assertThat(a.allows(Resource.SERVICE, Access.READ, "staging", "web")).isFalse();
    assertThat(a.allows(Resource.SESSION, Access.WRITE)).isTrue();
    assertThat(registry.acls().authorizer("nope")).isSameAs(Authorizer.UNKNOWN);
    assertThat(registry.acls().authorizer(web.secret() + "x")).isSameAs(Authorizer.UNKNOWN);
    // Anonymous: nothing until a policy named anonymous exists.
    assertThat(
            registry.acls().authorizer("").allows(Resource.SERVICE, Access.READ, "default", "web"))
        .isFalse();
    registry
        .acls()
        .createPolicy(
            new Policy(
                Policy.ANONYMOUS, "", List.of(new Rule(Resource.SERVICE, "*", "", Access.READ))))
        .join();
    assertThat(registry.acls().authorizer("").allows(Resource.SERVICE, Access.READ, "x", "y"))
        .isTrue();

    // Deleting the policy takes its grants away from the token at once.
    registry.acls().deletePolicy("web").join();
    assertThat(
            registry
                .acls()
                .authorizer(web.secret())
                .allows(Resource.SERVICE, Access.WRITE, "default", "web-api"))
        .isFalse();
    registry.acls().deleteToken(web.token().accessorId()).join();
    assertThat(registry.acls().authorizer(web.secret())).isSameAs(Authorizer.UNKNOWN);
  }

  @Test
  void aTokenNeedsExistingPoliciesAndNamesAreNotTakenTwice() {
    assertThatThrownBy(() -> registry.acls().createToken("", List.of("nope")))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("policies"));
    registry.acls().createPolicy(new Policy("p", "", List.of())).join();
    assertThatThrownBy(() -> registry.acls().createPolicy(new Policy("p", "", List.of())).join())
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
    assertThatThrownBy(
            () -> registry.acls().createPolicy(new Policy(Policy.MANAGEMENT, "", List.of())))
        .isInstanceOf(CairnException.class);
    assertThatThrownBy(() -> registry.acls().deletePolicy("gone").join())
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
  }

  @Test
  void tokensAndPoliciesSurviveASnapshotAndOnlyTheirHashIsKept() {
    IssuedToken root = registry.acls().bootstrap().join();
    registry
        .acls()
        .createPolicy(
            new Policy(
                "ro", "read only", List.of(new Rule(Resource.SERVICE, "*", "", Access.READ))))
        .join();
    IssuedToken ro = registry.acls().createToken("reader", List.of("ro")).join();
    byte[] snapshot = log.snapshot();
    assertThat(new String(snapshot, java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain(root.secret())
        .doesNotContain(ro.secret());

    try (Registry restored = start(new RestorableLog(snapshot))) {
      assertThat(restored.acls().bootstrapped()).isTrue();
      assertThat(restored.acls().policies()).containsExactlyElementsOf(registry.acls().policies());
      assertThat(restored.acls().tokens()).containsExactlyElementsOf(registry.acls().tokens());
      assertThat(
              restored
                  .acls()
                  .authorizer(ro.secret())
                  .allows(Resource.SERVICE, Access.READ, "a", "b"))
          .isTrue();
      assertThat(restored.acls().authorizer(root.secret()).allowsEverything()).isTrue();
      assertThatThrownBy(() -> restored.acls().bootstrap().join())
          .cause()
          .hasMessageContaining("already");
    }
  }

  // An operator's test: tokens linked policies by name, so re-creating a deleted policy's name gave
  // the new policy's rights to the tokens of the old one (decision 0164).
  @Test
  void aPolicyCreatedUnderADeletedOnesNameGivesNothingToTheOldTokens() {
    IssuedToken root = registry.acls().bootstrap().join();
    registry
        .acls()
        .createPolicy(
            new Policy(
                "tmp", "", List.of(new Rule(Resource.SERVICE, "default", "web", Access.READ))))
        .join();
    IssuedToken old = registry.acls().createToken("old", List.of("tmp")).join();
    assertThat(
            registry
                .acls()
                .authorizer(old.secret())
                .allows(Resource.SERVICE, Access.READ, "default", "web"))
        .isTrue();

    registry.acls().deletePolicy("tmp").join();
    assertThat(registry.acls().tokens())
        .filteredOn(t -> t.accessorId().equals(old.token().accessorId()))
        .singleElement()
        .satisfies(t -> assertThat(t.policies()).as("unlinked with the delete").isEmpty());
    registry
        .acls()
        .createPolicy(
            new Policy(
                "tmp",
                "",
                List.of(
                    Rule.of(Resource.CLUSTER, Access.WRITE), Rule.of(Resource.ACL, Access.WRITE))))
        .join();

    Authorizer a = registry.acls().authorizer(old.secret());
    assertThat(a.kind()).isEqualTo(Authorizer.Kind.KNOWN);
    assertThat(a.allows(Resource.CLUSTER, Access.READ)).isFalse();
    assertThat(a.allows(Resource.ACL, Access.WRITE)).isFalse();
    assertThat(a.allows(Resource.SERVICE, Access.READ, "default", "web")).isFalse();
    // Other tokens keep their links; a new token of the new policy gets its rights.
    assertThat(registry.acls().authorizer(root.secret()).allowsEverything()).isTrue();
    IssuedToken fresh = registry.acls().createToken("new", List.of("tmp")).join();
    assertThat(registry.acls().authorizer(fresh.secret()).allows(Resource.ACL, Access.WRITE))
        .isTrue();

    // The same after a snapshot, and a delete that takes one of two policies keeps the other.
    registry.acls().createPolicy(new Policy("keep", "", List.of())).join();
    IssuedToken two = registry.acls().createToken("two", List.of("keep", "tmp")).join();
    registry.acls().deletePolicy("tmp").join();
    registry
        .acls()
        .createPolicy(new Policy("tmp", "", List.of(Rule.of(Resource.ACL, Access.WRITE))))
        .join();
    try (Registry restored = start(new RestorableLog(log.snapshot()))) {
      assertThat(restored.acls().tokens()).containsExactlyElementsOf(registry.acls().tokens());
      assertThat(restored.acls().tokens())
          .extracting(t -> t.description() + "=" + t.policies())
          .containsExactly("bootstrap token=[global-management]", "old=[]", "new=[]", "two=[keep]");
      assertThat(restored.acls().authorizer(old.secret()).allows(Resource.ACL, Access.WRITE))
          .isFalse();
      assertThat(restored.acls().authorizer(two.secret()).allows(Resource.ACL, Access.WRITE))
          .isFalse();
    }
  }

  @Test
  void aTokenWithoutPoliciesIsRefused() {
    assertThatThrownBy(() -> registry.acls().createToken("none", List.of()))
        .isInstanceOfSatisfying(
            CairnException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(e.field()).isEqualTo("policies");
              assertThat(e.getMessage()).contains("global-management");
            });
    assertThat(registry.acls().tokens()).isEmpty();
  }
}
