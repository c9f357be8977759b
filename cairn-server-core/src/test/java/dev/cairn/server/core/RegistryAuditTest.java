package dev.cairn.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.log.MemoryCommandLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RegistryAuditTest {

  private static final Instant T0 = Instant.parse("2026-12-05T06:00:00Z");
  private final AtomicLong now = new AtomicLong();
  private final Registry registry = start();

  private Registry start() {
    try {
      return Registry.start(
          new MemoryCommandLog(),
          RegistryOptions.builder()
              .ticker(now::get)
              .clock(Clock.fixed(T0, ZoneOffset.UTC))
              .autoExpireSessions(false)
              .build());
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void eachWriteIsRecordedWithItsAuthorNewestFirst() {
    Author alice = Author.of("acc-alice", "10.1.2.3:4000");
    Author bob = Author.of("", "10.9.9.9:5000");
    SessionInfo s =
        registry.openSession(Duration.ofSeconds(10), "", SessionAccess.none(), "sdk", bob).join();
    Instance stored =
        registry
            .register(
                "",
                Instance.builder("web", "10.0.0.1")
                    .id("web-1")
                    .sessionId(s.id())
                    .kind(InstanceKind.EPHEMERAL)
                    .build(),
                SessionAccess.secret(s.secret()),
                bob)
            .join();
    long removed =
        registry.deregister("", "web", "web-1", SessionAccess.secret(s.secret()), alice).join();
    registry.acls().createPolicy(new Policy("readers", "", List.of()), alice).join();
    registry.setProtectionThreshold("", "db", 0.5, alice).join();

    List<AuditEntry> all = registry.audit(null, null, 100);
    assertThat(all)
        .extracting(AuditEntry::operation)
        .containsExactly("set-config", "create-policy", "deregister", "register", "open-session");
    assertThat(all.get(3))
        .isEqualTo(
            new AuditEntry(
                stored.modRevision(),
                T0.toEpochMilli(),
                "register",
                "default",
                "web",
                "web-1",
                new Author("", s.id(), "10.9.9.9:5000")));
    assertThat(all.get(2).revision()).isEqualTo(removed);
    assertThat(all.get(2).author())
        .as("the session the remover proved is named with its token")
        .isEqualTo(new Author("acc-alice", s.id(), "10.1.2.3:4000"));
    assertThat(all.get(4).target()).isEqualTo(s.id());

    assertThat(registry.audit("default", "web", 1))
        .extracting(AuditEntry::operation)
        .containsExactly("deregister");
    assertThat(registry.audit(null, "db", 10)).hasSize(1);
  }

  @Test
  void theServersOwnWritesAreItsOwn() {
    SessionInfo s = registry.openSession(Duration.ofSeconds(1), "", "sdk").join();
    now.addAndGet(Duration.ofSeconds(5).toNanos());
    registry.expireSessions();
    org.awaitility.Awaitility.await()
        .untilAsserted(
            () ->
                assertThat(registry.audit(null, null, 1))
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.operation()).isEqualTo("expire-session");
                          assertThat(e.target()).isEqualTo(s.id());
                          assertThat(e.author()).isSameAs(Author.SERVER);
                          assertThat(e.author().isServer()).isTrue();
                        }));
  }

  @Test
  void aBadLimitOrNameIsRefusedNamingIt() {
    assertThat(Registry.MAX_AUDIT_LIMIT)
        .isEqualTo(dev.cairn.server.core.internal.RegistryImpl.MAX_AUDIT_LIMIT);
    assertThatThrownBy(() -> registry.audit(null, null, 0))
        .isInstanceOf(CairnException.class)
        .satisfies(
            e -> {
              assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(((CairnException) e).field()).isEqualTo("limit");
            });
    assertThatThrownBy(() -> registry.audit(null, null, Registry.MAX_AUDIT_LIMIT + 1))
        .isInstanceOf(CairnException.class);
    assertThatThrownBy(() -> registry.audit(null, "Not A Name!", 10))
        .isInstanceOf(CairnException.class)
        .satisfies(e -> assertThat(((CairnException) e).field()).isEqualTo("service"));
  }

  @Test
  void authorFieldsAreBounded() {
    Author a = new Author("x".repeat(1000), "", "");
    assertThat(a.accessorId()).hasSize(Author.MAX_FIELD);
    assertThat(Author.of("a", "r").inSession("s").sessionId()).isEqualTo("s");
  }
}
