package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StringPoolTest {

  @Test
  void equalStringsBecomeOneInstance() {
    StringPool pool = new StringPool();
    String a = pool.share(new String("web"));
    String b = pool.share(new String("web"));
    assertThat(b).isSameAs(a);
  }

  @Test
  void emptyStringIsKeptAsIs() {
    assertThat(new StringPool().share("")).isEmpty();
  }
}
