/** Certificates for TLS tests: {@link dev.cairn.testing.tls.TestCertificates}. */
package dev.cairn.testing.tls;
