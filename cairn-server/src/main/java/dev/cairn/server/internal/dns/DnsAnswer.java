package dev.cairn.server.internal.dns;

import io.netty.handler.codec.dns.DnsResponseCode;
import java.util.List;

/**
 * What {@link DnsZone} answers to one question, before it is put on the wire: a response code and
 * the records of the three sections. Immutable.
 *
 * @param code the response code
 * @param authoritative whether the name is in the zone (the AA flag)
 * @param answers the answer section; all of it or the TC flag
 * @param authority the authority section (the zone's SOA for negative answers); may be left out
 * @param additional the additional section (addresses of SRV targets); may be left out
 */
record DnsAnswer(
    DnsResponseCode code,
    boolean authoritative,
    List<DnsRr> answers,
    List<DnsRr> authority,
    List<DnsRr> additional) {

  /** An answer with no records. */
  static DnsAnswer of(DnsResponseCode code, boolean authoritative) {
    return new DnsAnswer(code, authoritative, List.of(), List.of(), List.of());
  }
}
