package dev.cairn.server.internal.dns;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.util.ReferenceCountUtil;

/**
 * One query as read off the wire: its id and flags, its question, its EDNS0 payload size, or the
 * error code to answer it with when it could not be understood. Immutable.
 *
 * @param id the query's id, echoed in the answer
 * @param opcode the query's opcode, echoed in the answer (RFC 1035 §4.1.1)
 * @param recursionDesired the RD flag, echoed in the answer
 * @param question the one question, or {@code null} when {@code error} is set before it was read or
 *     the query has no or several questions
 * @param ednsPayload the UDP payload size the client advertised in an OPT record; 0 without EDNS0
 * @param ednsVersion the EDNS version of the OPT record; 0 without EDNS0
 * @param error the code to answer with instead of resolving, or {@code null}
 */
record DnsRequest(
    int id,
    int opcode,
    boolean recursionDesired,
    DnsQuestion question,
    int ednsPayload,
    int ednsVersion,
    DnsResponseCode error) {

  /** Longest name on the wire (RFC 1035 §2.3.4): 255 octets, so 253 characters plus the dot. */
  static final int MAX_NAME_CHARS = 254;

  /** Longest label (RFC 1035 §2.3.4). */
  static final int MAX_LABEL_CHARS = 63;

  /** The DNS header's length. */
  static final int HEADER_BYTES = 12;

  private static final int QR = 0x8000;
  private static final int OPCODE_SHIFT = 11;
  private static final int RD = 0x0100;

  /** Whether an EDNS0 OPT record came with the query. */
  boolean edns() {
    return ednsPayload > 0;
  }

  /**
   * Reads the query in {@code message} (one whole DNS message; not released). Returns {@code null}
   * when there is nothing to answer: fewer bytes than a header, or a response rather than a query
   * (answering those could start a loop between two servers).
   */
  static DnsRequest read(ByteBuf message) {
    if (message.readableBytes() < HEADER_BYTES) {
      return null;
    }
    int id = message.readUnsignedShort();
    int flags = message.readUnsignedShort();
    if ((flags & QR) != 0) {
      return null;
    }
    boolean rd = (flags & RD) != 0;
    int opcode = (flags >> OPCODE_SHIFT) & 0xf;
    int qdCount = message.readUnsignedShort();
    int anCount = message.readUnsignedShort();
    int nsCount = message.readUnsignedShort();
    int arCount = message.readUnsignedShort();
    Body body = Body.read(message, qdCount, anCount + nsCount, arCount);
    if (opcode != 0) {
      // Not a query: NOTIMP, with an OPT record when the message had a valid one (RFC 6891 §7).
      return new DnsRequest(
          id, opcode, rd, null, body.ednsPayload, body.ednsVersion, DnsResponseCode.NOTIMP);
    }
    if (body.malformed) {
      return new DnsRequest(
          id, opcode, rd, qdCount == 1 ? body.question : null, 0, 0, DnsResponseCode.FORMERR);
    }
    if (qdCount != 1) {
      // A FORMERR to an EDNS query carries an OPT record too.
      return new DnsRequest(
          id, opcode, rd, null, body.ednsPayload, body.ednsVersion, DnsResponseCode.FORMERR);
    }
    return new DnsRequest(id, opcode, rd, body.question, body.ednsPayload, body.ednsVersion, null);
  }

  /**
   * The sections after the header: every question (so that the records after them are found even
   * when there are several or none), then the records, of which one OPT record at most, owned by
   * the root, in the additional section (RFC 6891 §6.1.1).
   */
  private static final class Body {
    DnsQuestion question; // the first one, when it was read and well-formed
    int ednsPayload; // 0 without a valid OPT record
    int ednsVersion;
    boolean malformed;

    static Body read(ByteBuf message, int qdCount, int answersAndAuthority, int additional) {
      Body b = new Body();
      try {
        for (int i = 0; i < qdCount; i++) {
          if (dotInLabel(message)) {
            return b.malformed();
          }
          DnsQuestion q = DnsRecordDecoder.DEFAULT.decodeQuestion(message);
          if (!wellFormed(q.name())) {
            return b.malformed();
          }
          b.question = b.question == null ? q : b.question;
        }
        for (int i = 0; i < answersAndAuthority + additional; i++) {
          DnsRecord r = DnsRecordDecoder.DEFAULT.decodeRecord(message);
          if (r == null) {
            return b.malformed();
          }
          try {
            if (r.type() == DnsRecordType.OPT) {
              if (b.ednsPayload > 0 || i < answersAndAuthority || !".".equals(r.name())) {
                return b.malformed();
              }
              b.ednsPayload = Math.max(512, r.dnsClass());
              b.ednsVersion = (int) (r.timeToLive() >> 16) & 0xff;
            }
          } finally {
            ReferenceCountUtil.release(r);
          }
        }
      } catch (Exception e) { // NOPMD: the codec reports a malformed name in several ways
        return b.malformed();
      }
      return b;
    }

    private Body malformed() {
      malformed = true;
      ednsPayload = 0;
      ednsVersion = 0;
      return this;
    }
  }

  /**
   * Whether the name at the reader index of {@code message} (not moved) has a label holding a dot
   * byte: decoded to text, {@code "a.b"} as one label would read as two labels, name another name
   * than the one asked, and be echoed as that other one. Reads the labels before the first
   * compression pointer; the codec checks the rest.
   */
  private static boolean dotInLabel(ByteBuf message) {
    int at = message.readerIndex();
    int end = message.writerIndex();
    while (at < end) {
      int length = message.getUnsignedByte(at);
      if (length == 0 || (length & 0xc0) != 0) {
        return false;
      }
      int next = Math.min(end, at + 1 + length);
      if (message.indexOf(at + 1, next, (byte) '.') >= 0) {
        return true;
      }
      at = next;
    }
    return false;
  }

  /**
   * Whether {@code name} (with its final dot) fits the limits of RFC 1035 §2.3.4 and holds only
   * printable ASCII. A label with another byte (a NUL, a space, a byte above 0x7e) names nothing in
   * the zone, and the question could not be echoed byte for byte (Netty's encoder refuses a NUL,
   * and writes other characters differently): such a query is FORMERR, not SERVFAIL.
   */
  private static boolean wellFormed(String name) {
    if (name.length() > MAX_NAME_CHARS) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    int start = 0;
    while (start < name.length()) {
      int dot = name.indexOf('.', start);
      int end = dot < 0 ? name.length() : dot;
      if (end - start > MAX_LABEL_CHARS) {
        return false;
      }
      start = end + 1;
    }
    return true;
  }
}
