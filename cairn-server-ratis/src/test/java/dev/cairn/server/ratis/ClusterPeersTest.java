package dev.cairn.server.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** One process is one member: two addresses that reach it are refused, however written. */
class ClusterPeersTest {

  @Test
  void anAddressWrittenTwiceTheSameIsRefusedNamingBothMembers() {
    assertThatThrownBy(() -> ClusterPeers.parse("n1=127.0.0.1:7001,n2=127.0.0.1:7001"))
        .hasMessage("--peers: address 127.0.0.1:7001 is given to two members (n1 and n2)");
    assertThatThrownBy(() -> ClusterPeers.parse("n1=Host.invalid:7001,n2=host.INVALID:7001"))
        .hasMessage("--peers: address Host.invalid:7001 is given to two members (n1 and n2)");
  }

  @Test
  void aNameForAnAddressAlreadyGivenIsRefusedNamingBothEntries() {
    assertThatThrownBy(
            () -> ClusterPeers.parse("n1=127.0.0.1:20051,n2=localhost:20051,n3=127.0.0.1:20053"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--peers: address 127.0.0.1:20051 is given to two members"
                + " (n1=127.0.0.1:20051 and n2=localhost:20051: localhost is 127.0.0.1)");
  }

  @Test
  void aWildcardAddressIsEveryAddressOfThisMachine() {
    assertThatThrownBy(() -> ClusterPeers.parse("n1=0.0.0.0:7001,n2=127.0.0.1:7001"))
        .hasMessageContaining("(n1=0.0.0.0:7001 and n2=127.0.0.1:7001:")
        .hasMessageEndingWith("0.0.0.0 is every address of this machine)");
    assertThatThrownBy(() -> ClusterPeers.parse("n1=localhost:7001,n2=[::]:7001"))
        .hasMessageContaining("(n1=localhost:7001 and n2=[::]:7001: :: is every address");
  }

  @Test
  void oneHostOnOtherPortsAndNamesThatDoNotResolveAreDistinctMembers() {
    assertThat(ClusterPeers.parse("n1=127.0.0.1:7001,n2=localhost:7002,n3=0.0.0.0:7003"))
        .hasSize(3);
    // Not resolved: compared as written, and not told.
    assertThat(ClusterPeers.parse("n1=a.invalid:7001,n2=b.invalid:7001,n3=127.0.0.1:7001"))
        .hasSize(3);
    assertThat(ClusterPeers.parse("n1=127.0.0.1:7001,n2=127.0.0.2:7001")).hasSize(2);
  }
}
