package dev.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SharedClientTest {

  @Test
  void leasesOfTheSameRegistriesShareOneClientClosedByTheLastLease() {
    long before = Servers.clientThreads();
    SharedClient a = SharedClient.acquire("127.0.0.1:1");
    SharedClient b = SharedClient.acquire(" 127.0.0.1:1 ");
    SharedClient other = SharedClient.acquire("127.0.0.1:2");

    assertThat(a.client()).isSameAs(b.client()).isNotSameAs(other.client());

    a.close();
    a.close();
    assertThat(b.client().view("x")).isNotNull(); // still open
    b.close();
    other.close();
    assertThat(Servers.clientThreads()).isEqualTo(before);
    SharedClient again = SharedClient.acquire("127.0.0.1:1");
    assertThat(again.client()).isNotSameAs(b.client());
    again.close();
  }
}
