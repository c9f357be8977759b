package dev.cairn.server.internal.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsRecordEncoder;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.util.List;

/**
 * Puts a response on the wire within a size limit: the header, the question, then as many answer
 * records as fit (the TC flag set when one does not), then the authority and additional records
 * that still fit (those may be left out, RFC 2181 §9), then an OPT record when the query had one.
 * Stateless.
 */
final class DnsResponseWriter {

  /** The UDP payload without EDNS0 (RFC 1035 §4.2.1). */
  static final int CLASSIC_UDP_BYTES = 512;

  /** The largest UDP payload answered, whatever a client advertises (the DNS flag day 2020). */
  static final int MAX_UDP_BYTES = 4096;

  /** The largest message over TCP (its two-byte length prefix). */
  static final int MAX_TCP_BYTES = 65535;

  /** The EDNS payload size this server advertises. */
  static final int ADVERTISED_PAYLOAD = 1232;

  private static final int OPT_BYTES = 11;
  private static final int QR = 0x8000;
  private static final int AA = 0x0400;
  private static final int TC = 0x0200;
  private static final int RD = 0x0100;
  private static final int OPCODE_SHIFT = 11;
  private static final int BADVERS = 16;

  private DnsResponseWriter() {}

  /** The size limit of a UDP answer to {@code request}. */
  static int udpLimit(DnsRequest request) {
    return request.edns()
        ? Math.min(MAX_UDP_BYTES, Math.max(CLASSIC_UDP_BYTES, request.ednsPayload()))
        : CLASSIC_UDP_BYTES;
  }

  /**
   * Encodes the answer to {@code request} in at most {@code limit} bytes. The caller owns the
   * returned buffer.
   */
  static ByteBuf write(ByteBufAllocator alloc, DnsRequest request, DnsAnswer answer, int limit) {
    ByteBuf out = alloc.buffer(Math.min(limit, CLASSIC_UDP_BYTES));
    try {
      write(out, request, answer, limit);
      return out;
    } catch (Exception e) { // NOPMD: only a bug gets here; answer SERVFAIL without records
      out.clear();
      writeHeader(out, request, DnsResponseCode.SERVFAIL, 0);
      return out;
    }
  }

  /**
   * An empty answer with the TC flag, echoing the question: what a rate-limited UDP client gets now
   * and then ({@link DnsRateLimit}), no larger than its query, so that a real client asks again
   * over TCP. The caller owns the returned buffer.
   */
  static ByteBuf truncated(ByteBufAllocator alloc, DnsRequest request) {
    ByteBuf out = alloc.buffer(CLASSIC_UDP_BYTES);
    writeHeader(out, request, DnsResponseCode.NOERROR, TC);
    if (request.question() != null) {
      try {
        DnsRecordEncoder.DEFAULT.encodeQuestion(request.question(), out);
        out.setShort(out.readerIndex() + 4, 1);
      } catch (Exception e) { // NOPMD: a question read from the wire encodes again; only a bug
        out.writerIndex(out.readerIndex() + 12);
      }
    }
    return out;
  }

  private static void write(ByteBuf out, DnsRequest request, DnsAnswer answer, int limit)
      throws Exception {
    DnsResponseCode code = answer.code();
    int extendedCode = 0;
    if (request.edns() && request.ednsVersion() != 0) {
      code = DnsResponseCode.NOERROR;
      extendedCode = BADVERS;
      answer = DnsAnswer.of(DnsResponseCode.NOERROR, false);
    }
    int flags = (answer.authoritative() ? AA : 0) | (extendedCode & 0xf);
    writeHeader(out, request, code, flags);
    int qd = 0;
    if (request.question() != null) {
      DnsRecordEncoder.DEFAULT.encodeQuestion(request.question(), out);
      qd = 1;
    }
    int room = limit - (request.edns() ? OPT_BYTES : 0);
    int an = writeSome(out, answer.answers(), room);
    boolean truncated = an < answer.answers().size();
    int ns = 0;
    int ar = 0;
    if (!truncated) {
      ns = writeSome(out, answer.authority(), room);
      if (ns == answer.authority().size()) {
        ar = writeSome(out, answer.additional(), room);
      }
    }
    if (request.edns()) {
      // The OPT pseudo-record: root name, class = our payload size, TTL = ext. rcode and version.
      long optTtl = (long) (extendedCode >> 4) << 24;
      DnsRecordEncoder.DEFAULT.encodeRecord(
          new DefaultDnsRawRecord(
              ".", DnsRecordType.OPT, ADVERTISED_PAYLOAD, optTtl, Unpooled.EMPTY_BUFFER),
          out);
      ar++;
    }
    int at = out.readerIndex();
    if (truncated) {
      out.setShort(at + 2, out.getUnsignedShort(at + 2) | TC);
    }
    out.setShort(at + 4, qd);
    out.setShort(at + 6, an);
    out.setShort(at + 8, ns);
    out.setShort(at + 10, ar);
  }

  /**
   * Writes records of {@code rrs} while the message stays within {@code room}; returns how many.
   */
  private static int writeSome(ByteBuf out, List<DnsRr> rrs, int room) throws Exception {
    int n = 0;
    for (DnsRr rr : rrs) {
      int mark = out.writerIndex();
      rr.writeTo(out);
      if (out.writerIndex() - out.readerIndex() > room) {
        out.writerIndex(mark);
        return n;
      }
      n++;
    }
    return n;
  }

  private static void writeHeader(
      ByteBuf out, DnsRequest request, DnsResponseCode code, int flags) {
    out.writeShort(request.id());
    out.writeShort(
        QR
            | (request.opcode() & 0xf) << OPCODE_SHIFT
            | (request.recursionDesired() ? RD : 0)
            | flags
            | (code.intValue() & 0xf));
    out.writeShort(0);
    out.writeShort(0);
    out.writeShort(0);
    out.writeShort(0);
  }
}
