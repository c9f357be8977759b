package dev.cairn.cli.internal;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A table for people: a header and rows, columns aligned with two spaces between them. */
final class Table {

  private final List<String[]> rows = new ArrayList<>();
  private final int columns;

  private Table(String... header) {
    this.columns = header.length;
    rows.add(header);
  }

  static Table of(String... header) {
    return new Table(header);
  }

  /** Adds a row; one cell per header column. */
  Table row(Object... cells) {
    if (cells.length != columns) {
      throw new IllegalArgumentException("cells: " + cells.length + " (expected: " + columns + ")");
    }
    String[] row = new String[columns];
    for (int i = 0; i < columns; i++) {
      row[i] = cells[i] == null || cells[i].toString().isEmpty() ? "-" : cells[i].toString();
    }
    rows.add(row);
    return this;
  }

  /** Prints the header and the rows; the last column is not padded. */
  void print(PrintWriter out) {
    int[] widths = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < columns; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        line.append(row[i]);
        if (i < columns - 1) {
          line.append(" ".repeat(widths[i] - row[i].length() + 2));
        }
      }
      out.println(line);
    }
    out.flush();
  }
}
