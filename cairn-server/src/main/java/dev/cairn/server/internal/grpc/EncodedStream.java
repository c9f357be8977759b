package dev.cairn.server.internal.grpc;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Bytes already encoded as a message, as gRPC's marshallers hand messages over: two arrays read as
 * one stream (a head encoded per call, a tail encoded once and shared), which gRPC drains into its
 * frame buffers without another copy.
 */
final class EncodedStream extends InputStream implements KnownLength, Drainable {

  private final byte[] head;
  private final byte[] tail;
  private int position; // over head then tail

  EncodedStream(byte[] head, byte[] tail) {
    this.head = head;
    this.tail = tail;
  }

  @Override
  public int drainTo(OutputStream target) throws IOException {
    int n = available();
    if (position < head.length) {
      target.write(head, position, head.length - position);
      target.write(tail);
    } else {
      target.write(tail, position - head.length, tail.length - (position - head.length));
    }
    position = head.length + tail.length;
    return n;
  }

  @Override
  public int available() {
    return head.length + tail.length - position;
  }

  @Override
  public int read() {
    if (position < head.length) {
      return head[position++] & 0xff;
    }
    if (position < head.length + tail.length) {
      return tail[position++ - head.length] & 0xff;
    }
    return -1;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    int left = available();
    if (left == 0) {
      return len == 0 ? 0 : -1;
    }
    int n = Math.min(len, left);
    for (int k = 0; k < n; ) {
      if (position < head.length) {
        int c = Math.min(n - k, head.length - position);
        System.arraycopy(head, position, b, off + k, c);
        position += c;
        k += c;
      } else {
        int c = Math.min(n - k, head.length + tail.length - position);
        System.arraycopy(tail, position - head.length, b, off + k, c);
        position += c;
        k += c;
      }
    }
    return n;
  }
}
