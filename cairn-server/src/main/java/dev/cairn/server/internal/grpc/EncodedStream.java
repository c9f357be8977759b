package dev.cairn.server.internal.grpc;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Bytes already encoded as a message, as gRPC's marshallers hand messages over: a few arrays read
 * as one stream (e.g. a head encoded per call, a body encoded once and shared, a tail encoded per
 * call), which gRPC drains into its frame buffers without another copy.
 */
final class EncodedStream extends InputStream implements KnownLength, Drainable {

  private final byte[][] parts;
  private int part; // the part `position` is in (parts.length at the end)
  private int position; // within parts[part]
  private int left;

  EncodedStream(byte[]... parts) {
    this.parts = parts;
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    this.left = n;
    skipEmpty();
  }

  @Override
  public int drainTo(OutputStream target) throws IOException {
    int n = left;
    for (; part < parts.length; part++) {
      target.write(parts[part], position, parts[part].length - position);
      position = 0;
    }
    left = 0;
    return n;
  }

  @Override
  public int available() {
    return left;
  }

  @Override
  public int read() {
    if (left == 0) {
      return -1;
    }
    int b = parts[part][position++] & 0xff;
    left--;
    skipEmpty();
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (left == 0) {
      return len == 0 ? 0 : -1;
    }
    int n = Math.min(len, left);
    for (int k = 0; k < n; ) {
      int c = Math.min(n - k, parts[part].length - position);
      System.arraycopy(parts[part], position, b, off + k, c);
      position += c;
      k += c;
      skipEmpty();
    }
    left -= n;
    return n;
  }

  // Moves past the parts read to their end.
  private void skipEmpty() {
    while (part < parts.length && position == parts[part].length) {
      part++;
      position = 0;
    }
  }
}
