package dev.cairn.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstanceTest {

  private static Instance.Builder valid() {
    return Instance.builder("web", "10.0.0.1").id("web-1").port("http", 8080);
  }

  private static void rejects(Instance.Builder b, String field, String expected) {
    assertThatThrownBy(b::build)
        .isInstanceOfSatisfying(
            CairnException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.getMessage()).startsWith(field + ": ").contains(expected);
            });
  }

  @Test
  void withRevisionsChangesTheRevisionsOnly() {
    Instance i =
        valid()
            .ports(Map.of("http", 8080, "grpc", 9090))
            .tags(List.of("a", "b"))
            .metadata(Map.of("version", "1.2", "team", "core"))
            .weight(7)
            .zone("z1")
            .health(Health.WARNING)
            .kind(InstanceKind.EPHEMERAL)
            .sessionId("s-1")
            .build()
            .withRevisions(2, 3);

    Instance moved = i.withRevisions(5, 9);

    assertThat(moved.createRevision()).isEqualTo(5);
    assertThat(moved.modRevision()).isEqualTo(9);
    assertThat(moved.sameRegistration(i)).isTrue();
    assertThat(moved).isNotEqualTo(i).isEqualTo(i.toBuilder().build().withRevisions(5, 9));
  }

  @Test
  void defaults() {
    Instance i = valid().build();
    assertThat(i.weight()).isEqualTo(100);
    assertThat(i.health()).isEqualTo(Health.PASSING);
    assertThat(i.kind()).isEqualTo(InstanceKind.PERSISTENT);
    assertThat(i.zone()).isEmpty();
    assertThat(i.port("http")).isEqualTo(8080);
    assertThat(i.port("grpc")).isEqualTo(-1);
  }

  @Test
  void namesMustBeDnsLabels() {
    rejects(valid().service(""), "service", "DNS label");
    rejects(valid().service("Web"), "service", "DNS label");
    rejects(valid().service("-web"), "service", "DNS label");
    rejects(valid().service("a".repeat(64)), "service", "DNS label");
    rejects(valid().zone("eu_1"), "zone", "DNS label");
    rejects(valid().tags(List.of("ok", "not ok")), "tags", "DNS label");
    rejects(valid().id("has space"), "id", "[A-Za-z0-9._:-]");
    rejects(valid().address(""), "address", "host name");
  }

  @Test
  void portsWeightsAndMetadataHaveLimits() {
    rejects(valid().port("http", 0), "ports.http", "1..65535");
    rejects(valid().port("http", 65536), "ports.http", "1..65535");
    rejects(valid().weight(0), "weight", "1..10000");
    rejects(valid().weight(10_001), "weight", "1..10000");
    Map<String, String> big = new HashMap<>();
    for (int i = 0; i < Limits.MAX_METADATA_ENTRIES + 1; i++) {
      big.put("k" + i, "v");
    }
    rejects(valid().metadata(big), "metadata", "<= 64");
    rejects(valid().metadata(Map.of("k", "x".repeat(513))), "metadata.k", "0..512");
    Map<String, String> heavy = new HashMap<>();
    for (int i = 0; i < 10; i++) {
      heavy.put("key" + i, "x".repeat(500));
    }
    rejects(valid().metadata(heavy), "metadata", "in total");
  }

  @Test
  void addressesAreStrictAndUnambiguous() {
    rejects(valid().address("010.0.0.1"), "address", "without leading zeros");
    rejects(valid().address("01.02.03.04"), "address", "without leading zeros");
    rejects(valid().address("999.1.1.1"), "address", "four decimal octets 0..255");
    rejects(valid().address("0x7f.0.0.1"), "address", "four decimal octets");
    rejects(valid().address("2130706433"), "address", "last label is a number");
    rejects(valid().address("[::1]"), "address", "drop the [ ]");
    rejects(valid().address("fe80::1%eth0"), "address", "zone ids (%eth0) are host-local");
    for (String ok :
        List.of(
            "db-1.internal", "localhost", "127.0.0.1", "::1", "2001:db8::1", "::ffff:1.2.3.4")) {
      assertThat(valid().address(ok).build().address()).isEqualTo(ok);
    }
    // IPv6 is kept as written, not rewritten to RFC 5952 form.
    assertThat(valid().address("2001:0DB8:0:0::1").build().address()).isEqualTo("2001:0DB8:0:0::1");
  }

  @Test
  void metadataKeysHaveNoControlCharactersOrSpacesAndValuesNoControlCharactersButTab() {
    for (String key :
        List.of("a\nb", "a\u0000b", "a\u007fb", "a\u0085b", "a b", "a\tb", "a\u00a0b")) {
      rejects(
          valid().metadata(Map.of(key, "v")), "metadata.key", "no control characters or spaces");
    }
    for (String value : List.of("a\u0000b", "a\nb", "a\rb", "\u001b[31m", "a\u009bb")) {
      rejects(valid().metadata(Map.of("k", value)), "metadata.k", "no control characters but tab");
    }
    Map<String, String> two = new HashMap<>(Map.of("ok", "v"));
    two.put("bad", "x\ny");
    rejects(valid().metadata(two), "metadata.bad", "no control characters");
    Instance i =
        valid()
            .metadata(
                Map.of(
                    "k", "a\tb c",
                    "spring.application/name_v2:x", "ünïcode & <json> {\"a\": 1}",
                    "ключ", ""))
            .build();
    assertThat(i.metadata()).containsEntry("k", "a\tb c");
  }

  @Test
  void metadataHoldsWholeCharactersOnly() {
    rejects(valid().metadata(Map.of("k", "\ud800x")), "metadata.k", "U+D800 at index 0");
    rejects(valid().metadata(Map.of("k", "x\udc00")), "metadata.k", "U+DC00 at index 1");
    rejects(valid().metadata(Map.of("k\ud83d", "v")), "metadata.key", "U+D83D at index 1");
    assertThat(valid().metadata(Map.of("k", "\ud83d\ude00")).build().metadata())
        .containsEntry("k", "\ud83d\ude00");
  }

  @Test
  void refusedControlCharactersAreEscapedInTheMessage() {
    assertThatThrownBy(() -> valid().metadata(Map.of("k", "a\u0000b\n")).build())
        .hasMessageContaining("\"a\\u0000b\\u000a\"")
        .hasMessageNotContaining("\n");
  }

  @Test
  void storedInstancesAreReadWithTheRulesOfTheirTime() {
    Instance.Builder old =
        valid().address("010.0.0.1").metadata(Map.of("a\nb", "x\u0000y", "k", "v"));
    rejects(old, "address", "without leading zeros");
    Instance stored = old.buildStored();
    assertThat(stored.address()).isEqualTo("010.0.0.1");
    assertThat(stored.metadata()).containsEntry("a\nb", "x\u0000y");
    // Rebuilt, e.g. when its health changes, it stays as it is.
    assertThat(stored.toBuilder().health(Health.CRITICAL).buildStored().address())
        .isEqualTo("010.0.0.1");
    for (String a : List.of("[::1]", "fe80::1%eth0", "999.1.1.1")) {
      assertThat(valid().address(a).buildStored().address()).isEqualTo(a);
    }
    // Lengths and everything else still hold.
    assertThatThrownBy(() -> valid().address("a b").buildStored())
        .isInstanceOf(CairnException.class);
    assertThatThrownBy(() -> valid().metadata(Map.of("k", "x".repeat(513))).buildStored())
        .isInstanceOf(CairnException.class);
    assertThatThrownBy(() -> valid().weight(0).buildStored()).isInstanceOf(CairnException.class);
  }

  @Test
  void kindAndSessionMustAgree() {
    rejects(valid().kind(InstanceKind.EPHEMERAL), "session", "session id");
    rejects(valid().sessionId("s1"), "session", "no session");
    assertThat(valid().kind(InstanceKind.EPHEMERAL).sessionId("s1").build().sessionId())
        .isEqualTo("s1");
  }

  @Test
  void tagsAreDeduplicatedAndMapsSortedAndUnmodifiable() {
    Instance i =
        valid()
            .tags(List.of("b", "a", "b"))
            .ports(Map.of("z", 1, "a", 2))
            .metadata(Map.of("y", "1", "x", "2"))
            .build();
    assertThat(i.tags()).containsExactly("b", "a");
    assertThat(i.ports().keySet()).containsExactly("a", "z");
    assertThat(i.metadata().keySet()).containsExactly("x", "y");
    assertThatThrownBy(() -> i.ports().put("q", 3))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void longValuesAreShortenedInMessages() {
    assertThatThrownBy(() -> valid().service("x".repeat(5000)).build())
        .hasMessageContaining("...\" (5000 chars)") // the value's length, quotes not counted
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(200));
  }

  @Test
  void sharedStringsKeepEveryValue() {
    Instance i =
        valid()
            .tags(List.of("a", "b"))
            .metadata(Map.of("k", "v", "x", "y"))
            .zone("z1")
            .kind(InstanceKind.EPHEMERAL)
            .sessionId("s")
            .build();
    java.util.Map<String, String> pool = new java.util.HashMap<>();
    Instance shared = i.withSharedStrings(s -> pool.computeIfAbsent(s, k -> k));

    assertThat(shared).isEqualTo(i);
    assertThat(pool).containsKeys("web", "http", "a", "b", "k", "v", "x", "y", "z1", "s");
    assertThat(shared.service()).isSameAs(pool.get("web"));
  }

  @Test
  void sharedStringsAreThePoolsAndAnInstanceAlreadySharedIsKept() {
    Instance one =
        Instance.builder(fresh("web"), "10.0.0.1")
            .id("web-1")
            .ports(Map.of(fresh("http"), 8080))
            .tags(List.of(fresh("a")))
            .metadata(Map.of(fresh("k"), fresh("v")))
            .zone(fresh("z1"))
            .build();
    Instance many =
        one.toBuilder()
            .ports(Map.of(fresh("http"), 8080, fresh("grpc"), 9090))
            .tags(List.of(fresh("a"), fresh("b")))
            .metadata(Map.of(fresh("k"), fresh("v"), fresh("x"), fresh("y")))
            .build();
    Map<String, String> pool = new HashMap<>();
    for (String s : List.of("web", "http", "grpc", "a", "b", "k", "v", "x", "y", "z1")) {
      pool.put(s, fresh(s));
    }

    for (Instance i : List.of(one, many)) {
      Instance shared = i.withSharedStrings(s -> pool.getOrDefault(s, s));

      assertThat(shared).isEqualTo(i).isNotSameAs(i);
      assertThat(shared.service()).isSameAs(pool.get("web"));
      assertThat(shared.zone()).isSameAs(pool.get("z1"));
      shared.ports().keySet().forEach(k -> assertThat(k).isSameAs(pool.get(k)));
      shared.tags().forEach(t -> assertThat(t).isSameAs(pool.get(t)));
      shared
          .metadata()
          .forEach(
              (k, v) -> {
                assertThat(k).isSameAs(pool.get(k));
                assertThat(v).isSameAs(pool.get(v));
              });
      assertThat(shared.ports().keySet()).containsExactlyElementsOf(i.ports().keySet());
      assertThat(shared.metadata().keySet()).containsExactlyElementsOf(i.metadata().keySet());
      assertThat(shared.tags()).containsExactlyElementsOf(i.tags());
      // Shared once, there is nothing left to share: the same instance comes back.
      assertThat(shared.withSharedStrings(s -> pool.getOrDefault(s, s))).isSameAs(shared);
    }
  }

  /** An equal string that is not the same object (nor an interned literal). */
  private static String fresh(String s) {
    return new String(s.toCharArray());
  }

  @Test
  void nullPortsAndMetadataValuesAreRefusedNamingTheField() {
    Map<String, Integer> port = new HashMap<>();
    port.put("http", null);
    rejects(valid().ports(port), "ports.http", "1..65535");
    Map<String, String> meta = new HashMap<>();
    meta.put("k", null);
    rejects(valid().metadata(meta), "metadata.k", "0..512");
    rejects(valid().tags(java.util.Arrays.asList((String) null)), "tags", "");
  }

  @Test
  void oneMetadataEntryWithinItsLimitsIsWithinTheTotal() {
    // Builder.checkMetadata sums the lengths only for two entries or more.
    assertThat(Limits.MAX_METADATA_KEY_LENGTH + Limits.MAX_METADATA_VALUE_LENGTH)
        .isLessThanOrEqualTo(Limits.MAX_METADATA_TOTAL_LENGTH);
    Instance i =
        valid()
            .metadata(
                Map.of(
                    "k".repeat(Limits.MAX_METADATA_KEY_LENGTH),
                    "v".repeat(Limits.MAX_METADATA_VALUE_LENGTH)))
            .build();
    assertThat(i.metadata()).hasSize(1);
  }

  @Test
  void aRebuiltInstanceKeepsItsMapsAndEqualsTheOriginal() {
    Instance many =
        valid()
            .ports(Map.of("z", 1, "a", 2))
            .metadata(Map.of("y", "1", "x", "2"))
            .tags(List.of("t"))
            .build();

    Instance again = many.toBuilder().build();

    assertThat(again).isEqualTo(many);
    assertThat(again.ports()).isSameAs(many.ports());
    assertThat(again.metadata()).isSameAs(many.metadata());
    assertThat(again.tags()).isSameAs(many.tags());
  }

  @Test
  void inSessionMakesTheAcknowledgedInstanceAndChecksOnlyTheSession() {
    Instance sent = valid().build();

    Instance stored = sent.inSession("s-1", 7, 9);

    assertThat(stored.kind()).isEqualTo(InstanceKind.EPHEMERAL);
    assertThat(stored.sessionId()).isEqualTo("s-1");
    assertThat(stored.createRevision()).isEqualTo(7);
    assertThat(stored.modRevision()).isEqualTo(9);
    assertThat(stored)
        .isEqualTo(
            sent.toBuilder().kind(InstanceKind.EPHEMERAL).sessionId("s-1").revisions(7, 9).build());
    assertThatThrownBy(() -> sent.inSession("", 1, 1))
        .isInstanceOf(CairnException.class)
        .hasMessageContaining("session");
  }
}
