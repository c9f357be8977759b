package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.ErrorCode;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.ServiceEvent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogTest {

  private final Catalog catalog = new Catalog();

  private static Instance web(String id) {
    return Instance.builder("web", "10.0.0.1").id(id).port("http", 8080).build();
  }

  private static Instance ephemeral(String service, String id, String session) {
    return Instance.builder(service, "10.0.0.2")
        .id(id)
        .kind(InstanceKind.EPHEMERAL)
        .sessionId(session)
        .build();
  }

  @Test
  void everyChangeBumpsTheGlobalRevisionAndTheServiceRevision() {
    Result a = catalog.apply(new Command.Register("default", web("a")));
    Result b = catalog.apply(new Command.Register("default", web("b")));
    Result other =
        catalog.apply(
            new Command.Register("default", Instance.builder("db", "10.0.0.9").id("x").build()));
    catalog.publish();

    assertThat(a.revision()).isEqualTo(1);
    assertThat(b.revision()).isEqualTo(2);
    assertThat(other.revision()).isEqualTo(3);
    assertThat(catalog.revision()).isEqualTo(3);
    assertThat(catalog.service("default", "web").revision()).isEqualTo(2);
    assertThat(catalog.service("default", "db").revision()).isEqualTo(3);
    assertThat(catalog.service("default", "web").instances())
        .extracting(Instance::id)
        .containsExactly("a", "b");
    assertThat(catalog.instanceCount()).isEqualTo(3);
  }

  @Test
  void readsSeeNothingUntilPublished() {
    catalog.apply(new Command.Register("default", web("a")));
    assertThat(catalog.service("default", "web").instances()).isEmpty();
    assertThat(catalog.revision()).isZero();
    catalog.publish();
    assertThat(catalog.service("default", "web").instances()).hasSize(1);
  }

  @Test
  void identicalReRegistrationChangesNothing() {
    catalog.apply(new Command.Register("default", web("a")));
    catalog.publish();
    Result again = catalog.apply(new Command.Register("default", web("a")));
    Catalog.Changes changes = catalog.publish();

    assertThat(again.isOk()).isTrue();
    assertThat(again.revision()).isEqualTo(1);
    assertThat(catalog.revision()).isEqualTo(1);
    assertThat(changes.services()).isEmpty();
  }

  @Test
  void updateKeepsCreateRevisionAndEmitsUpdated() {
    catalog.apply(new Command.Register("default", web("a")));
    catalog.publish();
    catalog.apply(new Command.Register("default", web("a").toBuilder().weight(7).build()));
    Catalog.Changes changes = catalog.publish();

    Instance stored = catalog.service("default", "web").instances().get(0);
    assertThat(stored.weight()).isEqualTo(7);
    assertThat(stored.createRevision()).isEqualTo(1);
    assertThat(stored.modRevision()).isEqualTo(2);
    assertThat(changes.services().get(0).events())
        .extracting(ServiceEvent::type)
        .containsExactly(ServiceEvent.Type.UPDATED);
  }

  @Test
  void updatedEventsCarryTheHealthBefore() {
    catalog.apply(new Command.Register("default", web("a")));
    catalog.publish();
    catalog.apply(new Command.Register("default", web("a").toBuilder().weight(7).build()));
    catalog.apply(new Command.SetHealth("default", "web", "a", Health.CRITICAL));
    catalog.apply(
        new Command.Register("default", web("a").toBuilder().health(Health.WARNING).build()));
    List<ServiceEvent> events = catalog.publish().services().get(0).events();

    assertThat(events).extracting(ServiceEvent::healthChanged).containsExactly(false, true, true);
    assertThat(events)
        .extracting(ServiceEvent::previousHealth)
        .containsExactly(Health.PASSING, Health.PASSING, Health.CRITICAL);
    assertThat(events)
        .extracting(e -> e.instance().health())
        .containsExactly(Health.PASSING, Health.CRITICAL, Health.WARNING);
  }

  @Test
  void deregisterOfUnknownInstanceFailsAndChangesNothing() {
    catalog.apply(new Command.Register("default", web("a")));
    catalog.publish();
    Result r = catalog.apply(new Command.Deregister("default", "web", "nope"));
    catalog.publish();

    assertThat(r.error()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(r.message()).contains("nope");
    assertThat(catalog.revision()).isEqualTo(1);
    assertThat(catalog.service("default", "web").instances()).hasSize(1);
  }

  @Test
  void ephemeralInstanceNeedsAnOpenSessionAndGoesWithIt() {
    Result noSession = catalog.apply(new Command.Register("default", ephemeral("api", "e1", "s1")));
    assertThat(noSession.error()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(noSession.field()).isEqualTo("session");

    catalog.apply(new Command.OpenSession("s1", 10_000, "test"));
    catalog.apply(new Command.Register("default", ephemeral("api", "e1", "s1")));
    catalog.apply(new Command.Register("default", ephemeral("cache", "e2", "s1")));
    catalog.apply(new Command.Register("default", web("p1")));
    catalog.publish();
    assertThat(catalog.instanceCount()).isEqualTo(3);

    Result close = catalog.apply(new Command.CloseSession("s1", true));
    Catalog.Changes changes = catalog.publish();

    assertThat(close.isOk()).isTrue();
    assertThat(catalog.service("default", "api").instances()).isEmpty();
    assertThat(catalog.service("default", "cache").instances()).isEmpty();
    assertThat(catalog.service("default", "web").instances()).hasSize(1);
    assertThat(changes.closedSessions()).containsExactly("s1");
    assertThat(changes.services())
        .allSatisfy(
            c ->
                assertThat(c.events())
                    .allSatisfy(e -> assertThat(e.revision()).isEqualTo(close.revision())));
    assertThat(catalog.sessions()).isEmpty();
  }

  @Test
  void reRegisteringUnderAnotherSessionMovesOwnership() {
    catalog.apply(new Command.OpenSession("s1", 10_000, ""));
    catalog.apply(new Command.OpenSession("s2", 10_000, ""));
    catalog.apply(new Command.Register("default", ephemeral("api", "e1", "s1")));
    catalog.apply(new Command.Register("default", ephemeral("api", "e1", "s2")));
    catalog.apply(new Command.CloseSession("s1", false));
    catalog.publish();

    assertThat(catalog.service("default", "api").instances())
        .singleElement()
        .satisfies(i -> assertThat(i.sessionId()).isEqualTo("s2"));
  }

  @Test
  void setHealthUpdatesOnlyWhenItChanges() {
    catalog.apply(new Command.Register("default", web("a")));
    Result same = catalog.apply(new Command.SetHealth("default", "web", "a", Health.PASSING));
    Result critical = catalog.apply(new Command.SetHealth("default", "web", "a", Health.CRITICAL));
    catalog.publish();

    assertThat(same.revision()).isEqualTo(1);
    assertThat(critical.revision()).isEqualTo(2);
    assertThat(catalog.service("default", "web").instances().get(0).health())
        .isEqualTo(Health.CRITICAL);
    assertThat(catalog.services("default").services().get(0).passingCount()).isZero();
  }

  @Test
  void namespacesAreSeparate() {
    catalog.apply(new Command.Register("default", web("a")));
    catalog.apply(new Command.Register("staging", web("b")));
    catalog.publish();

    assertThat(catalog.service("default", "web").instances())
        .extracting(Instance::id)
        .containsExactly("a");
    assertThat(catalog.service("staging", "web").instances())
        .extracting(Instance::id)
        .containsExactly("b");
    assertThat(catalog.services("other").services()).isEmpty();
  }

  @Test
  void serviceListShowsOnlyServicesWithInstancesAndTracksTheNamespaceRevision() {
    catalog.apply(new Command.Register("default", web("a")));
    catalog.apply(new Command.Register("default", Instance.builder("db", "h").id("d").build()));
    catalog.publish();
    assertThat(catalog.services("default").services())
        .extracting(s -> s.name())
        .containsExactly("db", "web");
    assertThat(catalog.services("default").revision()).isEqualTo(2);

    catalog.apply(new Command.Deregister("default", "db", "d"));
    catalog.publish();
    assertThat(catalog.services("default").services())
        .extracting(s -> s.name())
        .containsExactly("web");
    assertThat(catalog.services("default").revision()).isEqualTo(3);
    // A removed service keeps its revision, so long-polls on it see the removal.
    assertThat(catalog.service("default", "db").revision()).isEqualTo(3);
  }

  @Test
  void publishedSnapshotsMatchAModelUnderRandomBatches() {
    java.util.Random random = new java.util.Random(42);
    java.util.TreeMap<String, Integer> model = new java.util.TreeMap<>();
    for (int batch = 0; batch < 300; batch++) {
      int size = 1 + random.nextInt(40);
      for (int k = 0; k < size; k++) {
        String id = "i" + random.nextInt(500);
        if (random.nextInt(3) == 0) {
          Result r = catalog.apply(new Command.Deregister("default", "web", id));
          assertThat(r.isOk()).isEqualTo(model.remove(id) != null);
        } else {
          int weight = 1 + random.nextInt(100);
          catalog.apply(
              new Command.Register("default", web(id).toBuilder().weight(weight).build()));
          model.put(id, weight);
        }
      }
      catalog.publish();
      List<Instance> instances = catalog.service("default", "web").instances();
      assertThat(instances).extracting(Instance::id).containsExactlyElementsOf(model.keySet());
      assertThat(instances).extracting(Instance::weight).containsExactlyElementsOf(model.values());
    }
  }

  @Test
  void anInstanceOfAnotherOpenSessionIsNeitherReplacedNorRemoved() {
    byte[] hash = dev.cairn.server.core.acl.Secrets.hash("s1-secret");
    catalog.apply(new Command.OpenSession("s1", 10_000, "", hash));
    catalog.apply(new Command.OpenSession("s2", 10_000, "", null));
    catalog.apply(new Command.Register("default", ephemeral("api", "e1", "s1"), false));
    long revision = catalog.publish().revision();

    List<Result> refused =
        List.of(
            catalog.apply(new Command.Register("default", ephemeral("api", "e1", "s2"), false)),
            catalog.apply(
                new Command.Register(
                    "default", Instance.builder("api", "10.6.6.6").id("e1").build(), false)),
            catalog.apply(new Command.Deregister("default", "api", "e1", "", false)),
            catalog.apply(new Command.Deregister("default", "api", "e1", "s2", false)));

    assertThat(refused)
        .allSatisfy(
            r -> {
              assertThat(r.error()).isEqualTo(ErrorCode.PERMISSION_DENIED);
              assertThat(r.field()).isEqualTo("secret");
              assertThat(r.message()).contains("default/api/e1", "s1");
            });
    assertThat(catalog.publish().revision()).isEqualTo(revision);
    assertThat(catalog.secretHash("s1")).isEqualTo(hash);
    assertThat(catalog.secretHash("s2")).isEmpty();
    assertThat(catalog.secretHash("nope")).isNull();

    // Its own session, or a caller acting for every session, may.
    assertThat(
            catalog
                .apply(new Command.Register("default", ephemeral("api", "e1", "s1"), false))
                .isOk())
        .isTrue();
    assertThat(catalog.apply(new Command.Deregister("default", "api", "e1", "s1", false)).isOk())
        .isTrue();
    catalog.apply(new Command.Register("default", ephemeral("api", "e2", "s1"), false));
    assertThat(catalog.apply(new Command.Deregister("default", "api", "e2", "", true)).isOk())
        .isTrue();
    // Once the owner is closed, what is left of it is anyone's.
    catalog.apply(new Command.Register("default", web("w"), false));
    catalog.apply(new Command.CloseSession("s1", false));
    assertThat(catalog.secretHash("s1")).isNull();
  }

  @Test
  void instancesRegisteredBeforeTheStrictRulesStillDecodeChangeHealthAndSnapshot()
      throws Exception {
    // Stored before decision 0097: a server must still start with them in its log or snapshot.
    Instance legacy =
        Instance.builder("web", "010.0.0.1")
            .id("old")
            .port("http", 8080)
            .metadata(Map.of("a\nb", "x\u0000y"))
            .buildStored();
    List<Command> entry = List.of(new Command.Register("default", legacy));
    List<Command> decoded =
        CommandCodec.decodeBatch(CommandCodec.encodeBatch(1L, entry), new StringPool());
    assertThat(decoded).isEqualTo(entry);
    catalog.apply(decoded.get(0));
    assertThat(
            catalog.apply(new Command.SetHealth("default", "web", "old", Health.CRITICAL)).isOk())
        .isTrue();
    catalog.publish();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    catalog.writeSnapshot(new DataOutputStream(bytes));
    Catalog restored = new Catalog();
    restored.readSnapshot(
        new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), new StringPool());
    Instance back = restored.service("default", "web").instances().get(0);
    assertThat(back.address()).isEqualTo("010.0.0.1");
    assertThat(back.metadata()).containsEntry("a\nb", "x\u0000y");
    assertThat(back.health()).isEqualTo(Health.CRITICAL);
  }

  @Test
  void aCapturedStateIsWrittenAsItWasWhateverIsAppliedAfterIt() throws Exception {
    catalog.apply(new Command.OpenSession("s1", 5_000, "client", null));
    catalog.apply(
        new Command.Register("default", Instance.builder("web", "10.0.0.1").id("a").build()));
    catalog.apply(
        new Command.Register("default", Instance.builder("web", "10.0.0.2").id("b").build()));
    catalog.publish();
    ByteArrayOutputStream then = new ByteArrayOutputStream();
    catalog.writeSnapshot(new DataOutputStream(then));
    Catalog.Captured captured = catalog.capture();

    catalog.apply(new Command.Deregister("default", "web", "a"));
    catalog.apply(
        new Command.Register("default", Instance.builder("api", "10.0.0.3").id("c").build()));
    catalog.apply(new Command.OpenSession("s2", 5_000, "other", null));
    catalog.publish();

    ByteArrayOutputStream written = new ByteArrayOutputStream();
    captured.write(new DataOutputStream(written));
    assertThat(written.toByteArray()).isEqualTo(then.toByteArray());
    ByteArrayOutputStream now = new ByteArrayOutputStream();
    catalog.writeSnapshot(new DataOutputStream(now));
    assertThat(now.toByteArray()).isNotEqualTo(then.toByteArray());
  }

  @Test
  void aSnapshotKeepsSessionSecretHashesAndAVersion2SnapshotStillReads() throws Exception {
    byte[] hash = dev.cairn.server.core.acl.Secrets.hash("secret");
    catalog.apply(new Command.OpenSession("s1", 5_000, "client", hash));
    catalog.publish();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    catalog.writeSnapshot(new DataOutputStream(bytes));
    Catalog restored = new Catalog();
    restored.readSnapshot(
        new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), new StringPool());
    assertThat(restored.secretHash("s1")).isEqualTo(hash);

    ByteArrayOutputStream v2 = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(v2);
    out.writeInt(0xCA1A5AFE);
    out.writeByte(2);
    out.writeLong(3); // revision
    out.writeInt(1); // sessions
    out.writeUTF("old");
    out.writeLong(5_000);
    out.writeUTF("client");
    out.writeInt(0); // namespaces
    out.writeInt(0); // service settings
    Catalog old = new Catalog();
    old.readSnapshot(
        new DataInputStream(new ByteArrayInputStream(v2.toByteArray())), new StringPool());
    assertThat(old.sessions()).containsExactly(new Catalog.OpenedSession("old", 5_000));
    assertThat(old.secretHash("old")).as("no secret: nobody proves it").isEmpty();
  }

  @Test
  void snapshotRestoresTheSameState() throws Exception {
    catalog.apply(new Command.OpenSession("s1", 5_000, "client"));
    catalog.apply(new Command.Register("default", ephemeral("api", "e1", "s1")));
    catalog.apply(
        new Command.Register(
            "default",
            web("a").toBuilder()
                .tags(List.of("v1", "canary"))
                .metadata(Map.of("version", "2", "team", "core"))
                .zone("z1")
                .weight(250)
                .check(
                    dev.cairn.common.HealthCheck.builder(dev.cairn.common.HealthCheck.Type.TCP)
                        .build())
                .build()));
    catalog.apply(new Command.SetServiceConfig("default", "web", 0.4));
    catalog.publish();

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    catalog.writeSnapshot(new DataOutputStream(bytes));
    Catalog restored = new Catalog();
    restored.readSnapshot(
        new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), new StringPool());

    assertThat(restored.revision()).isEqualTo(catalog.revision());
    assertThat(restored.service("default", "web").instances())
        .isEqualTo(catalog.service("default", "web").instances());
    assertThat(restored.service("default", "api").instances())
        .isEqualTo(catalog.service("default", "api").instances());
    assertThat(restored.sessions()).containsExactly(new Catalog.OpenedSession("s1", 5_000));
    assertThat(restored.service("default", "web").instances().get(0).check()).isPresent();
    assertThat(restored.protectionThreshold("default", "web")).isEqualTo(0.4);
    assertThat(restored.protectionThreshold("default", "api")).isNegative();
    // The restored session still owns its instance.
    restored.apply(new Command.CloseSession("s1", true));
    restored.publish();
    assertThat(restored.service("default", "api").instances()).isEmpty();
  }

  // Found by CommandCodecFuzzTest: a negative instance count threw IllegalArgumentException, and a
  // huge one would have allocated its list before the data ran out.
  @Test
  void aSnapshotWithABadInstanceCountIsAnIoError() throws Exception {
    for (int count : new int[] {-1, Integer.MAX_VALUE}) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(0xCA1A5AFE);
      out.writeByte(CommandCodec.VERSION);
      out.writeLong(1); // revision
      out.writeInt(0); // sessions
      out.writeInt(1); // namespaces
      out.writeUTF("default");
      out.writeInt(1); // services
      out.writeUTF("web");
      out.writeLong(1);
      out.writeInt(count);

      assertThatThrownBy(
              () ->
                  new Catalog()
                      .readSnapshot(
                          new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())),
                          new StringPool()))
          .as("%d", count)
          .isInstanceOf(java.io.IOException.class);
    }
  }

  @Test
  void sameCommandsGiveSameState() throws Exception {
    List<Command> commands =
        List.of(
            new Command.OpenSession("s", 1000, ""),
            new Command.Register("default", web("a")),
            new Command.Register("default", ephemeral("api", "e", "s")),
            new Command.Deregister("default", "web", "a"),
            new Command.Register("default", web("b")));
    Catalog one = new Catalog();
    Catalog two = new Catalog();
    for (Command c : commands) {
      one.apply(c);
    }
    one.publish();
    for (Command c :
        CommandCodec.decodeBatch(CommandCodec.encodeBatch(1L, commands), new StringPool())) {
      two.apply(c);
    }
    two.publish();
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    one.writeSnapshot(new DataOutputStream(a));
    two.writeSnapshot(new DataOutputStream(b));
    assertThat(a.toByteArray()).isEqualTo(b.toByteArray());
  }

  // Decision 0164: a token's link to a deleted policy never comes back with a new policy of the
  // same name, whether the commands come from a log written before the change or not.
  @Test
  void aLogWrittenBeforeTokensLostDeletedPoliciesReplaysWithoutTheOldLinks() throws Exception {
    byte[] hash = dev.cairn.server.core.acl.Secrets.hash("old-secret");
    List<Command> commands =
        List.of(
            new Command.CreateAclPolicy(policy("tmp", serviceRead("default", "web"))),
            new Command.CreateAclToken("a-old", hash, "old", List.of("tmp"), false),
            new Command.DeleteAclPolicy("tmp"),
            new Command.CreateAclPolicy(
                policy(
                    "tmp",
                    dev.cairn.server.core.acl.Rule.of(
                        dev.cairn.server.core.acl.Resource.CLUSTER,
                        dev.cairn.server.core.acl.Access.WRITE),
                    dev.cairn.server.core.acl.Rule.of(
                        dev.cairn.server.core.acl.Resource.ACL,
                        dev.cairn.server.core.acl.Access.WRITE))),
            // Asked for while "gone" existed, applied after it was deleted: created unlinked.
            new Command.CreateAclToken(
                "a-late",
                dev.cairn.server.core.acl.Secrets.hash("late"),
                "",
                List.of("gone"),
                false));
    byte[] entry = CommandCodec.encodeBatch(1L, commands);
    entry[0] = 4; // the first version with ACLs: these commands are encoded as they were then
    Catalog one = new Catalog();
    for (Command c : CommandCodec.decodeBatch(entry, new StringPool())) {
      assertThat(one.apply(c).isOk()).as("%s", c).isTrue();
    }
    one.publish();

    assertThat(one.revision()).isEqualTo(5);
    assertThat(one.acl().tokens())
        .extracting(dev.cairn.server.core.acl.Token::policies)
        .containsExactly(List.of(), List.of());
    var old = one.acl().resolve("old-secret");
    assertThat(old.kind()).isEqualTo(dev.cairn.server.core.acl.Authorizer.Kind.KNOWN);
    assertThat(
            old.allows(
                dev.cairn.server.core.acl.Resource.ACL, dev.cairn.server.core.acl.Access.WRITE))
        .isFalse();
    assertThat(
            old.allows(
                dev.cairn.server.core.acl.Resource.CLUSTER, dev.cairn.server.core.acl.Access.READ))
        .isFalse();

    // Deterministic: the same commands give the same state, byte for byte.
    Catalog two = new Catalog();
    for (Command c : commands) {
      two.apply(c);
    }
    two.publish();
    assertThat(snapshot(two)).isEqualTo(snapshot(one));
  }

  @Test
  void aSnapshotWrittenBeforeTokensLostDeletedPoliciesLoadsWithoutTheOldLinks() throws Exception {
    for (int version : new int[] {4, 5}) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(0xCA1A5AFE);
      out.writeByte(version);
      out.writeLong(7); // revision
      out.writeInt(0); // sessions
      out.writeInt(0); // namespaces
      out.writeInt(0); // service settings
      out.writeBoolean(true); // bootstrapped
      out.writeInt(1); // policies
      AclState.writePolicy(out, policy("keep", serviceRead("*", "")));
      out.writeInt(2); // tokens
      // "old" still names "tmp", deleted before the change: what the old code left behind.
      AclState.writeToken(
          out,
          "a-old",
          dev.cairn.server.core.acl.Secrets.hash("old-secret"),
          "old",
          List.of("tmp", "keep"));
      out.writeLong(3);
      AclState.writeToken(
          out,
          "a-root",
          dev.cairn.server.core.acl.Secrets.hash("root-secret"),
          "root",
          List.of("global-management"));
      out.writeLong(1);
      if (version >= 5) {
        out.writeInt(0); // audit records
      }

      Catalog restored = new Catalog();
      restored.readSnapshot(
          new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), new StringPool());
      assertThat(restored.acl().tokens())
          .as("version %d", version)
          .extracting(t -> t.accessorId() + "=" + t.policies())
          .containsExactly("a-root=[global-management]", "a-old=[keep]");

      // Re-creating "tmp" gives the old token nothing of it.
      assertThat(
              restored
                  .apply(
                      new Command.CreateAclPolicy(
                          policy(
                              "tmp",
                              dev.cairn.server.core.acl.Rule.of(
                                  dev.cairn.server.core.acl.Resource.ACL,
                                  dev.cairn.server.core.acl.Access.WRITE))))
                  .isOk())
          .isTrue();
      restored.publish();
      var old = restored.acl().resolve("old-secret");
      assertThat(
              old.allows(
                  dev.cairn.server.core.acl.Resource.ACL, dev.cairn.server.core.acl.Access.WRITE))
          .isFalse();
      assertThat(
              old.allows(
                  dev.cairn.server.core.acl.Resource.SERVICE,
                  dev.cairn.server.core.acl.Access.READ,
                  "default",
                  "web"))
          .isTrue();
      assertThat(restored.acl().resolve("root-secret").allowsEverything()).isTrue();
    }
  }

  private static dev.cairn.server.core.acl.Policy policy(
      String name, dev.cairn.server.core.acl.Rule... rules) {
    return new dev.cairn.server.core.acl.Policy(name, "", List.of(rules));
  }

  private static dev.cairn.server.core.acl.Rule serviceRead(String namespace, String prefix) {
    return new dev.cairn.server.core.acl.Rule(
        dev.cairn.server.core.acl.Resource.SERVICE,
        namespace,
        prefix,
        dev.cairn.server.core.acl.Access.READ);
  }

  private static byte[] snapshot(Catalog c) throws java.io.IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    c.writeSnapshot(new DataOutputStream(bytes));
    return bytes.toByteArray();
  }
}
