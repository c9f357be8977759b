package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandCodecTest {

  @Test
  void batchRoundTrips() throws IOException {
    Instance full =
        Instance.builder("web", "2001:db8::1")
            .id("web-1")
            .ports(Map.of("http", 8080, "grpc", 9090))
            .tags(List.of("a", "b"))
            .metadata(Map.of("k", "v", "empty", ""))
            .weight(10_000)
            .zone("eu-1")
            .health(Health.WARNING)
            .build();
    List<Command> commands =
        List.of(
            new Command.Register("ns", full),
            new Command.Deregister("ns", "web", "web-1"),
            new Command.OpenSession("s", 1234, "name"),
            new Command.CloseSession("s", true),
            new Command.SetHealth("ns", "web", "web-1", Health.CRITICAL),
            new Command.Register(
                "ns",
                full.toBuilder()
                    .check(
                        HealthCheck.builder(HealthCheck.Type.HTTP)
                            .port("http")
                            .path("/health?x=1")
                            .interval(Duration.ofMillis(1500))
                            .timeout(Duration.ofMillis(700))
                            .rise(4)
                            .fall(5)
                            .build())
                    .build()),
            new Command.SetServiceConfig("ns", "web", 0.25),
            new Command.Register("ns", full, false),
            new Command.Deregister("ns", "web", "web-1", "s", false),
            new Command.OpenSession(
                "s2", 1234, "name", dev.cairn.server.core.acl.Secrets.hash("secret")),
            new Command.CreateAclToken(
                "acc", dev.cairn.server.core.acl.Secrets.hash("t"), "d", List.of("p", "q"), true),
            new Command.DeleteAclToken("acc"),
            new Command.CreateAclPolicy(
                new dev.cairn.server.core.acl.Policy(
                    "p",
                    "desc",
                    List.of(
                        new dev.cairn.server.core.acl.Rule(
                            dev.cairn.server.core.acl.Resource.SERVICE,
                            "*",
                            "web",
                            dev.cairn.server.core.acl.Access.WRITE),
                        dev.cairn.server.core.acl.Rule.of(
                            dev.cairn.server.core.acl.Resource.ACL,
                            dev.cairn.server.core.acl.Access.DENY)))),
            new Command.DeleteAclPolicy("p"));

    byte[] entry = CommandCodec.encodeBatch(-42L, commands);
    assertThat(CommandCodec.decodeBatch(entry, new StringPool())).isEqualTo(commands);
    assertThat(CommandCodec.batchId(entry)).isEqualTo(-42L);
  }

  @Test
  void authoredCommandsRoundTripAlsoInsideAForwardedBatch() throws IOException {
    dev.cairn.server.core.Author alice =
        new dev.cairn.server.core.Author("acc-1", "s-1", "[2001:db8::7]:5123");
    Command reg =
        new Command.Authored(
            alice,
            1_700_000_000_123L,
            new Command.Register("ns", Instance.builder("web", "10.0.0.1").id("w1").build()));
    Command health =
        new Command.Authored(
            dev.cairn.server.core.Author.SERVER,
            5L,
            new Command.SetHealth("ns", "web", "w1", Health.CRITICAL));
    List<Command> commands =
        List.of(
            reg,
            health,
            new Command.CloseSession("s-1", false),
            new Command.Forwarded(9, List.of(reg, new Command.DeleteAclToken("a"))));
    byte[] entry = CommandCodec.encodeBatch(1L, commands);
    List<Command> decoded = CommandCodec.decodeBatch(entry, new StringPool());
    assertThat(decoded).isEqualTo(commands);
    assertThat(((Command.Authored) decoded.get(1)).author())
        .isSameAs(dev.cairn.server.core.Author.SERVER);
  }

  @Test
  void anAuthoredCommandCannotWrapAnotherNorComeBeforeVersion5() throws IOException {
    Command inner = new Command.CloseSession("s", true);
    assertThatThrownBy(
            () ->
                new Command.Authored(
                    dev.cairn.server.core.Author.SERVER,
                    0,
                    new Command.Authored(dev.cairn.server.core.Author.SERVER, 0, inner)))
        .isInstanceOf(IllegalArgumentException.class);

    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
    out.writeByte(CommandCodec.VERSION);
    out.writeLong(1);
    out.writeInt(1);
    for (int i = 0; i < 2; i++) {
      out.writeByte(12); // AUTHORED, twice
      out.writeUTF("");
      out.writeUTF("");
      out.writeUTF("");
      out.writeLong(0);
    }
    out.writeByte(4);
    out.writeUTF("s");
    out.writeBoolean(true);
    assertThatThrownBy(() -> CommandCodec.decodeBatch(bytes.toByteArray(), new StringPool()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("authored command inside another");

    byte[] v5 =
        CommandCodec.encodeBatch(
            1, List.of(new Command.Authored(dev.cairn.server.core.Author.SERVER, 0, inner)));
    v5[0] = 4;
    assertThatThrownBy(() -> CommandCodec.decodeBatch(v5, new StringPool()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("command type 12");
  }

  @Test
  void version4EntriesDecodeWithoutAuthors() throws IOException {
    List<Command> commands =
        List.of(new Command.CloseSession("s", true), new Command.DeleteAclPolicy("p"));
    byte[] entry = CommandCodec.encodeBatch(3L, commands);
    entry[0] = 4; // what a version 4 writer wrote: the same bytes under its version
    assertThat(CommandCodec.decodeBatch(entry, new StringPool())).isEqualTo(commands);
  }

  @Test
  void version1EntriesStillDecode() throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
    out.writeByte(1);
    out.writeLong(7);
    out.writeInt(1);
    out.writeByte(5); // SET_HEALTH
    out.writeUTF("ns");
    out.writeUTF("web");
    out.writeUTF("w1");
    out.writeByte(Health.CRITICAL.ordinal());

    assertThat(CommandCodec.decodeBatch(bytes.toByteArray(), new StringPool()))
        .containsExactly(new Command.SetHealth("ns", "web", "w1", Health.CRITICAL));
  }

  @Test
  void version2EntriesDecodeActingForAnySessionAsTheyApplied() throws IOException {
    Instance web = Instance.builder("web", "10.0.0.1").id("w1").build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte(2);
    out.writeLong(7);
    out.writeInt(3);
    out.writeByte(1); // REGISTER
    out.writeUTF("ns");
    // A version 2 instance: as today's, the check flag last.
    CommandCodec.writeInstance(out, web);
    out.writeByte(2); // DEREGISTER
    out.writeUTF("ns");
    out.writeUTF("web");
    out.writeUTF("w1");
    out.writeByte(3); // OPEN_SESSION
    out.writeUTF("s");
    out.writeLong(1000);
    out.writeUTF("client");

    assertThat(CommandCodec.decodeBatch(bytes.toByteArray(), new StringPool()))
        .containsExactly(
            new Command.Register("ns", web, true),
            new Command.Deregister("ns", "web", "w1", "", true),
            new Command.OpenSession("s", 1000, "client", null));
  }

  @Test
  void aSecretHashOfAnotherLengthIsAnIoError() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte(CommandCodec.VERSION);
    out.writeLong(7);
    out.writeInt(1);
    out.writeByte(3); // OPEN_SESSION
    out.writeUTF("s");
    out.writeLong(1000);
    out.writeUTF("client");
    out.writeByte(5);
    out.write(new byte[5]);

    assertThatThrownBy(() -> CommandCodec.decodeBatch(bytes.toByteArray(), new StringPool()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("secret hash of 5 bytes");
  }

  @Test
  void aForwardedBatchRoundTripsInsideAnEntryAndMayNotNest() throws IOException {
    Command inner = new Command.Deregister("default", "web", "a", "", true);
    List<Command> commands =
        List.of(
            new Command.CloseSession("s1", false),
            new Command.Forwarded(
                -5L, List.of(inner, new Command.OpenSession("s2", 10_000, "c", null))));

    assertThat(CommandCodec.decodeBatch(CommandCodec.encodeBatch(3L, commands), new StringPool()))
        .isEqualTo(commands);

    // A forwarded batch inside a forwarded batch: refused on decoding, and when built.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte(CommandCodec.VERSION);
    out.writeLong(1L);
    out.writeInt(1);
    out.writeByte(11);
    out.writeLong(2L);
    out.writeInt(1);
    out.writeByte(11);
    out.writeLong(3L);
    out.writeInt(0);
    assertThatThrownBy(() -> CommandCodec.decodeBatch(bytes.toByteArray(), new StringPool()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("inside another");
    assertThatThrownBy(
            () -> new Command.Forwarded(1L, List.of(new Command.Forwarded(2L, List.of()))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void resultsRoundTrip() {
    List<Result> results =
        List.of(
            Result.registered(5, 3),
            Result.failed(CairnException.invalid("weight", 0, "1..10000")),
            Result.failed(CairnException.of(ErrorCode.NOT_FOUND, "x")));
    List<Result> decoded = CommandCodec.decodeResults(CommandCodec.encodeResults(results));

    assertThat(decoded.get(0)).isEqualTo(results.get(0));
    assertThat(decoded.get(1).error()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(decoded.get(1).field()).isEqualTo("weight");
    assertThat(decoded.get(1).message()).isEqualTo("weight: 0 (expected: 1..10000)");
    assertThat(decoded.get(2).field()).isNull();
  }

  @Test
  void garbageIsAnIoErrorNotACrash() {
    assertThatThrownBy(() -> CommandCodec.decodeBatch(new byte[] {9, 0, 0, 0, 1}, new StringPool()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("version 9");
    assertThatThrownBy(
            () ->
                CommandCodec.decodeBatch(
                    new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f}, new StringPool()))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(
            () ->
                CommandCodec.decodeBatch(
                    new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 42}, new StringPool()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("command type 42");
    assertThatThrownBy(() -> CommandCodec.batchId(new byte[] {9}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("version 9");
  }

  // Found by CommandCodecFuzzTest: each threw an exception other than the documented refusal
  // (an entry that does not decode must be an IOException, so that the log skips it).

  @Test
  void aNegativeOrOversizedResultCountIsRefusedNotAllocated() {
    assertThatThrownBy(() -> CommandCodec.decodeResults(new byte[] {(byte) 0xd1, 0x2b, 0x0a, -8}))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("result count -785708296");
    assertThatThrownBy(() -> CommandCodec.decodeResults(new byte[] {0x7f, -1, -1, -1, 0}))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("result count 2147483647");
  }

  @Test
  void anUnknownErrorCodeInAReplyIsRefused() {
    assertThatThrownBy(
            () -> CommandCodec.decodeResults(new byte[] {0, 0, 0, 1, (byte) 200, 0, 0, 0, 0}))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("error code 199");
  }

  @Test
  void anUnknownHealthInAnEntryIsAnIoError() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte(CommandCodec.VERSION);
    out.writeLong(7);
    out.writeInt(1);
    out.writeByte(5); // SET_HEALTH
    out.writeUTF("ns");
    out.writeUTF("web");
    out.writeUTF("w1");
    out.writeByte(9);

    assertThatThrownBy(() -> CommandCodec.decodeBatch(bytes.toByteArray(), new StringPool()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("health 9");
  }

  @Test
  void aProtectionThresholdOutside0To1IsAnIoErrorNotACatalogSetting() throws IOException {
    for (double bad : new double[] {Double.NaN, 7.0, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> CommandCodec.decodeBatch(serviceConfigEntry(bad), new StringPool()))
          .as("%s", bad)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("protection threshold " + bad);
    }
    assertThat(CommandCodec.decodeBatch(serviceConfigEntry(-1), new StringPool()))
        .containsExactly(new Command.SetServiceConfig("ns", "web", -1));
  }

  private static byte[] serviceConfigEntry(double threshold) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte(CommandCodec.VERSION);
    out.writeLong(7);
    out.writeInt(1);
    out.writeByte(6); // SET_SERVICE_CONFIG
    out.writeUTF("ns");
    out.writeUTF("web");
    out.writeDouble(threshold);
    return bytes.toByteArray();
  }

  @Test
  void anInstanceThatFailsItsChecksOrHasAnUnknownKindIsAnIoError() throws IOException {
    assertThatThrownBy(() -> readInstance(instanceBytes("", 1)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("instance: address");
    assertThatThrownBy(() -> readInstance(instanceBytes("10.0.0.1", 7)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("kind 7");
    assertThat(readInstance(instanceBytes("10.0.0.1", 1)).address()).isEqualTo("10.0.0.1");
  }

  private static Instance readInstance(byte[] bytes) throws IOException {
    return CommandCodec.readInstance(
        new DataInputStream(new ByteArrayInputStream(bytes)),
        new StringPool(),
        CommandCodec.VERSION);
  }

  /** A persistent instance "web"/"i" at {@code address} with kind ordinal {@code kind}. */
  private static byte[] instanceBytes(String address, int kind) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeUTF("i");
    out.writeUTF("web");
    out.writeUTF(address);
    out.writeByte(0); // ports
    out.writeByte(0); // tags
    out.writeShort(0); // metadata
    out.writeShort(1); // weight
    out.writeUTF(""); // zone
    out.writeByte(0); // health
    out.writeByte(kind);
    out.writeUTF(""); // session
    out.writeLong(1);
    out.writeLong(1);
    out.writeBoolean(false); // check
    return bytes.toByteArray();
  }

  @Test
  void stringsAreWrittenExactlyAsWriteUtfWritesThem() throws IOException {
    List<String> samples =
        List.of(
            "",
            "web-000042",
            "a\u0000b",
            "caf\u00e9",
            "\u65e5\u672c",
            "\ud83d\ude00 smile",
            "x".repeat(0xFFFF),
            "\u007f\u0080");
    for (String s : samples) {
      assertThat(viaCodec(s)).as(s.length() > 20 ? s.substring(0, 20) : s).isEqualTo(viaJdk(s));
    }
    assertThatThrownBy(() -> viaCodec("x".repeat(0x10000)))
        .isInstanceOf(java.io.UTFDataFormatException.class);
  }

  private static byte[] viaCodec(String s) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
      CommandCodec.writeUtf(out, s);
    }
    return bytes.toByteArray();
  }

  private static byte[] viaJdk(String s) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
      out.writeUTF(s);
    }
    return bytes.toByteArray();
  }
}
