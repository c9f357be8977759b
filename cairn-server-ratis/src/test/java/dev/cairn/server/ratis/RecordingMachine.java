package dev.cairn.server.ratis;

import dev.cairn.server.core.log.LogStateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A test machine that records every applied entry as a string and replies with its 1-based
 * position. Its snapshot is the whole list. Thread-safe: one lock guards all state, so tests may
 * read it while the log applies.
 */
final class RecordingMachine implements LogStateMachine {

  // Guarded by this.
  private final List<String> entries = new ArrayList<>();
  private final List<String> leaderMessages = new ArrayList<>();
  private int snapshotsWritten;
  private int snapshotsRead;

  @Override
  public synchronized byte[] leaderMessage(byte[] message) {
    leaderMessages.add(new String(message, StandardCharsets.UTF_8));
    return new byte[0];
  }

  /** The messages other members sent this machine while it led. */
  synchronized List<String> leaderMessages() {
    return List.copyOf(leaderMessages);
  }

  @Override
  public synchronized byte[] apply(byte[] entry) {
    entries.add(new String(entry, StandardCharsets.UTF_8));
    return Integer.toString(entries.size()).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public synchronized void writeSnapshot(OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(entries.size());
    for (String e : entries) {
      data.writeUTF(e);
    }
    data.flush();
    snapshotsWritten++;
  }

  @Override
  public synchronized void readSnapshot(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    int n = data.readInt();
    entries.clear();
    for (int i = 0; i < n; i++) {
      entries.add(data.readUTF());
    }
    snapshotsRead++;
  }

  synchronized List<String> entries() {
    return List.copyOf(entries);
  }

  synchronized int snapshotsWritten() {
    return snapshotsWritten;
  }

  synchronized int snapshotsRead() {
    return snapshotsRead;
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String string(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
