package dev.cairn.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.testing.tls.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemManagersTest {

  @TempDir static Path dir;
  static TestCertificates pki;

  @BeforeAll
  static void certificates() {
    pki = TestCertificates.create(dir.resolve("pki"));
  }

  /** Records what a manager reports; checks files at every handshake (interval 0). */
  static final class Events implements ReloadListener {
    final List<String> seen = new CopyOnWriteArrayList<>();

    @Override
    public void reloaded(String what) {
      seen.add("reloaded");
    }

    @Override
    public void reloadFailed(String what, Exception cause) {
      seen.add("failed: " + cause.getMessage());
    }
  }

  @Test
  void aRotationIsTakenInOnceBothFilesMatchAndAHalfWrittenOneKeepsThePreviousPair()
      throws Exception {
    TestCertificates.Pair first = pki.server();
    TestCertificates.Pair second = pki.server();
    Path cert = copy(first.cert(), "cert.pem");
    Path key = copy(first.key(), "key.pem");
    Events events = new Events();
    PemKeyManager keys = PemKeyManager.load(cert, key, Duration.ZERO, events);
    assertThat(keys.certificate()).isEqualTo(first.certificate());

    Files.copy(second.cert(), cert, StandardCopyOption.REPLACE_EXISTING); // the key not yet
    assertThat(keys.certificate()).isEqualTo(first.certificate());
    assertThat(events.seen).singleElement().asString().contains("does not match");
    assertThat(keys.certificate()).isEqualTo(first.certificate());
    assertThat(events.seen).hasSize(1); // the same files are not tried (nor reported) again

    Files.copy(second.key(), key, StandardCopyOption.REPLACE_EXISTING);
    assertThat(keys.certificate()).isEqualTo(second.certificate());
    assertThat(events.seen).hasSize(2).last().isEqualTo("reloaded");
  }

  /** A clock the test sets. */
  static final class SetClock extends java.time.Clock {
    volatile java.time.Instant now;

    SetClock(java.time.Instant now) {
      this.now = now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public java.time.Instant instant() {
      return now;
    }
  }

  // Decision 0218.
  @Test
  void aRotationToAnExpiredCertificateKeepsTheValidOneAndSaysWhyOnce() throws Exception {
    TestCertificates.Pair good = pki.server();
    TestCertificates.Pair expired = pki.expiredServer();
    Path cert = copy(good.cert(), "expiry-cert.pem");
    Path key = copy(good.key(), "expiry-key.pem");
    Events events = new Events();
    PemKeyManager keys =
        PemKeyManager.load(cert, key, Duration.ZERO, events, new SetClock(java.time.Instant.now()));

    Files.copy(expired.key(), key, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(expired.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
    assertThat(keys.certificate()).isEqualTo(good.certificate());
    assertThat(keys.certificate()).isEqualTo(good.certificate());
    assertThat(events.seen.get(events.seen.size() - 1))
        .contains("expired at " + expired.certificate().getNotAfter().toInstant())
        .contains("the previous one (CN=server")
        .contains("stays in use");
    long expiredReports = events.seen.stream().filter(e -> e.contains("expired at")).count();
    assertThat(expiredReports).isEqualTo(1); // tried at each check, told once
  }

  // Decision 0218: a certificate written before its start is taken once it starts.
  @Test
  void aCertificateNotValidYetIsTakenOnceItStarts() throws Exception {
    TestCertificates.Pair old = pki.expiredServer(); // valid two days ago to one day ago
    TestCertificates.Pair next = pki.server(); // valid from an hour ago
    SetClock clock =
        new SetClock(old.certificate().getNotAfter().toInstant().minus(Duration.ofHours(1)));
    Path cert = copy(old.cert(), "start-cert.pem");
    Path key = copy(old.key(), "start-key.pem");
    Events events = new Events();
    PemKeyManager keys = PemKeyManager.load(cert, key, Duration.ZERO, events, clock);

    Files.copy(next.key(), key, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(next.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
    assertThat(keys.certificate()).isEqualTo(old.certificate());
    assertThat(events.seen)
        .singleElement()
        .asString()
        .contains("not valid before " + next.certificate().getNotBefore().toInstant());

    clock.now = next.certificate().getNotBefore().toInstant().plusSeconds(1);
    assertThat(keys.certificate()).isEqualTo(next.certificate());
    assertThat(events.seen).hasSize(2).last().isEqualTo("reloaded");
  }

  @Test
  void aHandshakeThatChoseItsAliasBeforeAReloadStillFindsItsChainAndKey() throws Exception {
    TestCertificates.Pair first = pki.server();
    TestCertificates.Pair second = pki.server();
    Path cert = copy(first.cert(), "alias-cert.pem");
    Path key = copy(first.key(), "alias-key.pem");
    PemKeyManager keys = PemKeyManager.load(cert, key, Duration.ZERO, ReloadListener.NONE);
    String alias = keys.chooseEngineServerAlias("EC", null, null);
    assertThat(alias).isNotNull();

    Files.copy(second.key(), key, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(second.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
    assertThat(keys.chooseEngineServerAlias("EC", null, null)).isNotEqualTo(alias);

    X509Certificate[] chain = keys.getCertificateChain(alias);
    assertThat(chain).containsExactly(first.certificate());
    assertThat(keys.getPrivateKey(alias)).isNotNull();
    assertThat(keys.chooseEngineServerAlias("RSA", null, null)).isNull(); // an EC key
  }

  @Test
  void theTrustManagerTrustsItsAuthorityOnlyAndFollowsItsFile() throws Exception {
    Path ca = copy(pki.ca(), "trust.pem");
    Events events = new Events();
    PemTrustManager trust = PemTrustManager.load(ca, Duration.ZERO, events);
    X509Certificate[] ours = {pki.client().certificate()};
    X509Certificate[] theirs = {pki.otherClient().certificate()};
    X509Certificate[] expired = {pki.expiredClient().certificate()};

    trust.checkClientTrusted(ours, "ECDHE_ECDSA");
    assertThatThrownBy(() -> trust.checkClientTrusted(theirs, "ECDHE_ECDSA"))
        .isInstanceOf(CertificateException.class);
    assertThatThrownBy(() -> trust.checkClientTrusted(expired, "ECDHE_ECDSA"))
        .isInstanceOf(CertificateException.class);

    Files.copy(pki.otherCa(), ca, StandardCopyOption.REPLACE_EXISTING);
    trust.checkClientTrusted(theirs, "ECDHE_ECDSA");
    assertThatThrownBy(() -> trust.checkClientTrusted(ours, "ECDHE_ECDSA"))
        .isInstanceOf(CertificateException.class);
    assertThat(events.seen).containsExactly("reloaded");

    Files.writeString(ca, "garbage", StandardCharsets.US_ASCII);
    trust.checkClientTrusted(theirs, "ECDHE_ECDSA"); // still the previous authorities
    assertThat(events.seen).hasSize(2).last().asString().contains("no certificate");
  }

  @Test
  void badFilesAreRefusedNamingTheFileAndSayingWhatIsExpected() throws Exception {
    TestCertificates.Pair pair = pki.server();
    Path pkcs1 = dir.resolve("rsa.pem");
    Files.writeString(
        pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
    assertThatThrownBy(() -> PemKeyManager.load(pair.cert(), pkcs1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(pkcs1.toString())
        .hasMessageContaining("openssl pkcs8 -topk8");
    Path encrypted = dir.resolve("enc.pem");
    Files.writeString(
        encrypted,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
    assertThatThrownBy(() -> PemKeyManager.load(pair.cert(), encrypted))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("encrypted");
    assertThatThrownBy(() -> PemTrustManager.load(pair.key()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no certificate");
    assertThatThrownBy(() -> PemTrustManager.load(dir.resolve("none.pem")))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("none.pem");
  }

  private static Path copy(Path from, String name) throws Exception {
    Path to = dir.resolve(name);
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    return to;
  }
}
