package dev.cairn.loadgen.internal;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rows the workloads report: workload, metric, value, target. Rendered as a markdown table.
 * Thread safe.
 */
final class ResultTable {

  /** One row of the table. */
  record Row(String workload, String metric, String value, String target) {}

  // guarded by this
  private final List<Row> rows = new ArrayList<>();

  synchronized void add(String workload, String metric, String value, String target) {
    rows.add(
        new Row(
            requireNonNull(workload, "workload"),
            requireNonNull(metric, "metric"),
            requireNonNull(value, "value"),
            requireNonNull(target, "target")));
  }

  synchronized List<Row> rows() {
    return List.copyOf(rows);
  }

  /** The first row of {@code workload} whose metric starts with {@code metricPrefix}, or null. */
  synchronized Row find(String workload, String metricPrefix) {
    for (Row row : rows) {
      if (row.workload().equals(workload) && row.metric().startsWith(metricPrefix)) {
        return row;
      }
    }
    return null;
  }

  /** The table in markdown, one line per row, with a header. */
  synchronized String toMarkdown() {
    StringBuilder out = new StringBuilder();
    out.append("| workload | metric | value | target |\n");
    out.append("| --- | --- | ---: | --- |\n");
    for (Row row : rows) {
      out.append("| ")
          .append(escape(row.workload()))
          .append(" | ")
          .append(escape(row.metric()))
          .append(" | ")
          .append(escape(row.value()))
          .append(" | ")
          .append(escape(row.target()))
          .append(" |\n");
    }
    return out.toString();
  }

  /** Formats a rate: {@code "31,234 ops/s"}. */
  static String rate(double perSecond, String unit) {
    return String.format(Locale.ROOT, "%,.0f %s", perSecond, unit);
  }

  /** Formats a count. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String escape(String cell) {
    return cell.replace("|", "\\|").replace("\n", " ");
  }
}
