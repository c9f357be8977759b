package dev.cairn.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TableTest {

  @Test
  void alignsColumnsAndMarksEmptyCells() {
    StringWriter out = new StringWriter();

    Table.of("ID", "ADDRESS", "ZONE")
        .row("web-1", "10.0.0.1", "")
        .row("w", null, "z1")
        .print(new PrintWriter(out));

    assertThat(out.toString())
        .isEqualTo("ID     ADDRESS   ZONE\n" + "web-1  10.0.0.1  -\n" + "w      -         z1\n");
  }

  @Test
  void rowsHaveOneCellPerColumn() {
    assertThatThrownBy(() -> Table.of("A", "B").row("only one"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cells: 1 (expected: 2)");
  }
}
