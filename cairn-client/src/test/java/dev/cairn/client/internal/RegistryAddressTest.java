package dev.cairn.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryAddressTest {

  @Test
  void parsesHostsAndV6LiteralsDroppingDuplicates() {
    assertThat(RegistryAddress.parseList(" 127.0.0.1:8501, localhost:9501,[::1]:7,127.0.0.1:8501"))
        .extracting(Object::toString)
        .containsExactly("127.0.0.1:8501", "localhost:9501", "[::1]:7");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "127.0.0.1",
        "127.0.0.1:",
        ":80",
        "h:0",
        "h:65536",
        "h:x",
        "bad host:1",
        "a:1,,b:2",
        "::1:80",
        "[::1:80",
        "[zz]:80"
      })
  void rejectsMalformedListsNamingTheField(String registries) {
    assertThatThrownBy(() -> RegistryAddress.parseList(registries))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("registries: ")
        .hasMessageContaining("expected: comma-separated host:port");
  }
}
