/**
 * TLS material from PEM files, shared by the server, the SDK and the command line: a key manager
 * and a trust manager that read their files again when they change, so that certificates rotate
 * without a restart. JDK only. See {@code docs/security.md}.
 */
package dev.cairn.common.tls;
