package dev.cairn.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NamesTest {

  @Test
  void labels() {
    assertThat(Names.isLabel("a")).isTrue();
    assertThat(Names.isLabel("hello-world-2")).isTrue();
    assertThat(Names.isLabel("a".repeat(63))).isTrue();
    assertThat(Names.isLabel(null)).isFalse();
    assertThat(Names.isLabel("")).isFalse();
    assertThat(Names.isLabel("a-")).isFalse();
    assertThat(Names.isLabel("a.b")).isFalse();
    assertThat(Names.isLabel("ü")).isFalse();
  }

  @Test
  void namespaceDefaults() {
    assertThat(Names.namespace(null)).isEqualTo("default");
    assertThat(Names.namespace("")).isEqualTo("default");
    assertThat(Names.namespace("prod")).isEqualTo("prod");
    assertThatThrownBy(() -> Names.namespace("Prod"))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("namespace"));
  }

  @Test
  void dotSegmentsAreNoNewInstanceIds() {
    assertThat(Names.checkNewInstanceId("id", "web-1.example")).isEqualTo("web-1.example");
    assertThat(Names.checkNewInstanceId("id", "...")).isEqualTo("...");
    for (String dots : new String[] {".", ".."}) {
      assertThatThrownBy(() -> Names.checkNewInstanceId("id", dots))
          .as(dots)
          .isInstanceOfSatisfying(
              CairnException.class,
              e -> {
                assertThat(e.field()).isEqualTo("id");
                assertThat(e.getMessage()).contains("other than . and ..");
              });
      // One stored before this rule can still be named, to be read or removed.
      assertThat(Names.checkInstanceId("id", dots)).isEqualTo(dots);
    }
  }

  @Test
  void addressesThatWereValidAndSensibleStayValid() {
    for (String ok :
        new String[] {
          "db-1.internal",
          "DB-1.Internal",
          "localhost",
          "node-5.example",
          "db.example.com.",
          "1password.com",
          "10.0.0.1.nip.io",
          "db.1.internal",
          "x.123-4",
          "xn--bcher-kva.example",
          "a".repeat(63) + ".example",
          "127.0.0.1",
          "0.0.0.0",
          "10.0.0.1",
          "255.255.255.255",
          "192.168.100.200",
          "::1",
          "::",
          "1::",
          "2001:db8::1",
          "2001:DB8::1",
          "2001:0db8:0000:0000:0000:0000:0000:0001",
          "fe80::1",
          "1:2:3:4:5:6:7:8",
          "1:2:3:4:5:6:7::",
          "::2:3:4:5:6:7:8",
          "::ffff:1.2.3.4",
          "::ffff:255.255.255.255",
          "64:ff9b::192.0.2.33",
          "1:2:3:4:5:6:1.2.3.4",
        }) {
      assertThat(Names.checkAddress("address", ok)).as(ok).isEqualTo(ok);
      assertThat(Names.isAddress(ok)).as(ok).isTrue();
    }
    assertThat(Names.isIpv4Literal("10.0.0.1")).isTrue();
    assertThat(Names.isIpv6Literal("::ffff:1.2.3.4")).isTrue();
    assertThat(Names.isHostName("db-1.internal")).isTrue();
    assertThat(Names.isHostName("10.0.0.1")).isFalse();
  }

  @Test
  void ipv4LiteralsAreCanonicalDottedQuads() {
    for (String bad :
        new String[] {
          "010.0.0.1", // octal to libc, 10.0.0.1 to others
          "01.02.03.04",
          "10.0.0.01",
          "00.0.0.0",
          "999.1.1.1",
          "256.0.0.1",
          "1.2.3.4.5",
          "1.2.3",
          "1.2.3.",
          "10.0.0.1.",
          "1..2.3",
          "2130706433", // an integer: 127.0.0.1 to inet_aton
          "0x7f.0.0.1", // hex
          "0x7f000001",
          "0X7F000001",
          "db.0x1f",
          "0x",
          "db.internal.42",
        }) {
      assertRefused(bad, "IPv4 literal of four decimal octets 0..255 without leading zeros");
    }
  }

  @Test
  void ipv6LiteralsComeWithoutBracketsOrZoneIds() {
    assertRefused("[::1]", "without brackets: drop the [ ]");
    assertRefused("[2001:db8::1]", "without brackets: drop the [ ]");
    assertRefused("::1]", "without brackets: drop the [ ]");
    assertRefused("fe80::1%eth0", "zone ids (%eth0) are host-local");
    assertRefused("fe80::1%25eth0", "zone ids (%25eth0) are host-local");
    for (String bad :
        new String[] {
          ":::1",
          ":1",
          "1:",
          "1::2::3",
          "1:2:3:4:5:6:7:8:9",
          "1:2:3:4:5:6:7",
          "1:2:3:4:5:6:7:8::",
          "1:2:3:4:5:6:7::8",
          "12345::1",
          "g::1",
          "::ffff:010.0.0.1",
          "::ffff:1.2.3",
          "::1.2.3.4:1",
          "1:2:3:4:5:6:7:1.2.3.4",
          "::ffff:1.2.3.4.",
          "db:8080",
          "٣::1",
        }) {
      assertRefused(bad, "an IPv6 literal (RFC 4291)");
    }
  }

  @Test
  void hostNamesAreRfc1123Names() {
    for (String bad :
        new String[] {
          ".",
          ".example",
          "db..internal",
          "db.internal..",
          "-db.internal",
          "db-.internal",
          "db_1.internal",
          "db 1",
          "bücher.example",
          "a".repeat(64) + ".example",
          "db/1",
          "1.2.3.-4",
          "١.٢.٣.٤", // Arabic-Indic digits are no digits here
        }) {
      assertRefused(bad, "a host name (labels of [A-Za-z0-9-], 1..63 chars");
    }
    assertRefused("", "1..253 chars");
    assertRefused("a.".repeat(127), "1..253 chars");
    assertThatThrownBy(() -> Names.checkAddress("address", null))
        .isInstanceOf(CairnException.class);
  }

  @Test
  void storedAddressesAreReadWithTheEarlierRule() {
    for (String old : new String[] {"010.0.0.1", "[::1]", "fe80::1%eth0", "2130706433", "a..b"}) {
      assertThat(Names.checkStoredAddress("address", old)).isEqualTo(old);
    }
    assertThatThrownBy(() -> Names.checkStoredAddress("address", "a b"))
        .isInstanceOf(CairnException.class);
  }

  private static void assertRefused(String address, String expected) {
    assertThat(Names.isAddress(address)).as(address).isFalse();
    assertThatThrownBy(() -> Names.checkAddress("address", address))
        .as(address)
        .isInstanceOfSatisfying(
            CairnException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(e.field()).isEqualTo("address");
              assertThat(e.getMessage()).startsWith("address: ").contains(expected);
            });
  }

  @Test
  void errorCodesMirrorGrpc() {
    assertThat(ErrorCode.INVALID_ARGUMENT.grpcCode()).isEqualTo(3);
    assertThat(ErrorCode.fromGrpcCode(5)).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(ErrorCode.fromGrpcCode(999)).isEqualTo(ErrorCode.INTERNAL);
    assertThat(ErrorCode.UNAVAILABLE.retryable()).isTrue();
    assertThat(ErrorCode.INVALID_ARGUMENT.httpStatus()).isEqualTo(400);
    // A full disk is 507 over HTTP and RESOURCE_EXHAUSTED over gRPC, and worth a later retry.
    assertThat(ErrorCode.INSUFFICIENT_STORAGE.httpStatus()).isEqualTo(507);
    assertThat(ErrorCode.INSUFFICIENT_STORAGE.grpcCode()).isEqualTo(8);
    assertThat(ErrorCode.INSUFFICIENT_STORAGE.retryable()).isTrue();
    assertThat(ErrorCode.fromGrpcCode(8)).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
  }
}
