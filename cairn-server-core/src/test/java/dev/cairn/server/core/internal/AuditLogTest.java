package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.server.core.AuditEntry;
import dev.cairn.server.core.Author;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditLogTest {

  private static final Author ALICE = Author.of("acc-1", "10.0.0.7:5123");

  private static Instance web(String id) {
    return Instance.builder("web", "10.0.0.1").id(id).port("http", 8080).build();
  }

  private static Command by(Author author, long at, Command c) {
    return new Command.Authored(author, at, c);
  }

  @Test
  void everyAppliedWriteIsRecordedWithItsRevisionTimeOperationTargetAndAuthor() {
    Catalog catalog = new Catalog();
    catalog.apply(by(ALICE, 1_000, new Command.Register("default", web("a"))));
    catalog.apply(
        by(Author.SERVER, 2_000, new Command.SetHealth("default", "web", "a", Health.CRITICAL)));
    catalog.apply(by(ALICE.inSession("s1"), 3_000, new Command.OpenSession("s1", 5_000, "c")));
    catalog.apply(new Command.Deregister("default", "web", "a")); // logged before authors
    catalog.publish();

    assertThat(catalog.audit().latest(null, null, 10))
        .containsExactly(
            new AuditEntry(4, 0, "deregister", "default", "web", "a", null),
            new AuditEntry(3, 3_000, "open-session", "", "", "s1", ALICE.inSession("s1")),
            new AuditEntry(2, 2_000, "set-health", "default", "web", "a", Author.SERVER),
            new AuditEntry(1, 1_000, "register", "default", "web", "a", ALICE));
    assertThat(catalog.audit().latest(null, "web", 2))
        .extracting(AuditEntry::revision)
        .containsExactly(4L, 2L);
    assertThat(catalog.audit().latest("other", null, 10)).isEmpty();
  }

  @Test
  void whatChangesNothingOrFailsIsNotRecorded() {
    Catalog catalog = new Catalog();
    catalog.apply(by(ALICE, 1, new Command.Register("default", web("a"))));
    catalog.apply(by(ALICE, 2, new Command.Register("default", web("a")))); // the same again
    catalog.apply(by(ALICE, 3, new Command.Deregister("default", "web", "nope")));
    assertThat(catalog.audit().size()).isEqualTo(1);
  }

  @Test
  void theRingKeepsTheNewestWrites() {
    Catalog catalog = new Catalog(3);
    for (int i = 0; i < 5; i++) {
      catalog.apply(by(ALICE, i, new Command.Register("default", web("i" + i))));
    }
    assertThat(catalog.audit().latest(null, null, 10))
        .extracting(AuditEntry::target)
        .containsExactly("i4", "i3", "i2");
  }

  @Test
  void aSnapshotCarriesTheAuditAndAnOlderSnapshotStartsItEmpty() throws IOException {
    Catalog catalog = new Catalog();
    catalog.apply(by(ALICE, 10, new Command.Register("default", web("a"))));
    catalog.apply(new Command.Register("default", web("b")));
    catalog.apply(
        by(
            ALICE,
            30,
            new Command.CreateAclPolicy(new dev.cairn.server.core.acl.Policy("p", "", List.of()))));
    catalog.publish();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    catalog.writeSnapshot(new DataOutputStream(bytes));

    Catalog restored = new Catalog();
    restored.readSnapshot(
        new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), new StringPool());
    assertThat(restored.audit().latest(null, null, 10))
        .isEqualTo(catalog.audit().latest(null, null, 10))
        .hasSize(3);

    Catalog small = new Catalog(2);
    small.readSnapshot(
        new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), new StringPool());
    assertThat(small.audit().latest(null, null, 10))
        .extracting(AuditEntry::target)
        .containsExactly("p", "b");

    ByteArrayOutputStream v4 = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(v4);
    out.writeInt(0xCA1A5AFE);
    out.writeByte(4);
    out.writeLong(3); // revision
    out.writeInt(0); // sessions
    out.writeInt(0); // namespaces
    out.writeInt(0); // service settings
    new AclState().write(out);
    restored.readSnapshot(
        new DataInputStream(new ByteArrayInputStream(v4.toByteArray())), new StringPool());
    assertThat(restored.audit().size()).isZero();
  }
}
