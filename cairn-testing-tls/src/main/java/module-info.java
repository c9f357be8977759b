/** {@code TestCertificates}: certificates made with BouncyCastle for the TLS tests. */
module dev.cairn.testing.tls {
  requires org.bouncycastle.pkix;
  requires org.bouncycastle.provider;
  requires org.bouncycastle.util;

  exports dev.cairn.testing.tls;
}
