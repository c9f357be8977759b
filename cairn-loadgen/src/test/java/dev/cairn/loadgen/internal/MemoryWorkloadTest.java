package dev.cairn.loadgen.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class MemoryWorkloadTest {

  @Test
  void readsG1HeapUsed() throws IOException {
    String g1 =
        "12345:\n"
            + " garbage-first heap   total 262144K, used 20480K [0x0000000700000000, 0x0000000800000000)\n"
            + "  region size 1024K, 19 young (19456K), 0 survivors (0K)\n"
            + " Metaspace       used 6000K, committed 6144K, reserved 1056768K\n"
            + "  class space    used 600K, committed 640K, reserved 1048576K\n";

    assertThat(MemoryWorkload.heapUsed(g1)).isEqualTo(20480L * 1024);
  }

  @Test
  void addsUpGenerations() throws IOException {
    String parallel =
        "12345:\n"
            + " PSYoungGen      total 76288K, used 3932K [0x000000076b400000, 0x0000000770900000)\n"
            + "  eden space 65536K, 6% used [0x000000076b400000,0x000000076b7d7f48)\n"
            + " ParOldGen       total 175104K, used 100K [0x00000006c1c00000, 0x00000006cc700000)\n"
            + " Metaspace       used 6000K, committed 6144K, reserved 1056768K\n";

    assertThat(MemoryWorkload.heapUsed(parallel)).isEqualTo(4032L * 1024);
  }

  @Test
  void readsZgcHeapUsed() throws IOException {
    String zgc = "12345:\n ZHeap           used 8M, capacity 512M, max capacity 8192M\n";

    assertThat(MemoryWorkload.heapUsed(zgc)).isEqualTo(8L << 20);
  }

  @Test
  void failsWithoutAHeapFigure() {
    assertThatThrownBy(() -> MemoryWorkload.heapUsed("12345:\nCommand executed successfully\n"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no used heap figure");
  }
}
