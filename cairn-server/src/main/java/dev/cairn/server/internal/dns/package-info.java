/**
 * The DNS interface (see {@code docs/dns.md}): {@link dev.cairn.server.internal.dns.DnsListener}
 * serves {@code <service>.service.<domain>} names over UDP and TCP on Netty's DNS codec; {@link
 * dev.cairn.server.internal.dns.DnsZone} answers one question from the registry's snapshots.
 */
package dev.cairn.server.internal.dns;
