package dev.cairn.server.internal;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The start-time checks on their own: no server, no socket, no traffic. */
class OpenAccessTest {

  @Test
  void raftMembersOnLoopbackPass() {
    assertThatCode(
            () ->
                OpenAccess.checkRaft(
                    List.of("127.0.0.1", "localhost", "::1", "127.0.0.2"), false, false))
        .doesNotThrowAnyException();
    assertThatCode(() -> OpenAccess.checkRaft(List.of(), false, false)).doesNotThrowAnyException();
  }

  @Test
  void aRaftMemberOffLoopbackIsRefusedUnlessAllowed() {
    // Checked only, never contacted (192.0.2.0/24 is TEST-NET-1).
    List<String> hosts = List.of("127.0.0.1", "192.0.2.7", "127.0.0.1");
    assertThatThrownBy(() -> OpenAccess.checkRaft(hosts, false, false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refusing to replicate with a member off loopback (192.0.2.7)")
        .hasMessageContaining("plaintext and unauthenticated")
        .hasMessageContaining("--tls-ca")
        .hasMessageContaining("--insecure-allow-open-access");
    assertThatCode(() -> OpenAccess.checkRaft(hosts, false, true)).doesNotThrowAnyException();
    // Mutual TLS between members (decision 0109) needs no flag.
    assertThatCode(() -> OpenAccess.checkRaft(hosts, true, false)).doesNotThrowAnyException();
  }

  @Test
  void theApiCheckCountsMutualTlsAndAcls() throws Exception {
    InetAddress any = InetAddress.getByName("0.0.0.0");
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    assertThatCode(() -> OpenAccess.check(loopback, false, false, false))
        .doesNotThrowAnyException();
    assertThatCode(() -> OpenAccess.check(any, true, true, false)).doesNotThrowAnyException();
    assertThatCode(() -> OpenAccess.check(any, true, false, true, false))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> OpenAccess.check(any, true, false, false))
        .hasMessageContaining("no client CA");
    assertThatThrownBy(() -> OpenAccess.check(any, false, false, true, false))
        .hasMessageContaining("without TLS");
    assertThatCode(() -> OpenAccess.check(any, false, false, true)).doesNotThrowAnyException();
  }
}
